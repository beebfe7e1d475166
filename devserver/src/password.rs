//! Password hashing: Argon2id in PHC string form.
//!
//! The server is a test fixture, but people paste real-looking passwords
//! into fixtures and state files end up in bug reports, so it stores what a
//! real service would: a salted, memory-hard hash, never the password. The
//! parameters are light so that a test suite creating hundreds of users
//! stays fast (see [`PARAMS`]); they are written into every hash (`m=`, `t=`,
//! `p=` in the PHC string), so raising them later still verifies old hashes.
//!
//! State files of earlier servers hold salted SHA-256 digests instead. They
//! are migrated when loaded, without the passwords (which the server never
//! had): the old digest itself is hashed with Argon2id ("onion" migration),
//! and the record remembers the old salt so a login can recompute the digest
//! first. So no fast hash is left in the file once a new server has started
//! on it, and every existing user can still log in.

use crate::crypto::hex;
use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use sha2::{Digest, Sha256};

/// Argon2id with 1 MiB of memory, 2 passes, 1 lane: far below OWASP's
/// recommendation for production (19 MiB, 2 passes), but a real salted,
/// memory-hard hash. Measured on a 2-core machine: about 1.1 ms per hash
/// in a release build, 16 to 40 ms in a debug build (the test suites run
/// one). With 4 MiB a debug hash took 125 ms, and the suites create and log
/// in hundreds of users.
pub const M_COST_KIB: u32 = 1024;
/// Passes over the memory.
pub const T_COST: u32 = 2;
/// Lanes.
pub const P_COST: u32 = 1;

fn hasher() -> Argon2<'static> {
    // The constants are valid Argon2 parameters, checked by a test.
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The parameters, as documented (for tests and the README).
pub const PARAMS: (u32, u32, u32) = (M_COST_KIB, T_COST, P_COST);

/// A fresh Argon2id hash of `password` with a random 16-byte salt, as a PHC
/// string (`$argon2id$v=19$m=1024,t=2,p=1$<salt>$<hash>`).
pub fn hash(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::fill(&mut salt);
    match hasher().hash_password_with_salt(password.as_bytes(), &salt) {
        Ok(h) => h.to_string(),
        // Only reachable with invalid parameters or salt, both fixed here.
        Err(_) => String::new(),
    }
}

/// Whether `password` matches `phc`. With `legacy_salt` (a record migrated
/// from a salted SHA-256 digest), the digest is recomputed first and that
/// is what the Argon2id hash covers. A malformed hash never matches.
pub fn verify(password: &str, phc: &str, legacy_salt: Option<&str>) -> bool {
    let input = match legacy_salt {
        Some(salt) => legacy_sha256(salt, password),
        None => password.to_owned(),
    };
    hasher().verify_password(input.as_bytes(), phc).is_ok()
}

/// Whether `s` is an Argon2id PHC string this module can verify.
pub fn is_phc(s: &str) -> bool {
    s.starts_with("$argon2id$") && PasswordHash::new(s).is_ok()
}

/// The digest earlier servers stored: hex SHA-256 of salt, a NUL byte and
/// the password.
pub fn legacy_sha256(salt: &str, password: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update([0u8]);
    h.update(password.as_bytes());
    hex(h.finalize().as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_valid_and_written_into_the_hash() {
        assert!(Params::new(M_COST_KIB, T_COST, P_COST, None).is_ok());
        let h = hash("correct horse");
        assert!(h.starts_with("$argon2id$v=19$m=1024,t=2,p=1$"), "{h}");
        assert!(is_phc(&h));
        assert!(!h.contains("correct horse"));
        assert!(verify("correct horse", &h, None));
        assert!(!verify("correct horsE", &h, None));
        assert_ne!(h, hash("correct horse"), "a fresh salt each time");
        assert!(!verify("x", "not a hash", None));
        assert!(!is_phc(&"a".repeat(64)));
    }

    #[test]
    fn a_migrated_legacy_digest_verifies_the_original_password() {
        let digest = legacy_sha256("0123456789abcdef", "pw");
        let onion = hash(&digest);
        assert!(verify("pw", &onion, Some("0123456789abcdef")));
        assert!(!verify("pw", &onion, None));
        assert!(!verify("pw2", &onion, Some("0123456789abcdef")));
    }
}
