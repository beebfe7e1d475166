//! The committed header is what cbindgen generates now, carries the crate's
//! version, and declares every function of the C API contract.
//!
//! build.rs writes the generated header to OUT_DIR on every build and
//! rewrites include/authing_mfa.h only when AUTHING_MFA_WRITE_HEADER=1, so
//! the comparison below is between two different files: the committed one
//! and the one generated from src/ffi now.

const COMMITTED: &str = include_str!("../include/authing_mfa.h");
const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/authing_mfa.h"));

#[test]
fn header_is_fresh() {
    assert!(
        GENERATED.as_bytes() == COMMITTED.as_bytes(),
        "include/authing_mfa.h differs from the header generated from src/ffi: \
         run `AUTHING_MFA_WRITE_HEADER=1 cargo build -p authing-mfa` and commit include/authing_mfa.h"
    );
}

#[test]
fn version_macros_match_cargo_toml() {
    let manifest = include_str!("../Cargo.toml");
    let version = manifest
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("package version in Cargo.toml");
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    let mut parts = version.split('.');
    for name in ["MAJOR", "MINOR", "PATCH"] {
        let want = format!("#define AUTHING_MFA_VERSION_{name} {}", parts.next().unwrap());
        assert!(COMMITTED.contains(&want), "missing `{want}`");
    }
    assert!(COMMITTED.contains(&format!("#define AUTHING_MFA_VERSION_STRING \"{version}\"")));
}

#[test]
fn every_contract_function_and_status_is_declared() {
    for f in [
        "authing_mfa_version(void)",
        "authing_mfa_status_name(authing_mfa_status",
        "authing_mfa_client_new(",
        "authing_mfa_client_free(",
        "authing_mfa_string_free(",
        "authing_mfa_client_set_token(",
        "authing_mfa_client_set_current_user(",
        "authing_mfa_client_get_current_user(",
        "authing_mfa_client_clear_current_user(",
        "authing_mfa_get_authenticators(",
        "authing_mfa_associate_authenticator(",
        "authing_mfa_delete_authenticator(",
        "authing_mfa_confirm_associate_authenticator(",
        "authing_mfa_verify_totp(",
        "authing_mfa_verify_totp_recovery_code(",
        "authing_mfa_verify_app_sms(",
        "authing_mfa_verify_app_email(",
        "authing_mfa_phone_or_email_bindable(",
        "authing_mfa_associate_face_by_url(",
        "authing_mfa_associate_face_by_files(",
        "authing_mfa_verify_face(",
        "authing_mfa_call(",
        "authing_mfa_totp_generate(",
        "authing_mfa_totp_parse_uri(",
        "typedef struct authing_mfa_client authing_mfa_client;",
        "typedef int32_t authing_mfa_status;",
    ] {
        assert!(COMMITTED.contains(f), "header lacks {f}");
    }
    for (name, value) in [
        ("OK", 0),
        ("ERR_NULL_ARGUMENT", 1),
        ("ERR_INVALID_UTF8", 2),
        ("ERR_INVALID_JSON", 3),
        ("ERR_INVALID_ARGUMENT", 4),
        ("ERR_API", 10),
        ("ERR_HTTP_STATUS", 11),
        ("ERR_NETWORK", 12),
        ("ERR_TIMEOUT", 13),
        ("ERR_DECODE", 14),
        ("ERR_IO", 15),
        ("ERR_CANCELLED", 16),
        ("ERR_SHUTDOWN", 17),
        ("ERR_WOULD_DEADLOCK", 18),
        ("ERR_FORKED", 19),
        ("ERR_PANIC", 99),
    ] {
        assert!(
            COMMITTED.contains(&format!("#define AUTHING_MFA_{name} {value}\n")),
            "{name}"
        );
    }
    assert!(COMMITTED.contains("extern \"C\" {"), "C++ guards");
}

/// The operation list the library publishes (`authing_mfa_operations`)
/// and the per-operation C functions of the header agree both ways: every
/// operation names a declared function, and every function with the
/// operations' signature (`params_json` in, `out_result_json` out) is some
/// operation's.
#[test]
fn the_operation_list_and_the_header_agree() {
    let text = unsafe { std::ffi::CStr::from_ptr(authing_mfa::ffi::status::authing_mfa_operations()) };
    let ops: serde_json::Value = serde_json::from_str(text.to_str().unwrap()).unwrap();
    let mut named: Vec<&str> = ops
        .as_array()
        .unwrap()
        .iter()
        .map(|op| op["cFunction"].as_str().unwrap())
        .collect();
    named.sort();
    named.dedup();
    for f in &named {
        assert!(
            COMMITTED.contains(&format!(
                "authing_mfa_status {f}(const authing_mfa_client *client,"
            )),
            "{f} is named by authing_mfa_operations but not declared as an operation"
        );
    }
    // Declarations span lines (cbindgen writes one argument per line).
    let mut declared: Vec<&str> = COMMITTED
        .split("authing_mfa_status ")
        .skip(1)
        .filter_map(|decl| {
            let (name, args) = decl.split_once('(')?;
            let args = &args[..args.find(");")?];
            (args.contains("params_json") && args.contains("out_result_json") && name != "authing_mfa_call")
                .then_some(name)
        })
        .collect();
    declared.sort();
    assert_eq!(
        declared, named,
        "operation functions of the header vs authing_mfa_operations"
    );
}

/// The Go module carries its own copy of the header (bindings/go/include/),
/// so that a module-cache copy of bindings/go builds: it must be this one.
#[test]
fn go_module_header_is_the_c_header() {
    let go_copy = include_str!("../bindings/go/include/authing_mfa.h");
    assert!(
        go_copy.as_bytes() == COMMITTED.as_bytes(),
        "bindings/go/include/authing_mfa.h differs from include/authing_mfa.h: \
         run `AUTHING_MFA_WRITE_HEADER=1 cargo build -p authing-mfa` (it writes both) and commit both"
    );
}
