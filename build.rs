//! Generates the C header with cbindgen from the files of src/ffi.
//!
//! Every build writes it to `$OUT_DIR/authing_mfa.h`; tests/header.rs checks
//! that the committed include/authing_mfa.h is identical, byte for byte. A
//! plain build never touches include/: after changing the C API, regenerate
//! the committed header with
//!
//! ```sh
//! AUTHING_MFA_WRITE_HEADER=1 cargo build -p authing-mfa
//! ```
//!
//! and commit it (it writes bindings/go/include/authing_mfa.h too: the Go
//! module's copy).

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=AUTHING_MFA_WRITE_HEADER");

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
    // constants) are Rust API, not C API. Every .rs file of src/ffi, in name
    // order, except mod.rs: it only declares the modules, and cbindgen would
    // follow those declarations and parse every file a second time.
    let ffi_dir = crate_dir.join("src/ffi");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&ffi_dir).expect("src/ffi is readable") {
        let path = entry.expect("src/ffi is readable").path();
        if path.is_dir() {
            panic!(
                "{}: build.rs reads only the .rs files directly in src/ffi",
                path.display()
            );
        }
        if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("mod.rs") {
            files.push(path);
        }
    }
    files.sort();
    let mut builder = cbindgen::Builder::new().with_config(config);
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        builder = builder.with_src(file);
    }
    let bindings = match builder.generate() {
        Ok(b) => b,
        Err(e) => panic!("cbindgen could not generate the header: {e}"),
    };
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    bindings.write_to_file(out_dir.join("authing_mfa.h"));
    if std::env::var_os("AUTHING_MFA_WRITE_HEADER").is_some_and(|v| v == "1") {
        // write_to_file only rewrites the file when its content changed, so
        // the committed header's mtime is left alone when it is current.
        bindings.write_to_file(crate_dir.join("include/authing_mfa.h"));
        // The Go module's copy (a module-cache copy of bindings/go has no
        // ../../include); tests/header.rs checks the two are identical.
        bindings.write_to_file(crate_dir.join("bindings/go/include/authing_mfa.h"));
    }
}
