//! The small cryptographic helpers the state, the tokens and the handlers
//! share: random ids, secrets and codes, the hex and base32 they are written
//! in, SHA-256, and constant-time comparison.
//!
//! They know nothing of users, tokens or requests, so every other module can
//! use them without the modules using each other.

use sha2::{Digest, Sha256};

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::fill(&mut bytes[..]);
    hex(&bytes)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An id shaped like Authing's (24 hex digits, a MongoDB ObjectId).
pub fn new_id() -> String {
    random_hex(12)
}

/// A TOTP secret as Authing issues them: 80 random bits, 16 base32 characters.
pub fn new_totp_secret() -> String {
    let mut bytes = [0u8; 10];
    rand::fill(&mut bytes);
    base32(&bytes)
}

/// A recovery code in Authing's format: six groups of four lowercase hex
/// digits joined by `-` (96 random bits).
pub fn new_recovery_code() -> String {
    let h = random_hex(12);
    h.as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("-")
}

/// RFC 4648 base32, upper case, no padding.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buf >> bits) & 31) as usize] as char);
        }
        buf &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(ALPHABET[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(Sha256::digest(bytes).as_slice())
}

/// Constant-time equality, for codes and password hashes.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_matches_rfc4648_vectors() {
        assert_eq!(base32(b""), "");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(b"fo"), "MZXQ");
        assert_eq!(base32(b"foo"), "MZXW6");
        assert_eq!(base32(b"foob"), "MZXW6YQ");
        assert_eq!(base32(b"fooba"), "MZXW6YTB");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
    }

    #[test]
    fn secrets_are_80_bits_in_16_base32_chars() {
        let s = new_totp_secret();
        assert_eq!(s.len(), 16);
        assert_eq!(authing_mfa::totp::decode_secret(&s).unwrap().len(), 10);
        assert_ne!(s, new_totp_secret());
    }
}
