//! Client options: the JS SDK's `AuthenticationClient` options that matter to
//! MFA, plus what a native library needs (TLS roots, insecure-HTTP policy,
//! response cap).

use crate::core::args::Args;
use crate::core::error::Error;
use crate::core::secret::Secret;
use std::time::Duration;

/// Authing's public endpoint, the JS SDK's default `host`.
pub const DEFAULT_HOST: &str = "https://core.authing.cn";
/// The JS SDK's default timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(30_000);
/// Responses larger than this are refused unless `maxResponseBytes` says otherwise.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;
/// The largest `maxResponseBytes` accepted: a hard ceiling on what one answer
/// can make the library allocate.
pub const MAX_RESPONSE_BYTES_LIMIT: u64 = 1024 * 1024 * 1024;
/// The largest `timeout` accepted (one day): beyond that a value is a unit mistake.
pub const MAX_TIMEOUT_MS: u64 = 86_400_000;

/// The language of server messages (`x-authing-lang`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    ZhCn,
    EnUs,
}

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::EnUs => "en-US",
        }
    }
}

/// Every option of `authing_mfa_client_new`, keys as the JS SDK names them.
///
/// Like the JS SDK's constructor, which deletes falsy options before applying
/// its defaults, an empty string (or `0` for `timeout`) means "not given".
///
/// (See [`TokenEndpointAuth`] for the v3 client authentication.)
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub user_pool_id: Option<String>,
    pub app_id: Option<String>,
    pub tenant_id: Option<String>,
    pub app_host: Option<String>,
    pub host: Option<String>,
    pub lang: Lang,
    /// `None` means the default, 30 s, for the whole request.
    pub timeout: Option<Duration>,
    pub request_from: Option<String>,
    pub token: Option<Secret>,
    /// Allow plain `http://` to hosts other than loopback.
    pub allow_insecure_http: bool,
    /// Extra PEM certificates trusted besides the system's roots.
    pub ca_cert_pem: Option<String>,
    /// `None` means 4 MiB.
    pub max_response_bytes: Option<usize>,
    /// How often an idempotent GET is retried; `None` means 2.
    pub max_retries: Option<u32>,
    /// The RSA public key passwords are encrypted with (the JS SDK's
    /// `publicKey` option: PEM or base64 DER); without it the key of
    /// `GET /api/v2/.well-known` is fetched once per client.
    pub public_key: Option<String>,
    /// The v3 access token (`authorization`, raw), as from `signIn`.
    pub access_token: Option<Secret>,
    /// The application's secret, for `signIn` with `client_secret_post` or
    /// `client_secret_basic`. A native app should hold none: leave it out
    /// and the client is public (`none`).
    pub app_secret: Option<Secret>,
    /// How `signIn` authenticates the application.
    pub token_endpoint_auth_method: TokenEndpointAuth,
}

/// The keys `options_json` may hold.
/// How the v3 `signIn` authenticates the application (the v3 SDK's
/// `tokenEndPointAuthMethod`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TokenEndpointAuth {
    /// `client_id` and `client_secret` in the body.
    ClientSecretPost,
    /// `Authorization: Basic base64(appId:appSecret)`.
    ClientSecretBasic,
    /// A public client: no secret (the default without `appSecret`).
    #[default]
    None,
}

pub const OPTION_KEYS: &[&str] = &[
    "userPoolId",
    "appId",
    "tenantId",
    "appHost",
    "host",
    "lang",
    "timeout",
    "requestFrom",
    "token",
    "allowInsecureHttp",
    "caCertPem",
    "maxResponseBytes",
    "maxRetries",
    "publicKey",
    "accessToken",
    "appSecret",
    "tokenEndPointAuthMethod",
];

/// Retries of an idempotent GET unless `maxRetries` says otherwise.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// The largest `maxRetries` accepted.
pub const MAX_RETRIES_LIMIT: u64 = 10;

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

