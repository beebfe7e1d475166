//! Writes include/authing_mfa.h with cbindgen from src/ffi on every build.
//!
//! The header is committed: users of the C API read it in the repository and
//! CI checks (with `git diff --exit-code include/`) that a fresh generation
//! reproduces the committed file byte for byte. A copy also goes to OUT_DIR so
//! the Rust test `header_is_fresh` can compare the two.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");

    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let mut config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml is valid");
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap();
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap();
    let patch = std::env::var("CARGO_PKG_VERSION_PATCH").unwrap();
    let version = std::env::var("CARGO_PKG_VERSION").unwrap();
    config.after_includes = Some(format!(
        "\n/** The version of this header; compare with authing_mfa_version() at run time. */\n\
         #define AUTHING_MFA_VERSION_MAJOR {major}\n\
         #define AUTHING_MFA_VERSION_MINOR {minor}\n\
         #define AUTHING_MFA_VERSION_PATCH {patch}\n\
         #define AUTHING_MFA_VERSION_STRING \"{version}\"\n"
    ));

    // Only the ffi layer is parsed: the core's public items (ErrorKind,
    // constants) are Rust API, not C API.
    let mut builder = cbindgen::Builder::new().with_config(config);
    for file in ["status", "strings", "client", "ops", "asynk", "log", "totp"] {
        builder = builder.with_src(crate_dir.join(format!("src/ffi/{file}.rs")));
    }
    let bindings = match builder.generate() {
        Ok(b) => b,
        Err(e) => panic!("cbindgen could not generate the header: {e}"),
    };
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    bindings.write_to_file(out_dir.join("authing_mfa.h"));
    // write_to_file only rewrites the file when its content changed, so the
    // committed header's mtime is left alone on no-op builds.
    bindings.write_to_file(crate_dir.join("include/authing_mfa.h"));
}
