//! Helpers shared by the bench binaries: a tiny `--key value` argument
//! reader and the one line format every contender prints its result in.
//!
//! Result lines look like `RESULT <row-id> key=value key=value ...`; the C
//! bench and the JS bench print the same shape, and `report` turns the lines
//! of one run into the table.

use std::collections::HashMap;

/// The request body every contender sends (`verifyTotpMfa`).
pub const REQUEST_BODY: &str = r#"{"totp":"123456"}"#;
/// The mfaToken every contender sends (the responder does not check it).
pub const MFA_TOKEN: &str = "bench-mfa-token";
/// The user id in the responder's answer, checked by every contender so a
/// wrong answer counts as an error rather than a fast call.
pub const USER_ID: &str = "bench-user";

/// `--key value` pairs and bare `--flag`s, in any order.
#[derive(Debug, Default)]
pub struct Args {
    values: HashMap<String, String>,
    flags: Vec<String>,
}

impl Args {
    /// Reads `std::env::args()`; `flag_names` are the options that take no
    /// value. Anything else that does not start with `--` is an error.
    pub fn parse(flag_names: &[&str]) -> Result<Args, String> {
        Args::from_iter(std::env::args().skip(1), flag_names)
    }

    pub fn from_iter(args: impl IntoIterator<Item = String>, flag_names: &[&str]) -> Result<Args, String> {
        let mut out = Args::default();
        let mut it = args.into_iter();
        while let Some(arg) = it.next() {
            let Some(name) = arg.strip_prefix("--") else {
                return Err(format!("unexpected argument `{arg}`"));
            };
            if flag_names.contains(&name) {
                out.flags.push(name.to_owned());
            } else {
                let value = it.next().ok_or_else(|| format!("`--{name}` needs a value"))?;
                out.values.insert(name.to_owned(), value);
            }
        }
        Ok(out)
    }

    pub fn flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f == name)
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// A number option, with a default when absent.
    pub fn num<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, String> {
        match self.values.get(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| format!("`--{name}`: `{v}` is not a number")),
        }
    }
}

/// One parsed `RESULT` line.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultLine {
    pub id: String,
    pub fields: HashMap<String, String>,
}

impl ResultLine {
    /// Parses `RESULT <id> k=v ...`; `None` for any other line.
    pub fn parse(line: &str) -> Option<ResultLine> {
        let mut words = line.split_whitespace();
        if words.next()? != "RESULT" {
            return None;
        }
        let id = words.next()?.to_owned();
        let fields = words
            .filter_map(|w| w.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Some(ResultLine { id, fields })
    }

    pub fn f64(&self, key: &str) -> Option<f64> {
        self.fields.get(key).and_then(|v| v.parse().ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_and_results_parse() {
        let a = Args::from_iter(
            ["--url", "http://x", "--smoke", "--calls", "5"].map(String::from),
            &["smoke"],
        )
        .unwrap();
        assert_eq!(a.str("url"), Some("http://x"));
        assert!(a.flag("smoke") && !a.flag("url"));
        assert_eq!(a.num("calls", 0u64), Ok(5));
        assert_eq!(a.num("secs", 2.5f64), Ok(2.5));
        assert!(Args::from_iter(["--calls".to_owned()], &[]).is_err());
        assert!(Args::from_iter(["x".to_owned()], &[]).is_err());

        let r = ResultLine::parse("RESULT c_seq calls=10 errors=0 secs=1.5").unwrap();
        assert_eq!(r.id, "c_seq");
        assert_eq!(r.f64("secs"), Some(1.5));
        assert_eq!(r.f64("missing"), None);
        assert_eq!(ResultLine::parse("warming up"), None);
    }
}
