//! The RSA key pair of `GET /api/v2/.well-known`, and the decryption of the
//! passwords the SDK encrypts with it.
//!
//! authing-js-sdk fetches `data.publicKey` once per client and encrypts every
//! password with JSEncrypt before it leaves the client (spec
//! `authing-login-v2-wire.md` §1.6): RSAES-PKCS1-v1_5, standard base64.
//! Authing serves a 1024-bit key as an SPKI PEM (`-----BEGIN PUBLIC KEY-----`,
//! which JSEncrypt parses; a PKCS#1 `RSA PUBLIC KEY` it does not), so this
//! server does the same. The key is made once per state and kept in
//! `--state`, since SDK clients cache it: a new key on every restart would
//! turn their next logins into wrong passwords.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::PrivateKey;
use std::fmt;

/// Modulus size, as Authing's key.
pub const BITS: usize = 1024;
/// Smallest and largest modulus accepted from a state file.
const STORED_BITS: std::ops::RangeInclusive<usize> = 1024..=4096;

/// The login key pair. Its `Debug` never shows the private key.
pub struct LoginKey {
    private: PrivateKey,
    public_pem: String,
}

impl fmt::Debug for LoginKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginKey")
            .field("bits", &self.private.size().saturating_mul(8))
            .finish_non_exhaustive()
    }
}

impl LoginKey {
    /// A fresh key pair (tens of milliseconds in a release build, up to a
    /// few seconds in a debug build: it is made once per state, when first
    /// needed).
    pub fn generate() -> Result<LoginKey, String> {
        let private = PrivateKey::new(&mut rand::rng(), BITS).map_err(|e| e.to_string())?;
        LoginKey::from_private(private)
    }

    fn from_private(private: PrivateKey) -> Result<LoginKey, String> {
        let public_pem = private
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| e.to_string())?;
        Ok(LoginKey { private, public_pem })
    }

    /// The key as the state file keeps it: base64 of its PKCS#8 DER.
    pub fn to_stored(&self) -> Result<String, String> {
        let der = self.private.to_pkcs8_der().map_err(|e| e.to_string())?;
        Ok(B64.encode(der.as_bytes()))
    }

    /// Reads [`LoginKey::to_stored`]'s form back. The error names the
    /// problem, never the key.
    pub fn from_stored(stored: &str) -> Result<LoginKey, String> {
        let der = B64
            .decode(stored)
            .map_err(|_| "rsaPrivateKey is not base64".to_owned())?;
        let private = PrivateKey::from_pkcs8_der(&der)
            .map_err(|_| "rsaPrivateKey is not a PKCS#8 RSA private key".to_owned())?;
        let bits = private.size() * 8;
        if !STORED_BITS.contains(&bits) {
            return Err(format!("rsaPrivateKey has {bits} bits, not 1024 to 4096"));
        }
        LoginKey::from_private(private)
    }

    /// `data.publicKey` of `.well-known`: SPKI PEM, 64-character lines.
    pub fn public_pem(&self) -> &str {
        &self.public_pem
    }

    /// The password inside `encrypted` (standard base64 of a PKCS#1 v1.5
    /// ciphertext), or `None` when it is not base64 or too long.
    ///
    /// JSEncrypt does not left-pad the ciphertext to the modulus length, so
    /// about one in 256 decodes to one byte short; it is padded here. The
    /// plaintext is UTF-8, or CESU-8 for characters outside the BMP (JSEncrypt
    /// encodes UTF-16 units one by one), and both are read.
    ///
    /// A ciphertext with broken padding does not fail: the `rsa` crate then
    /// returns a deterministic synthetic message (implicit rejection, its
    /// defence against Bleichenbacher/Marvin oracles), which simply does not
    /// match the password. Callers answer "wrong password" either way, so the
    /// server is no padding oracle.
    pub fn decrypt_password(&self, encrypted: &str) -> Option<String> {
        let mut ct = B64.decode(encrypted.trim()).ok()?;
        let k = self.private.size();
        if ct.is_empty() || ct.len() > k {
            return None;
        }
        if ct.len() < k {
            let mut padded = vec![0u8; k - ct.len()];
            padded.extend_from_slice(&ct);
            ct = padded;
        }
        let plain = self.private.pkcs1v15_decrypt(&ct).ok()?;
        utf8_or_cesu8(&plain)
    }

    /// Encrypts as JSEncrypt does (for tests): PKCS#1 v1.5, standard base64.
    pub fn encrypt_for_test(&self, password: &str) -> Option<String> {
        let ct = self
            .private
            .to_public_key()
            .pkcs1v15_encrypt(password.as_bytes())
            .ok()?;
        Some(B64.encode(ct))
    }
}

/// Reads UTF-8, or CESU-8 (a surrogate pair as two 3-byte sequences), as
/// JSEncrypt writes characters outside the Basic Multilingual Plane.
pub fn utf8_or_cesu8(bytes: &[u8]) -> Option<String> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Some(s.to_owned());
    }
    let mut units: Vec<u16> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (cp, len) = match b {
            0x00..=0x7f => (u32::from(b), 1),
            0xc0..=0xdf => (
                (u32::from(b & 0x1f) << 6) | u32::from(*bytes.get(i + 1)? & 0x3f),
                2,
            ),
            0xe0..=0xef => (
                (u32::from(b & 0x0f) << 12)
                    | (u32::from(*bytes.get(i + 1)? & 0x3f) << 6)
                    | u32::from(*bytes.get(i + 2)? & 0x3f),
                3,
            ),
            _ => return None,
        };
        if bytes[i + 1..i + len].iter().any(|c| c & 0xc0 != 0x80) {
            return None;
        }
        units.push(u16::try_from(cp).ok()?);
        i += len;
    }
    String::from_utf16(&units).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cesu8_surrogate_pairs_are_read() {
        // U+1F600 as JSEncrypt sends it: D83D DE00, each as 3 bytes.
        let cesu = [0x61, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80];
        assert_eq!(utf8_or_cesu8(&cesu).as_deref(), Some("a\u{1F600}"));
        assert_eq!(
            utf8_or_cesu8("a\u{1F600}é".as_bytes()).as_deref(),
            Some("a\u{1F600}é")
        );
        assert_eq!(utf8_or_cesu8(&[0xff]), None);
        assert_eq!(utf8_or_cesu8(&[0xed, 0xa0, 0xbd]), None, "a lone surrogate");
    }
}