impl Options {
    /// Parses `options_json`; `None`, `null` and `{}` give the defaults.
    pub fn from_json(json: Option<&str>) -> Result<Options, Error> {
        let Some(mut a) = Args::parse(json, "options", OPTION_KEYS)? else {
            return Ok(Options::default());
        };
        let lang = match non_empty(a.opt_str("lang")?).as_deref() {
            None | Some("zh-CN") => Lang::ZhCn,
            Some("en-US") => Lang::EnUs,
            Some(_) => {
                return Err(Error::invalid_argument(
                    "options: `lang` must be \"zh-CN\" or \"en-US\"",
                ))
            }
        };
        let timeout = match a.opt_u64("timeout")? {
            None | Some(0) => None,
            Some(ms) if ms > MAX_TIMEOUT_MS => {
                return Err(Error::invalid_argument(format!(
                    "options: `timeout` is in milliseconds and must be at most {MAX_TIMEOUT_MS}"
                )))
            }
            Some(ms) => Some(Duration::from_millis(ms)),
        };
        let max_response_bytes = match a.opt_u64("maxResponseBytes")? {
            None => None,
            Some(n) if n == 0 || n > MAX_RESPONSE_BYTES_LIMIT => {
                return Err(Error::invalid_argument(format!(
                    "options: `maxResponseBytes` must be between 1 and {MAX_RESPONSE_BYTES_LIMIT}"
                )))
            }
            Some(n) => Some(n as usize),
        };
        let max_retries = match a.opt_u64("maxRetries")? {
            Some(n) if n > MAX_RETRIES_LIMIT => {
                return Err(Error::invalid_argument(format!(
                    "options: `maxRetries` must be between 0 and {MAX_RETRIES_LIMIT}"
                )))
            }
            n => n.map(|n| n as u32),
        };
        let app_secret = non_empty(a.opt_str("appSecret")?).map(Secret::new);
        Ok(Options {
            max_retries,
            user_pool_id: non_empty(a.opt_str("userPoolId")?),
            app_id: non_empty(a.opt_str("appId")?),
            tenant_id: non_empty(a.opt_str("tenantId")?),
            app_host: non_empty(a.opt_str("appHost")?),
            host: non_empty(a.opt_str("host")?),
            lang,
            timeout,
            request_from: non_empty(a.opt_str("requestFrom")?),
            token: non_empty(a.opt_str("token")?).map(Secret::new),
            allow_insecure_http: a.opt_bool("allowInsecureHttp")?.unwrap_or(false),
            ca_cert_pem: non_empty(a.opt_str("caCertPem")?),
            max_response_bytes,
            public_key: non_empty(a.opt_str("publicKey")?),
            access_token: non_empty(a.opt_str("accessToken")?).map(Secret::new),
            app_secret: app_secret.clone(),
            token_endpoint_auth_method: match non_empty(a.opt_str("tokenEndPointAuthMethod")?).as_deref() {
                None if app_secret.is_some() => TokenEndpointAuth::ClientSecretPost,
                None | Some("none") => TokenEndpointAuth::None,
                Some(method @ ("client_secret_post" | "client_secret_basic")) => {
                    if app_secret.is_none() {
                        return Err(Error::invalid_argument(format!(
                            "options: `tokenEndPointAuthMethod` {method} needs `appSecret`"
                        )));
                    }
                    if method == "client_secret_post" {
                        TokenEndpointAuth::ClientSecretPost
                    } else {
                        TokenEndpointAuth::ClientSecretBasic
                    }
                }
                Some(_) => {
                    return Err(Error::invalid_argument(
                        "options: `tokenEndPointAuthMethod` must be \"client_secret_post\", \"client_secret_basic\" or \"none\"",
                    ))
                }
            },
        })
    }

    /// The base every path is appended to: `appHost` without one trailing
    /// `/`, else `host` (likewise trimmed), else Authing's public host.
    pub fn base_url(&self) -> &str {
        let raw = self
            .app_host
            .as_deref()
            .or(self.host.as_deref())
            .unwrap_or(DEFAULT_HOST);
        raw.strip_suffix('/').unwrap_or(raw)
    }

    pub fn effective_timeout(&self) -> Duration {
        self.timeout.unwrap_or(DEFAULT_TIMEOUT)
    }

    pub fn effective_max_retries(&self) -> u32 {
        self.max_retries.unwrap_or(DEFAULT_MAX_RETRIES)
    }

    pub fn effective_max_response_bytes(&self) -> usize {
        self.max_response_bytes.unwrap_or(DEFAULT_MAX_RESPONSE_BYTES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn defaults() {
        for j in [None, Some("{}"), Some("null")] {
            let o = Options::from_json(j).unwrap();
            assert_eq!(o.base_url(), "https://core.authing.cn");
            assert_eq!(o.effective_timeout(), Duration::from_secs(30));
            assert_eq!(o.effective_max_response_bytes(), 4 << 20);
            assert_eq!(o.lang, Lang::ZhCn);
            assert!(!o.allow_insecure_http);
        }
    }

    #[test]
    fn app_host_wins_and_loses_one_trailing_slash() {
        let o = Options::from_json(Some(
            r#"{"appHost":"http://127.0.0.1:9/","host":"https://h.example"}"#,
        ))
        .unwrap();
        assert_eq!(o.base_url(), "http://127.0.0.1:9");
        let o = Options::from_json(Some(r#"{"appHost":"","host":"https://h.example/"}"#)).unwrap();
        assert_eq!(o.base_url(), "https://h.example");
    }

    #[test]
    fn empty_values_mean_not_given_like_the_js_constructor() {
        let o = Options::from_json(Some(
            r#"{"userPoolId":"","appId":"","tenantId":"","lang":"","timeout":0,"token":""}"#,
        ))
        .unwrap();
        assert!(o.user_pool_id.is_none() && o.app_id.is_none() && o.tenant_id.is_none());
        assert!(o.token.is_none());
        assert_eq!(o.effective_timeout(), DEFAULT_TIMEOUT);
    }

    #[test]
    fn bad_values() {
        let cases = [
            (r#"{"lang":"fr-FR"}"#, ErrorKind::InvalidArgument),
            (r#"{"timeout":-1}"#, ErrorKind::InvalidArgument),
            (r#"{"timeout":1.5}"#, ErrorKind::InvalidArgument),
            (r#"{"timeout":"30"}"#, ErrorKind::InvalidJson),
            (r#"{"timeout":86400001}"#, ErrorKind::InvalidArgument),
            (r#"{"maxResponseBytes":0}"#, ErrorKind::InvalidArgument),
            (r#"{"allowInsecureHttp":"yes"}"#, ErrorKind::InvalidJson),
            (r#"{"userpoolId":"x"}"#, ErrorKind::InvalidArgument),
            (r#"[]"#, ErrorKind::InvalidJson),
        ];
        for (j, kind) in cases {
            assert_eq!(Options::from_json(Some(j)).unwrap_err().kind(), kind, "{j}");
        }
    }

    #[test]
    fn debug_never_shows_the_token() {
        let o = Options::from_json(Some(r#"{"token":"tok-SECRET-123"}"#)).unwrap();
        assert!(!format!("{o:?}").contains("tok-SECRET-123"));
    }
}
