//! Authing's v3 factor API beside v2 (wire contract:
//! `../shared/spec/authing-factors-v3-wire.md`, cited by its keys): the
//! hand-written `signIn`, `getFactor` (its axios 1.x query) and
//! `verifyMfaToken` (its form body, the optional access token) of the table;
//! the other factor operations are generated from their table entries
//! (`ops.rs`, `token: access`). tests/wire_v3.rs compares every one with
//! what `authing-node-sdk` sends.
//!
//! The v3 transport differs from v2 (`transport.rs`, `Expect::V3`): only
//! `x-authing-app-id` of the `x-authing-*` headers, the access token raw in
//! `authorization`, and the `{statusCode, message, apiCode?, requestId?,
//! data?}` envelope, where only `statusCode` 200 is success
//! (`envelope::decode_v3`). The v3 SDK returns failures; this library
//! raises them in the one error shape.

use crate::core::client::Client;
use crate::core::error::Error;
use crate::core::operation::{json_object, Scrub};
use crate::core::ops::{FactorIdParams, SignInParams, VerifyMfaTokenParams};
use crate::core::options::TokenEndpointAuth;
use crate::core::secret::Secret;
use crate::core::transport::{form, query_v3, Auth, Body, Expect, Request};
use base64ct::{Base64, Encoding};
use hyper::Method;
use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;

impl Client {
    /// `signInByCredentials(dto)` (`AC3:1821-1830`, `POST /api/v3/signin`):
    /// the body is the caller's `{connection, passwordPayload,
    /// passCodePayload, options}`, and the application authenticates as its
    /// `tokenEndPointAuthMethod` says: `client_id` and `client_secret` added
    /// to the body (`client_secret_post`, as the SDK's wrappers do,
    /// `AC3:1312-1315`), `Authorization: Basic` (`client_secret_basic`,
    /// `AHC:27-49`), or nothing (`none`: a public client; a stored access
    /// token is then sent, as the SDK does). On success the answer's
    /// `access_token` becomes the client's access token (the SDK leaves
    /// that to the caller, `setAccessToken`); the result is `data`.
    pub async fn sign_in(&self, p: SignInParams) -> Result<Box<RawValue>, Error> {
        let (app_secret, method) = self.app_credentials();
        let app_id = self.app_id();
        let needs_app_id = method != TokenEndpointAuth::None;
        let app_id = match (app_id, needs_app_id) {
            (Some(id), _) => id.to_owned(),
            (None, false) => String::new(),
            (None, true) => {
                return Err(Error::invalid_argument(
                    "signInByCredentials with an appSecret needs the appId option",
                ))
            }
        };
        let mut secrets = Vec::new();
        p.password_payload.add_to(&mut secrets);
        p.pass_code_payload.add_to(&mut secrets);
        let client_secret = match method {
            TokenEndpointAuth::ClientSecretPost => app_secret.cloned(),
            _ => None,
        };
        let client_id = client_secret.as_ref().map(|_| app_id.clone());
        let body = json_object(&[
            ("connection", &p.connection),
            ("passwordPayload", &p.password_payload),
            ("passCodePayload", &p.pass_code_payload),
            ("options", &p.options),
            ("client_id", &client_id),
            ("client_secret", &client_secret),
        ]);
        let auth = match (method, app_secret) {
            (TokenEndpointAuth::ClientSecretBasic, Some(secret)) => {
                let pair = Secret::new(format!("{app_id}:{}", secret.expose()));
                secrets.push(secret.clone());
                Auth::Verbatim(Secret::new(format!(
                    "Basic {}",
                    Base64::encode_string(pair.expose().as_bytes())
                )))
            }
            _ => self.access_auth().unwrap_or(Auth::None),
        };
        secrets.extend(client_secret);
        let req = Request {
            method: Method::POST,
            path: Cow::Borrowed("/api/v3/signin"),
            body: Body::Json(body),
            auth,
            secrets,
            expect: Expect::V3,
        };
        let data = self.send(req).await?.data;
        // The signed-in user's token replaces the previous one; a success
        // without one clears it, so that a previous user's token cannot go
        // on acting for the user who just signed in.
        let token = serde_json::from_str::<Value>(data.get())
            .ok()
            .and_then(|d| d.get("access_token").and_then(Value::as_str).map(str::to_owned));
        self.set_access_token(token.as_deref())?;
        Ok(data)
    }

    /// `getFactor({factorId})` (`AC3:3608-3622`, `GET
    /// /api/v3/get-factor?factorId=`), with the access token. The query is
    /// encoded as axios 1.x does (`transport::query_v3`): the v3 SDK's.
    pub async fn get_factor(&self, p: FactorIdParams) -> Result<Box<RawValue>, Error> {
        let auth = self.access_auth()?;
        let query = query_v3(&[("factorId", Some(p.factor_id.as_str()))]);
        let req = Request {
            method: Method::GET,
            path: Cow::Owned(format!("/api/v3/get-factor{query}")),
            body: Body::Empty,
            auth,
            secrets: Vec::new(),
            expect: Expect::V3,
        };
        Ok(self.send(req).await?.data)
    }

    /// `verifyMfaToken({token})` (`AC3:3537-3545`, `POST
    /// /mfa/token/introspection`): the form body `token=<mfaToken>` the
    /// OpenAPI file requires (the SDK drops it: a deliberate fix), and, as
    /// the SDK does, the stored access token when there is one (its HTTP
    /// client sends it on every call, `AHC:50-51`); none is needed. The
    /// answer is the bare `{active, ...}`, not enveloped.
    pub async fn verify_mfa_token(&self, p: VerifyMfaTokenParams) -> Result<Box<RawValue>, Error> {
        let body = form(&[("token", Some(p.token.expose()))]);
        let req = Request {
            method: Method::POST,
            path: Cow::Borrowed("/mfa/token/introspection"),
            body: Body::Form(body),
            auth: self.access_auth().unwrap_or(Auth::None),
            secrets: vec![p.token],
            expect: Expect::Raw,
        };
        Ok(self.send(req).await?.data)
    }
}
