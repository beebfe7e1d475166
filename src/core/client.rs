//! The client: options, the HTTP transport, and the token / current-user
//! state of the JS SDK's `AuthenticationClient` (`setToken`,
//! `setCurrentUser`, `getCurrentUser`, `logout`).
//!
//! A `Client` is a cheap handle (`Arc`) and is `Send + Sync`: one client may
//! be used from many threads at once, token updates included. The state sits
//! behind a read-write lock that is only held to copy the token out, never
//! across a network call.

use crate::core::args::json_error_category;
use crate::core::error::Error;
use crate::core::options::Options;
use crate::core::secret::Secret;
use crate::core::transport::{Answer, Request, Transport};
use serde_json::Value;
use std::sync::{Arc, RwLock};

#[derive(Default)]
struct State {
    token: Option<Secret>,
    /// The user object as the caller gave it, byte for byte. Held as a
    /// `Secret` because it carries the user's token: zeroed when replaced or
    /// dropped, never printed.
    user: Option<Secret>,
    /// The v3 access token (raw in `authorization` of v3 calls).
    access_token: Option<Secret>,
}

impl State {
    /// The JS SDK's `clearCurrentUser`: the user and its token go, the v3
    /// access token stays.
    fn clear_user(&mut self) {
        self.user = None;
        self.token = None;
    }
}

struct Inner {
    transport: Transport,
    state: RwLock<State>,
    /// The RSA key for password logins: the `publicKey` option, or the
    /// server's once fetched (`login.rs`).
    public_key: RwLock<Option<Arc<rsa::RsaPublicKey>>>,
    /// The `appId` option (`logout` sends it in its query).
    app_id: Option<String>,
    /// The `appSecret` option and how `signIn` presents it.
    app_secret: Option<Secret>,
    auth_method: crate::core::options::TokenEndpointAuth,
}

/// An Authing MFA client (the JS SDK's `authenticationClient.mfa` plus the
/// token state of `authenticationClient`).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").finish_non_exhaustive()
    }
}

/// Checks that a token can travel in an `Authorization` header, without
/// quoting it. Done when the token is stored, so the mistake surfaces where
/// it was made rather than at the next request.
pub(crate) fn check_token(token: &str, what: &str) -> Result<(), Error> {
    if token.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        Ok(())
    } else {
        Err(Error::invalid_argument(format!(
            "{what} contains characters not allowed in an HTTP header (spaces, control characters or non-ASCII)"
        )))
    }
}

