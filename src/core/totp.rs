//! TOTP as Authing issues it (RFC 6238: HMAC-SHA1, 6 digits, 30 s steps,
//! base32 secrets), on top of the maintained `totp-rs` crate.
//!
//! The C API's `authing_mfa_totp_*` helpers and the dev server both call this
//! module, so the codes a test generates and the codes the server accepts come
//! from one implementation.
//!
//! Authing's secrets are 80 bits (16 base32 characters), below the 128 bits
//! `totp-rs` insists on in `build()`, so the builders here validate what
//! matters themselves and use `build_noncompliant()`.

use crate::core::error::Error;
use totp_rs::{Algorithm, Builder, Secret as TotpSecret, Totp};

/// Authing's step, in seconds.
pub const PERIOD: u64 = 30;
/// Authing's code length.
pub const DIGITS: u8 = 6;

/// Decodes a base32 secret the way authenticator apps do: case-insensitive,
/// spaces, dashes and `=` padding ignored. The message never quotes the input.
pub fn decode_secret(secret_base32: &str) -> Result<Vec<u8>, Error> {
    let normalized: String = secret_base32
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '='))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if normalized.is_empty() {
        return Err(Error::invalid_argument("the TOTP secret is empty"));
    }
    let bytes = TotpSecret::try_from_base32(&normalized)
        .ok()
        .map(|s| s.as_bytes().to_vec())
        .ok_or_else(|| {
            Error::invalid_argument("the TOTP secret is not valid base32 (RFC 4648, A-Z and 2-7)")
        })?;
    if bytes.is_empty() {
        return Err(Error::invalid_argument("the TOTP secret decodes to no bytes"));
    }
    Ok(bytes)
}

fn authing_totp(secret_bytes: Vec<u8>) -> Totp {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS)
        .with_step_duration(PERIOD)
        .with_skew(1)
        .with_secret(secret_bytes)
        .build_noncompliant()
}

fn checked_time(unix_time: i64) -> Result<u64, Error> {
    u64::try_from(unix_time).map_err(|_| Error::invalid_argument("unix_time must not be negative"))
}

/// The 6-digit code for `secret_base32` at `unix_time` (seconds).
pub fn generate(secret_base32: &str, unix_time: i64) -> Result<String, Error> {
    let time = checked_time(unix_time)?;
    let totp = authing_totp(decode_secret(secret_base32)?);
    Ok(totp.generate(time).to_string())
}

/// The code for now, by the system clock.
pub fn generate_now(secret_base32: &str) -> Result<String, Error> {
    generate(secret_base32, now_unix())
}

/// Seconds since the Unix epoch by the system clock (0 if the clock is before it).
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Which step (`unix_time / 30`) `code` belongs to, if it is valid at
/// `unix_time` within `skew_steps` steps either side. The comparison is
/// constant-time (totp-rs). Servers use the step to refuse a replayed code.
pub fn verify(secret_base32: &str, code: &str, unix_time: i64, skew_steps: u8) -> Result<Option<u64>, Error> {
    let time = checked_time(unix_time)?;
    let bytes = decode_secret(secret_base32)?;
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let totp = authing_totp(bytes);
    let current = time / PERIOD;
    let skew = u64::from(skew_steps);
    // Nearest steps first, so a code valid twice (possible by chance) maps to
    // the step closest to now.
    let mut candidates = vec![current];
    for d in 1..=skew {
        candidates.push(current + d);
        if let Some(s) = current.checked_sub(d) {
            candidates.push(s);
        }
    }
    for step in candidates {
        let expected = totp.generate(step * PERIOD).to_string();
        if constant_time_eq(expected.as_bytes(), code.as_bytes()) {
            return Ok(Some(step));
        }
    }
    Ok(None)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What an `otpauth://totp/…` URI says.
#[derive(Clone, PartialEq, Eq)]
pub struct OtpAuthUri {
    /// Base32, upper case, without padding.
    pub secret: String,
    pub issuer: Option<String>,
    pub account: String,
    pub digits: u8,
    pub period: u64,
    /// `SHA1`, `SHA256` or `SHA512`.
    pub algorithm: String,
}

impl std::fmt::Debug for OtpAuthUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtpAuthUri")
            .field("secret", &"<redacted>")
            .field("issuer", &self.issuer)
            .field("account", &self.account)
            .field("digits", &self.digits)
            .field("period", &self.period)
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

impl OtpAuthUri {
    /// `{"secret","issuer","account","digits","period","algorithm"}`;
    /// `issuer` is null when the URI names none.
    pub fn to_json(&self) -> String {
        let mut m = serde_json::Map::new();
        m.insert("secret".into(), self.secret.clone().into());
        m.insert(
            "issuer".into(),
            self.issuer.clone().map_or(serde_json::Value::Null, Into::into),
        );
        m.insert("account".into(), self.account.clone().into());
        m.insert("digits".into(), self.digits.into());
        m.insert("period".into(), self.period.into());
        m.insert("algorithm".into(), self.algorithm.clone().into());
        serde_json::Value::Object(m).to_string()
    }
}

/// Parses an `otpauth://totp/<issuer>:<account>?secret=…` URI. Missing
/// parameters take RFC defaults (SHA1, 6 digits, 30 s). Errors never quote the
/// URI, since it contains the secret.
pub fn parse_uri(uri: &str) -> Result<OtpAuthUri, Error> {
    let totp = Totp::from_url_unchecked(uri).map_err(|e| {
        use totp_rs::TotpError as E;
        let why = match e {
            E::UrlParse(_) => "it is not a URL",
            E::InvalidScheme { .. } => "its scheme is not otpauth",
            E::InvalidHost { .. } => "it is not a totp URI (otpauth://totp/...)",
            E::InvalidSecret => "its secret is not valid base32",
            E::SecretNotSet => "it has no secret parameter",
            E::InvalidAlgorithm { .. } => "its algorithm is not SHA1, SHA256 or SHA512",
            E::DigitsParse { .. } => "its digits parameter is not a number",
            E::StepParse { .. } => "its period parameter is not a number",
            E::IssuerMismatch { .. } => "the issuer in its label and its issuer parameter differ",
            _ => "it is malformed",
        };
        Error::invalid_argument(format!("the otpauth URI is invalid: {why}"))
    })?;
    if !(6..=8).contains(&totp.digits()) {
        return Err(Error::invalid_argument(
            "the otpauth URI is invalid: digits must be 6, 7 or 8",
        ));
    }
    if totp.step() == 0 {
        return Err(Error::invalid_argument(
            "the otpauth URI is invalid: period must be positive",
        ));
    }
    let secret = totp.secret().to_base32();
    if secret.is_empty() {
        return Err(Error::invalid_argument(
            "the otpauth URI is invalid: its secret is empty",
        ));
    }
    Ok(OtpAuthUri {
        secret,
        issuer: totp.issuer().map(str::to_owned),
        account: totp.account_name().to_owned(),
        digits: totp.digits(),
        period: totp.step(),
        algorithm: totp.algorithm().to_string(),
    })
}

/// The otpauth URI Authing puts in `qrcode_uri`, in Authing's parameter order.
pub fn authing_uri(issuer: &str, account: &str, secret_base32: &str) -> String {
    let issuer_enc = encode_component(issuer);
    format!(
        "otpauth://totp/{issuer_enc}:{}?secret={secret_base32}&period={PERIOD}&digits={DIGITS}&algorithm=SHA1&issuer={issuer_enc}",
        encode_component(account)
    )
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'@') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA1 rows, reduced to 6 digits (the 8-digit
    /// reference values mod 10^6). Secret: ASCII "12345678901234567890".
    #[test]
    fn rfc6238_sha1_vectors() {
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        for (t, eight) in [
            (59i64, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
            (20000000000, "65353130"),
        ] {
            assert_eq!(generate(secret, t).unwrap(), &eight[2..], "t={t}");
        }
    }

    #[test]
    fn authing_sized_secret_works_and_is_lenient_about_case_and_spaces() {
        let a = generate("JBSWY3DPEHPK3PXP", 1_700_000_000).unwrap();
        let b = generate("jbsw y3dp ehpk 3pxp", 1_700_000_000).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 6);
    }

    #[test]
    fn bad_secrets_and_times_are_invalid_arguments() {
        for s in ["", "   ", "0189!!", "ÄÖÜ"] {
            let e = generate(s, 0).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument, "{s:?}");
        }
        assert_eq!(
            generate("JBSWY3DPEHPK3PXP", -1).unwrap_err().kind(),
            crate::ErrorKind::InvalidArgument
        );
    }

    #[test]
    fn verify_finds_the_step_within_skew_only() {
        let s = "JBSWY3DPEHPK3PXP";
        let t = 1_700_000_000i64;
        let step = t as u64 / 30;
        let code = generate(s, t).unwrap();
        assert_eq!(verify(s, &code, t, 1).unwrap(), Some(step));
        assert_eq!(verify(s, &code, t + 30, 1).unwrap(), Some(step));
        assert_eq!(verify(s, &code, t + 90, 1).unwrap(), None);
        assert_eq!(verify(s, "12345", t, 1).unwrap(), None);
        assert_eq!(verify(s, "abcdef", t, 1).unwrap(), None);
    }

    #[test]
    fn uri_round_trip() {
        let uri = authing_uri("My Pool", "alice@example.com", "JBSWY3DPEHPK3PXP");
        assert_eq!(
            uri,
            "otpauth://totp/My%20Pool:alice@example.com?secret=JBSWY3DPEHPK3PXP&period=30&digits=6&algorithm=SHA1&issuer=My%20Pool"
        );
        let p = parse_uri(&uri).unwrap();
        assert_eq!(p.secret, "JBSWY3DPEHPK3PXP");
        assert_eq!(p.issuer.as_deref(), Some("My Pool"));
        assert_eq!(p.account, "alice@example.com");
        assert_eq!((p.digits, p.period, p.algorithm.as_str()), (6, 30, "SHA1"));
        assert!(!format!("{p:?}").contains("JBSWY3DPEHPK3PXP"));
    }

    #[test]
    fn bad_uris_do_not_echo_the_secret() {
        for uri in [
            "not a uri",
            "https://totp/x?secret=JBSWY3DPEHPK3PXP",
            "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP",
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PX1",
            "otpauth://totp/x",
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=12",
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&period=0",
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=MD5",
        ] {
            let e = parse_uri(uri).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument, "{uri}");
            assert!(!e.message().contains("JBSWY3DPEHPK3PX"), "{uri}: {}", e.message());
        }
    }
}