impl Client {
    /// A client for `options`. Builds no connection yet; fails only on bad
    /// options (`InvalidArgument`) or if TLS cannot be set up.
    pub fn new(options: Options) -> Result<Client, Error> {
        if let Some(t) = &options.token {
            check_token(t.expose(), "options: `token`")?;
        }
        if let Some(t) = &options.access_token {
            check_token(t.expose(), "options: `accessToken`")?;
        }
        // Starts the I/O threads (documented: the first client_new does), and
        // refuses after shutdown. The HTTP clients themselves are built at
        // first use, inside the runtime that will drive their connections.
        crate::core::runtime::handle()?;
        let transport = Transport::new(&options)?;
        let public_key = match &options.public_key {
            Some(text) => Some(Arc::new(crate::core::login::parse_public_key(text).map_err(
                |why| {
                    Error::invalid_argument(format!(
                        "options: `publicKey` is not a usable RSA public key: {why}"
                    ))
                },
            )?)),
            None => None,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                state: RwLock::new(State {
                    token: options.token.clone(),
                    user: None,
                    access_token: options.access_token.clone(),
                }),
                app_secret: options.app_secret.clone(),
                auth_method: options.token_endpoint_auth_method,
                public_key: RwLock::new(public_key),
                app_id: options.app_id.clone(),
            }),
        })
    }

    /// `new` from the C API's `options_json`.
    pub fn from_json(options_json: Option<&str>) -> Result<Client, Error> {
        Client::new(Options::from_json(options_json)?)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        // A panic while holding the lock cannot leave State half-written
        // (every write is a single assignment), so poisoning is ignored.
        self.inner.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.inner.state.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The JS SDK's `setToken`; `None` (or an empty string) clears it. The
    /// current user, if any, is kept, as in the JS SDK.
    pub fn set_token(&self, token: Option<&str>) -> Result<(), Error> {
        let token = token.filter(|t| !t.is_empty());
        if let Some(t) = token {
            check_token(t, "the token")?;
        }
        self.write().token = token.map(Secret::from);
        Ok(())
    }

    /// The JS SDK's `setCurrentUser(user)`: stores the user object and makes
    /// `user.token` the token (clearing it when the user has none).
    pub fn set_current_user_json(&self, user_json: &str) -> Result<(), Error> {
        let value: Value = serde_json::from_str(user_json).map_err(|e| {
            Error::invalid_json(format!("user: not valid JSON ({})", json_error_category(&e)))
        })?;
        let Value::Object(map) = &value else {
            return Err(Error::invalid_json("user: expected a JSON object"));
        };
        let token = match map.get("token") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => {
                check_token(s, "user: `token`")?;
                Some(Secret::from(s.as_str()))
            }
            Some(_) => return Err(Error::invalid_json("user: `token` must be a string")),
        };
        drop(value);
        let mut state = self.write();
        state.user = Some(Secret::new(user_json));
        state.token = token;
        Ok(())
    }

    /// The JS SDK's `getCurrentUser` as stored locally: the user JSON given
    /// to `set_current_user_json`, or `None`.
    pub fn current_user_json(&self) -> Option<String> {
        self.read().user.as_ref().map(|u| u.expose().to_owned())
    }

    /// The JS SDK's `logout` on the client side: forgets user and token.
    pub fn clear_current_user(&self) {
        self.write().clear_user();
    }

    /// Whether a user token is set (never the token itself).
    pub fn has_token(&self) -> bool {
        self.read().token.is_some()
    }

    /// The password-encryption key, if known yet.
    pub(crate) fn cached_public_key(&self) -> Option<Arc<rsa::RsaPublicKey>> {
        self.inner
            .public_key
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Keeps the key fetched from the server (a concurrent fetch may have
    /// kept one already: either is the server's).
    pub(crate) fn cache_public_key(&self, key: rsa::RsaPublicKey) -> Arc<rsa::RsaPublicKey> {
        let key = Arc::new(key);
        *self.inner.public_key.write().unwrap_or_else(|p| p.into_inner()) = Some(key.clone());
        key
    }

    /// The `appId` option.
    pub(crate) fn app_id(&self) -> Option<&str> {
        self.inner.app_id.as_deref()
    }

    /// The `appSecret` option and the `tokenEndPointAuthMethod`.
    pub(crate) fn app_credentials(&self) -> (Option<&Secret>, crate::core::options::TokenEndpointAuth) {
        (self.inner.app_secret.as_ref(), self.inner.auth_method)
    }

    /// The v3 SDK's `setAccessToken`; `None` (or `""`) clears it.
    pub fn set_access_token(&self, token: Option<&str>) -> Result<(), Error> {
        let token = token.filter(|t| !t.is_empty());
        if let Some(t) = token {
            check_token(t, "the access token")?;
        }
        self.write().access_token = token.map(Secret::from);
        Ok(())
    }

    /// Whether a v3 access token is set (never the token itself).
    pub fn has_access_token(&self) -> bool {
        self.read().access_token.is_some()
    }

    /// The access token for a v3 call, or `InvalidArgument` before any
    /// request when there is none.
    pub(crate) fn access_auth(&self) -> Result<crate::core::transport::Auth, Error> {
        match self.read().access_token.clone() {
            Some(t) => Ok(crate::core::transport::Auth::Access(t)),
            None => Err(Error::invalid_argument(
                "no access token: sign in first (signInByCredentials) or set one (the accessToken option, authing_mfa_client_set_access_token)",
            )),
        }
    }

    /// The deadline of one call (the `timeout` option).
    pub(crate) fn timeout(&self) -> std::time::Duration {
        self.inner.transport.timeout()
    }

    /// Runs a call that sends several requests (a first password login
    /// fetches `.well-known` and then logs in; a face bound from files
    /// uploads one or two images and then binds) within one `timeout`, as
    /// the header promises for every call. Each request keeps its own
    /// deadline as well; one-request calls need only that one.
    pub(crate) async fn within_timeout<T>(
        &self,
        steps: impl std::future::Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        let limit = self.timeout();
        tokio::time::timeout(limit, steps)
            .await
            .unwrap_or_else(|_| Err(Error::timed_out(limit)))
    }

    pub(crate) async fn send(&self, req: Request) -> Result<Answer, Error> {
        let token = self.read().token.clone();
        self.inner.transport.send(req, token).await
    }

    /// `logout`: sends with the current token, and after the server agreed
    /// clears the current user only if that token is still the current
    /// one. A login on another thread meanwhile started a session the
    /// server did not end; erasing its user would leave the caller without
    /// the token of a live session.
    pub(crate) async fn send_then_clear_user(&self, req: Request) -> Result<Answer, Error> {
        let token = self.read().token.clone();
        let answer = self.inner.transport.send(req, token.clone()).await?;
        let mut state = self.write();
        if state.token == token {
            state.clear_user();
        }
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn client() -> Client {
        Client::from_json(Some(r#"{"appHost":"http://127.0.0.1:9"}"#)).unwrap()
    }

    #[test]
    fn token_state_follows_the_js_sdk() {
        let c = client();
        assert!(!c.has_token() && c.current_user_json().is_none());
        c.set_token(Some("t1")).unwrap();
        assert!(c.has_token());
        c.set_current_user_json(r#"{"id":"u1","arn":"a","userPoolId":"p","x":{"y":1.50}}"#)
            .unwrap();
        assert!(!c.has_token(), "a user without a token clears the token");
        assert_eq!(
            c.current_user_json().unwrap(),
            r#"{"id":"u1","arn":"a","userPoolId":"p","x":{"y":1.50}}"#
        );
        c.set_current_user_json(" {\"id\":\"u1\",\"token\":\"t2\"}\n")
            .unwrap();
        assert!(c.has_token());
        assert_eq!(
            c.current_user_json().unwrap(),
            " {\"id\":\"u1\",\"token\":\"t2\"}\n",
            "byte for byte"
        );
        c.clear_current_user();
        assert!(!c.has_token() && c.current_user_json().is_none());
    }

    #[test]
    fn bad_users_and_tokens() {
        let c = client();
        assert_eq!(
            c.set_current_user_json("[1]").unwrap_err().kind(),
            ErrorKind::InvalidJson
        );
        assert_eq!(
            c.set_current_user_json("{").unwrap_err().kind(),
            ErrorKind::InvalidJson
        );
        assert_eq!(
            c.set_current_user_json(r#"{"token":5}"#).unwrap_err().kind(),
            ErrorKind::InvalidJson
        );
        let e = c.set_token(Some("bad token\n")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(!e.message().contains("bad token"));
    }

    #[test]
    fn bad_urls_are_refused_at_construction() {
        for o in [
            r#"{"appHost":"not a url"}"#,
            r#"{"appHost":"ftp://x.example"}"#,
            r#"{"host":"https://x.example/?q=1"}"#,
            r#"{"userPoolId":"a\nb"}"#,
        ] {
            assert_eq!(
                Client::from_json(Some(o)).unwrap_err().kind(),
                ErrorKind::InvalidArgument,
                "{o}"
            );
        }
    }
}
