//! The thirteen methods of the JS SDK's `MfaAuthenticationClient`, as async
//! methods of [`Client`], and the generic entry point that takes a JS method
//! name and JSON parameters.
//!
//! This file is where each request is shaped: method, path, query, body keys
//! in the JS SDK's order, and which token it carries. Keys whose value was not
//! given are left out, never sent as `null`, as `JSON.stringify` does with
//! `undefined`. Defaults apply only when no argument is given at all, as in
//! the JS SDK.
//!
//! Deliberate fixes to upstream behaviour (each also listed in README.md):
//! 1. `confirmAssosicateMfaAuthenticator` sends the mfaToken when given (the
//!    JS SDK builds the header and drops it).
//! 2. `verifyTotpRecoveryCode` returns the rotated recovery code.
//! 3. `deleteMfaAuthenticator` and `confirm…` return the server's code and
//!    message instead of a hard-coded success.
//! 4. A required mfaToken that is missing is refused before any request (the
//!    JS SDK sends `Bearer undefined`).

use crate::core::args::Args;
use crate::core::client::{check_token, Client};
use crate::core::error::{Error, ErrorKind};
use crate::core::secret::Secret;
use crate::core::transport::{query, Answer, Auth, Body, Request};
use hyper::Method;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// A method of the JS SDK's MFA module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    GetMfaAuthenticators,
    AssociateMfaAuthenticator,
    DeleteMfaAuthenticator,
    ConfirmAssociateMfaAuthenticator,
    VerifyTotpMfa,
    VerifyTotpRecoveryCode,
    VerifyAppSmsMfa,
    VerifyAppEmailMfa,
    PhoneOrEmailBindable,
    AssociateFaceByUrl,
    AssociateFaceByLocalFile,
    AssociateFaceByBlob,
    VerifyFaceMfa,
}

impl Operation {
    /// All thirteen, in the JS SDK's order.
    pub const ALL: [Operation; 13] = [
        Operation::GetMfaAuthenticators,
        Operation::AssociateMfaAuthenticator,
        Operation::DeleteMfaAuthenticator,
        Operation::ConfirmAssociateMfaAuthenticator,
        Operation::VerifyTotpMfa,
        Operation::VerifyTotpRecoveryCode,
        Operation::VerifyAppSmsMfa,
        Operation::VerifyAppEmailMfa,
        Operation::PhoneOrEmailBindable,
        Operation::AssociateFaceByUrl,
        Operation::AssociateFaceByLocalFile,
        Operation::AssociateFaceByBlob,
        Operation::VerifyFaceMfa,
    ];

    /// The JS method name, with the SDK's own spelling (`assosicate…`).
    pub const fn js_name(self) -> &'static str {
        match self {
            Operation::GetMfaAuthenticators => "getMfaAuthenticators",
            Operation::AssociateMfaAuthenticator => "assosicateMfaAuthenticator",
            Operation::DeleteMfaAuthenticator => "deleteMfaAuthenticator",
            Operation::ConfirmAssociateMfaAuthenticator => "confirmAssosicateMfaAuthenticator",
            Operation::VerifyTotpMfa => "verifyTotpMfa",
            Operation::VerifyTotpRecoveryCode => "verifyTotpRecoveryCode",
            Operation::VerifyAppSmsMfa => "verifyAppSmsMfa",
            Operation::VerifyAppEmailMfa => "verifyAppEmailMfa",
            Operation::PhoneOrEmailBindable => "phoneOrEmailBindable",
            Operation::AssociateFaceByUrl => "associateFaceByUrl",
            Operation::AssociateFaceByLocalFile => "associateFaceByLocalFile",
            Operation::AssociateFaceByBlob => "associateFaceByBlob",
            Operation::VerifyFaceMfa => "verifyFaceMfa",
        }
    }

    /// Looks up a JS method name. Both the SDK's misspelling
    /// (`assosicateMfaAuthenticator`) and the corrected spelling work.
    pub fn from_js_name(name: &str) -> Option<Operation> {
        Operation::ALL
            .iter()
            .copied()
            .find(|op| op.js_name() == name || op.aliases().contains(&name))
    }

    /// [`Operation::from_js_name`], or the `InvalidArgument` error every
    /// entry point (blocking, async, Rust) gives for an unknown name; the
    /// name is quoted only up to 64 characters.
    pub fn resolve(name: &str) -> Result<Operation, Error> {
        Operation::from_js_name(name).ok_or_else(|| {
            let shown: String = name.chars().take(64).collect();
            Error::invalid_argument(format!("unknown method `{shown}`"))
        })
    }

    /// Other names `from_js_name` accepts for it (the corrected spelling
    /// of the SDK's `assosicate…`).
    pub const fn aliases(self) -> &'static [&'static str] {
        match self {
            Operation::AssociateMfaAuthenticator => &["associateMfaAuthenticator"],
            Operation::ConfirmAssociateMfaAuthenticator => &["confirmAssociateMfaAuthenticator"],
            _ => &[],
        }
    }

    /// The C function that runs it (`associateFaceByLocalFile` and
    /// `associateFaceByBlob` share one: a native program has files, not
    /// browser blobs).
    pub const fn c_function(self) -> &'static str {
        match self {
            Operation::GetMfaAuthenticators => "authing_mfa_get_authenticators",
            Operation::AssociateMfaAuthenticator => "authing_mfa_associate_authenticator",
            Operation::DeleteMfaAuthenticator => "authing_mfa_delete_authenticator",
            Operation::ConfirmAssociateMfaAuthenticator => "authing_mfa_confirm_associate_authenticator",
            Operation::VerifyTotpMfa => "authing_mfa_verify_totp",
            Operation::VerifyTotpRecoveryCode => "authing_mfa_verify_totp_recovery_code",
            Operation::VerifyAppSmsMfa => "authing_mfa_verify_app_sms",
            Operation::VerifyAppEmailMfa => "authing_mfa_verify_app_email",
            Operation::PhoneOrEmailBindable => "authing_mfa_phone_or_email_bindable",
            Operation::AssociateFaceByUrl => "authing_mfa_associate_face_by_url",
            Operation::AssociateFaceByLocalFile | Operation::AssociateFaceByBlob => {
                "authing_mfa_associate_face_by_files"
            }
            Operation::VerifyFaceMfa => "authing_mfa_verify_face",
        }
    }

    /// Every operation as a JSON array, for bindings and tools that check
    /// themselves against the library they load:
    /// `[{"name", "aliases", "cFunction", "keys"}, ...]` in the JS SDK's
    /// order.
    pub fn catalogue_json() -> String {
        let list: Vec<Value> = Operation::ALL
            .iter()
            .map(|op| {
                serde_json::json!({
                    "name": op.js_name(),
                    "aliases": op.aliases(),
                    "cFunction": op.c_function(),
                    "keys": op.keys(),
                })
            })
            .collect();
        Value::Array(list).to_string()
    }

    /// The keys its parameter object may hold (the JS argument's keys).
    pub const fn keys(self) -> &'static [&'static str] {
        match self {
            Operation::GetMfaAuthenticators => &["type", "mfaToken", "source"],
            Operation::AssociateMfaAuthenticator => &["authenticatorType", "mfaToken", "source"],
            Operation::DeleteMfaAuthenticator => &[],
            Operation::ConfirmAssociateMfaAuthenticator => {
                &["authenticatorType", "totp", "source", "mfaToken"]
            }
            Operation::VerifyTotpMfa => &["totp", "mfaToken"],
            Operation::VerifyTotpRecoveryCode => &["recoveryCode", "mfaToken"],
            Operation::VerifyAppSmsMfa => &["phone", "code", "mfaToken", "phoneCountryCode"],
            Operation::VerifyAppEmailMfa => &["email", "code", "mfaToken"],
            Operation::PhoneOrEmailBindable => &["phone", "email", "mfaToken"],
            Operation::AssociateFaceByUrl => &["baseFace", "compareFace", "mfaToken"],
            Operation::AssociateFaceByLocalFile | Operation::AssociateFaceByBlob => {
                &["baseFace", "compareFace", "mfaToken"]
            }
            Operation::VerifyFaceMfa => &["photo", "mfaToken"],
        }
    }
}

/// `getMfaAuthenticators` parameters. Without an argument the JS SDK sends
/// `type=totp&source=SELF`.
#[derive(Clone, Debug, Default)]
pub struct GetMfaAuthenticatorsParams {
    pub r#type: Option<String>,
    pub mfa_token: Option<Secret>,
    pub source: Option<String>,
}

/// `assosicateMfaAuthenticator` parameters. Without an argument the JS SDK
/// sends `{"authenticator_type":"totp","source":"SELF"}`.
#[derive(Clone, Debug, Default)]
pub struct AssociateMfaAuthenticatorParams {
    pub authenticator_type: Option<String>,
    pub mfa_token: Option<Secret>,
    pub source: Option<String>,
}

/// `confirmAssosicateMfaAuthenticator` parameters.
#[derive(Clone, Debug, Default)]
pub struct ConfirmAssociateMfaAuthenticatorParams {
    pub authenticator_type: Option<String>,
    pub totp: Option<Secret>,
    pub source: Option<String>,
    pub mfa_token: Option<Secret>,
}

/// `verifyTotpMfa` parameters.
#[derive(Clone, Debug)]
pub struct VerifyTotpMfaParams {
    pub totp: Secret,
    pub mfa_token: Secret,
}

/// `verifyTotpRecoveryCode` parameters.
#[derive(Clone, Debug)]
pub struct VerifyTotpRecoveryCodeParams {
    pub recovery_code: Secret,
    pub mfa_token: Secret,
}

/// `verifyAppSmsMfa` parameters.
#[derive(Clone, Debug)]
pub struct VerifyAppSmsMfaParams {
    pub phone: String,
    pub code: Secret,
    pub mfa_token: Secret,
    pub phone_country_code: Option<String>,
}

/// `verifyAppEmailMfa` parameters.
#[derive(Clone, Debug)]
pub struct VerifyAppEmailMfaParams {
    pub email: String,
    pub code: Secret,
    pub mfa_token: Secret,
}

/// `phoneOrEmailBindable` parameters.
#[derive(Clone, Debug)]
pub struct PhoneOrEmailBindableParams {
    pub phone: Option<String>,
    pub email: Option<String>,
    pub mfa_token: Secret,
}

/// `associateFaceByUrl` parameters.
#[derive(Clone, Debug)]
pub struct AssociateFaceByUrlParams {
    pub base_face: String,
    pub compare_face: String,
    pub mfa_token: Option<Secret>,
}

/// `associateFaceByLocalFile` / `associateFaceByBlob` for native programs:
/// two image files (or one, compared with itself, as the JS SDK does).
#[derive(Clone, Debug)]
pub struct AssociateFaceByFilesParams {
    pub base_face: PathBuf,
    pub compare_face: Option<PathBuf>,
    pub mfa_token: Option<Secret>,
}

/// `verifyFaceMfa(photo, mfaToken)` parameters.
#[derive(Clone, Debug)]
pub struct VerifyFaceMfaParams {
    pub photo: String,
    pub mfa_token: Secret,
}

/// The result of `verifyTotpRecoveryCode`: the logged-in user and the new
/// recovery code Authing rotated in (the JS SDK drops it; we return it).
#[derive(Debug)]
pub struct RecoveryOutcome {
    pub user: Box<RawValue>,
    /// `None` when the server sent no new code.
    pub recovery_code: Option<Secret>,
}

/// The server's own `{code, message}` (the JS SDK returns a hard-coded
/// success instead).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerStatus {
    pub code: i64,
    pub message: String,
}

/// A JSON body whose keys keep the JS SDK's order and leave out absent values.
/// A JSON object of the given keys, in order, those without a value left out
/// (as `JSON.stringify` leaves out `undefined`). Written straight into the
/// string, which is what building a `serde_json::Map` and printing it did,
/// at a third of the cost. The keys are distinct literals.
fn json_body(pairs: Vec<(&str, Option<Value>)>) -> Body {
    let mut out = Vec::with_capacity(64);
    out.push(b'{');
    for (k, v) in pairs {
        let Some(v) = v else { continue };
        if out.len() > 1 {
            out.push(b',');
        }
        // Writing a string or a `Value` into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut out, k);
        out.push(b':');
        let _ = serde_json::to_writer(&mut out, &v);
    }
    out.push(b'}');
    Body::Json(String::from_utf8(out).expect("serde_json writes UTF-8"))
}

fn s(v: &Option<String>) -> Option<Value> {
    v.as_ref().map(|v| Value::String(v.clone()))
}

fn sec(v: &Option<Secret>) -> Option<Value> {
    v.as_ref().map(|v| Value::String(v.expose().to_owned()))
}

fn auth_for(mfa_token: &Option<Secret>) -> Result<Auth, Error> {
    match mfa_token {
        Some(t) => {
            check_token(t.expose(), "`mfaToken`")?;
            Ok(Auth::Mfa(t.clone()))
        }
        None => Ok(Auth::User),
    }
}

fn mfa_auth(t: &Secret) -> Result<Auth, Error> {
    auth_for(&Some(t.clone()))
}

fn post(path: &'static str, body: Body, auth: Auth, secrets: Vec<Secret>) -> Request {
    Request {
        method: Method::POST,
        path: Cow::Borrowed(path),
        body,
        auth,
        secrets,
    }
}

/// The text of a raw JSON value, taken rather than copied.
trait IntoString {
    fn into_string(self) -> String;
}

impl IntoString for Box<RawValue> {
    fn into_string(self) -> String {
        Box::<str>::from(self).into_string()
    }
}

impl Client {
    /// `getMfaAuthenticators`: `GET /api/v2/mfa/authenticator?type&source`.
    pub async fn get_mfa_authenticators(
        &self,
        p: Option<GetMfaAuthenticatorsParams>,
    ) -> Result<Box<RawValue>, Error> {
        let p = p.unwrap_or_else(|| GetMfaAuthenticatorsParams {
            r#type: Some("totp".into()),
            mfa_token: None,
            source: Some("SELF".into()),
        });
        let path = format!(
            "/api/v2/mfa/authenticator{}",
            query(&[("type", p.r#type.as_deref()), ("source", p.source.as_deref())])
        );
        let req = Request {
            method: Method::GET,
            path: Cow::Owned(path),
            body: Body::Empty,
            auth: auth_for(&p.mfa_token)?,
            secrets: vec![],
        };
        Ok(self.send(req).await?.data)
    }

    /// `assosicateMfaAuthenticator`: `POST /api/v2/mfa/totp/associate`.
    pub async fn associate_mfa_authenticator(
        &self,
        p: Option<AssociateMfaAuthenticatorParams>,
    ) -> Result<Box<RawValue>, Error> {
        let p = p.unwrap_or_else(|| AssociateMfaAuthenticatorParams {
            authenticator_type: Some("totp".into()),
            mfa_token: None,
            source: Some("SELF".into()),
        });
        let body = json_body(vec![
            ("authenticator_type", s(&p.authenticator_type)),
            ("source", s(&p.source)),
        ]);
        let req = post(
            "/api/v2/mfa/totp/associate",
            body,
            auth_for(&p.mfa_token)?,
            vec![],
        );
        Ok(self.send(req).await?.data)
    }

    /// `deleteMfaAuthenticator`: `DELETE /api/v2/mfa/totp/associate` with the
    /// user token; returns the server's code and message.
    pub async fn delete_mfa_authenticator(&self) -> Result<ServerStatus, Error> {
        let req = Request {
            method: Method::DELETE,
            path: Cow::Borrowed("/api/v2/mfa/totp/associate"),
            body: Body::Empty,
            auth: Auth::User,
            secrets: vec![],
        };
        Ok(status_of(self.send(req).await?))
    }

    /// `confirmAssosicateMfaAuthenticator`: `POST
    /// /api/v2/mfa/totp/associate/confirm`, with the mfaToken when given.
    pub async fn confirm_associate_mfa_authenticator(
        &self,
        p: Option<ConfirmAssociateMfaAuthenticatorParams>,
    ) -> Result<ServerStatus, Error> {
        let p = p.unwrap_or_else(|| ConfirmAssociateMfaAuthenticatorParams {
            authenticator_type: Some("totp".into()),
            source: Some("SELF".into()),
            ..Default::default()
        });
        let body = json_body(vec![
            ("authenticator_type", s(&p.authenticator_type)),
            ("totp", sec(&p.totp)),
            ("source", s(&p.source)),
        ]);
        let secrets = p.totp.iter().cloned().collect();
        let req = post(
            "/api/v2/mfa/totp/associate/confirm",
            body,
            auth_for(&p.mfa_token)?,
            secrets,
        );
        Ok(status_of(self.send(req).await?))
    }

    /// `verifyTotpMfa`: `POST /api/v2/mfa/totp/verify` with the mfaToken.
    pub async fn verify_totp_mfa(&self, p: VerifyTotpMfaParams) -> Result<Box<RawValue>, Error> {
        let body = json_body(vec![("totp", Some(p.totp.expose().into()))]);
        let req = post(
            "/api/v2/mfa/totp/verify",
            body,
            mfa_auth(&p.mfa_token)?,
            vec![p.totp],
        );
        Ok(self.send(req).await?.data)
    }

    /// `verifyTotpRecoveryCode`: `POST /api/v2/mfa/totp/recovery`; returns the
    /// user and the rotated recovery code.
    pub async fn verify_totp_recovery_code(
        &self,
        p: VerifyTotpRecoveryCodeParams,
    ) -> Result<RecoveryOutcome, Error> {
        let body = json_body(vec![("recoveryCode", Some(p.recovery_code.expose().into()))]);
        let req = post(
            "/api/v2/mfa/totp/recovery",
            body,
            mfa_auth(&p.mfa_token)?,
            vec![p.recovery_code],
        );
        let answer = self.send(req).await?;
        Ok(RecoveryOutcome {
            user: answer.data,
            recovery_code: answer.recovery_code,
        })
    }

    /// `verifyAppSmsMfa`: `POST /api/v2/applications/mfa/sms/verify`.
    pub async fn verify_app_sms_mfa(&self, p: VerifyAppSmsMfaParams) -> Result<Box<RawValue>, Error> {
        let body = json_body(vec![
            ("phone", Some(p.phone.clone().into())),
            ("code", Some(p.code.expose().into())),
            ("phoneCountryCode", s(&p.phone_country_code)),
        ]);
        let req = post(
            "/api/v2/applications/mfa/sms/verify",
            body,
            mfa_auth(&p.mfa_token)?,
            vec![p.code],
        );
        Ok(self.send(req).await?.data)
    }

    /// `verifyAppEmailMfa`: `POST /api/v2/applications/mfa/email/verify`.
    pub async fn verify_app_email_mfa(&self, p: VerifyAppEmailMfaParams) -> Result<Box<RawValue>, Error> {
        let body = json_body(vec![
            ("email", Some(p.email.clone().into())),
            ("code", Some(p.code.expose().into())),
        ]);
        let req = post(
            "/api/v2/applications/mfa/email/verify",
            body,
            mfa_auth(&p.mfa_token)?,
            vec![p.code],
        );
        Ok(self.send(req).await?.data)
    }

    /// `phoneOrEmailBindable`: `POST /api/v2/applications/mfa/check`; the
    /// server's boolean.
    pub async fn phone_or_email_bindable(&self, p: PhoneOrEmailBindableParams) -> Result<bool, Error> {
        let body = json_body(vec![("email", s(&p.email)), ("phone", s(&p.phone))]);
        let req = post(
            "/api/v2/applications/mfa/check",
            body,
            mfa_auth(&p.mfa_token)?,
            vec![],
        );
        let data = self.send(req).await?.data;
        match data.get() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(Error::new(
                ErrorKind::Decode,
                "phoneOrEmailBindable: the answer's `data` is not a boolean",
            )),
        }
    }

    /// `associateFaceByUrl`: `POST /api/v2/mfa/face/associate` with
    /// `isExternal: true`.
    pub async fn associate_face_by_url(&self, p: AssociateFaceByUrlParams) -> Result<Box<RawValue>, Error> {
        let body = json_body(vec![
            ("photoA", Some(p.base_face.into())),
            ("photoB", Some(p.compare_face.into())),
            ("isExternal", Some(Value::Bool(true))),
        ]);
        let req = post(
            "/api/v2/mfa/face/associate",
            body,
            auth_for(&p.mfa_token)?,
            vec![],
        );
        Ok(self.send(req).await?.data)
    }

    /// `associateFaceByLocalFile` / `associateFaceByBlob` for native
    /// programs: uploads each image as multipart field `file` to
    /// `/api/v2/upload?folder=face-photo&private=true`, then associates the
    /// returned keys (without `isExternal`). With no `compare_face` the base
    /// image is uploaded once and compared with itself, as in the JS SDK.
    pub async fn associate_face_by_files(
        &self,
        p: AssociateFaceByFilesParams,
    ) -> Result<Box<RawValue>, Error> {
        // Refuse a bad mfaToken before reading any file.
        auth_for(&p.mfa_token)?;
        let limit = self.timeout();
        let read = async {
            let base = read_image(&p.base_face, "baseFace").await?;
            let compare = match &p.compare_face {
                Some(path) => Some(read_image(path, "compareFace").await?),
                None => None,
            };
            Ok::<_, Error>((base, compare))
        };
        let (base, compare) = tokio::time::timeout(limit, read).await.map_err(|_| {
            Error::new(
                ErrorKind::Timeout,
                format!(
                    "reading the face images took longer than {} ms",
                    limit.as_millis()
                ),
            )
        })??;
        let key_a = self.upload_face(base, &p.mfa_token).await?;
        let key_b = match compare {
            Some(image) => self.upload_face(image, &p.mfa_token).await?,
            None => key_a.clone(),
        };
        let body = json_body(vec![
            ("photoA", Some(key_a.into())),
            ("photoB", Some(key_b.into())),
        ]);
        let req = post(
            "/api/v2/mfa/face/associate",
            body,
            auth_for(&p.mfa_token)?,
            vec![],
        );
        Ok(self.send(req).await?.data)
    }

    async fn upload_face(&self, image: Image, mfa_token: &Option<Secret>) -> Result<String, Error> {
        let (content_type, bytes) =
            crate::core::http::multipart_file("file", &image.file_name, image.mime, &image.bytes);
        let req = post(
            "/api/v2/upload?folder=face-photo&private=true",
            Body::Multipart { content_type, bytes },
            auth_for(mfa_token)?,
            vec![],
        );
        let data = self.send(req).await?.data;
        let key = serde_json::from_str::<Value>(data.get())
            .ok()
            .and_then(|v| v.get("key").and_then(Value::as_str).map(str::to_owned))
            .filter(|k| !k.is_empty());
        key.ok_or_else(|| Error::new(ErrorKind::Decode, "the upload answer has no `data.key`"))
    }

    /// `verifyFaceMfa(photo, mfaToken)`: `POST /api/v2/mfa/face/verify`.
    pub async fn verify_face_mfa(&self, p: VerifyFaceMfaParams) -> Result<Box<RawValue>, Error> {
        let body = json_body(vec![("photo", Some(p.photo.into()))]);
        let req = post("/api/v2/mfa/face/verify", body, mfa_auth(&p.mfa_token)?, vec![]);
        Ok(self.send(req).await?.data)
    }

    /// The generic entry point: a JS method name and its argument as JSON
    /// (`None` or `null` = no argument). Returns the result JSON of the C API.
    pub async fn call(&self, method: &str, params_json: Option<&str>) -> Result<String, Error> {
        self.call_op(Operation::resolve(method)?, params_json).await
    }

    /// [`Client::call`] with the operation already resolved.
    pub async fn call_op(&self, op: Operation, params_json: Option<&str>) -> Result<String, Error> {
        let name = op.js_name();
        let args = Args::parse(params_json, name, op.keys())?;
        let required = |args: Option<Args>| {
            args.ok_or_else(|| Error::invalid_argument(format!("{name}: a parameter object is required")))
        };
        use Operation as O;
        Ok(match op {
            O::GetMfaAuthenticators => {
                let p = args
                    .map(|mut a| -> Result<_, Error> {
                        Ok(GetMfaAuthenticatorsParams {
                            r#type: a.opt_str("type")?,
                            mfa_token: a.opt_secret("mfaToken")?,
                            source: a.opt_str("source")?,
                        })
                    })
                    .transpose()?;
                self.get_mfa_authenticators(p).await?.into_string()
            }
            O::AssociateMfaAuthenticator => {
                let p = args
                    .map(|mut a| -> Result<_, Error> {
                        Ok(AssociateMfaAuthenticatorParams {
                            authenticator_type: a.opt_str("authenticatorType")?,
                            mfa_token: a.opt_secret("mfaToken")?,
                            source: a.opt_str("source")?,
                        })
                    })
                    .transpose()?;
                self.associate_mfa_authenticator(p).await?.into_string()
            }
            O::DeleteMfaAuthenticator => self.delete_mfa_authenticator().await?.to_json(),
            O::ConfirmAssociateMfaAuthenticator => {
                // `totp` is required even though the JS SDK would send a
                // confirm without one: such a confirm can never succeed, so
                // it is refused before any request (like a missing mfaToken).
                let mut a = required(args)?;
                let p = ConfirmAssociateMfaAuthenticatorParams {
                    authenticator_type: a.opt_str("authenticatorType")?,
                    totp: Some(a.req_secret("totp")?),
                    source: a.opt_str("source")?,
                    mfa_token: a.opt_secret("mfaToken")?,
                };
                self.confirm_associate_mfa_authenticator(Some(p)).await?.to_json()
            }
            O::VerifyTotpMfa => {
                let mut a = required(args)?;
                let p = VerifyTotpMfaParams {
                    totp: a.req_secret("totp")?,
                    mfa_token: a.req_secret("mfaToken")?,
                };
                self.verify_totp_mfa(p).await?.into_string()
            }
            O::VerifyTotpRecoveryCode => {
                let mut a = required(args)?;
                let p = VerifyTotpRecoveryCodeParams {
                    recovery_code: a.req_secret("recoveryCode")?,
                    mfa_token: a.req_secret("mfaToken")?,
                };
                self.verify_totp_recovery_code(p).await?.to_json()
            }
            O::VerifyAppSmsMfa => {
                let mut a = required(args)?;
                let p = VerifyAppSmsMfaParams {
                    phone: a.req_str("phone")?,
                    code: a.req_secret("code")?,
                    mfa_token: a.req_secret("mfaToken")?,
                    phone_country_code: a.opt_str("phoneCountryCode")?,
                };
                self.verify_app_sms_mfa(p).await?.into_string()
            }
            O::VerifyAppEmailMfa => {
                let mut a = required(args)?;
                let p = VerifyAppEmailMfaParams {
                    email: a.req_str("email")?,
                    code: a.req_secret("code")?,
                    mfa_token: a.req_secret("mfaToken")?,
                };
                self.verify_app_email_mfa(p).await?.into_string()
            }
            O::PhoneOrEmailBindable => {
                let mut a = required(args)?;
                let p = PhoneOrEmailBindableParams {
                    phone: a.opt_str("phone")?,
                    email: a.opt_str("email")?,
                    mfa_token: a.req_secret("mfaToken")?,
                };
                self.phone_or_email_bindable(p).await?.to_string()
            }
            O::AssociateFaceByUrl => {
                let mut a = required(args)?;
                let p = AssociateFaceByUrlParams {
                    base_face: a.req_str("baseFace")?,
                    compare_face: a.req_str("compareFace")?,
                    mfa_token: a.opt_secret("mfaToken")?,
                };
                self.associate_face_by_url(p).await?.into_string()
            }
            O::AssociateFaceByLocalFile | O::AssociateFaceByBlob => {
                let mut a = required(args)?;
                let p = AssociateFaceByFilesParams {
                    base_face: a.req_str("baseFace")?.into(),
                    compare_face: a
                        .opt_str("compareFace")?
                        .filter(|s| !s.is_empty())
                        .map(PathBuf::from),
                    mfa_token: a.opt_secret("mfaToken")?,
                };
                self.associate_face_by_files(p).await?.into_string()
            }
            O::VerifyFaceMfa => {
                let mut a = required(args)?;
                let p = VerifyFaceMfaParams {
                    photo: a.req_str("photo")?,
                    mfa_token: a.req_secret("mfaToken")?,
                };
                self.verify_face_mfa(p).await?.into_string()
            }
        })
    }
}

fn status_of(answer: Answer) -> ServerStatus {
    ServerStatus {
        code: answer.code,
        message: answer.message,
    }
}

impl ServerStatus {
    /// `{"code":…,"message":"…"}`.
    pub fn to_json(&self) -> String {
        let mut m = Map::new();
        m.insert("code".into(), self.code.into());
        m.insert("message".into(), self.message.clone().into());
        Value::Object(m).to_string()
    }
}

impl RecoveryOutcome {
    /// `{"user":<data>,"recoveryCode":"<new code>"|null}`.
    pub fn to_json(&self) -> String {
        let code = match &self.recovery_code {
            Some(c) => Value::String(c.expose().to_owned()).to_string(),
            None => "null".to_owned(),
        };
        format!("{{\"user\":{},\"recoveryCode\":{}}}", self.user.get(), code)
    }
}

struct Image {
    bytes: Vec<u8>,
    file_name: String,
    mime: &'static str,
}

/// The largest image file uploaded for face association. Authing's own
/// upload limit is lower; this bound exists so that a path such as
/// `/dev/zero` or a huge file cannot exhaust memory.
pub const MAX_IMAGE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads a local image for upload. The path is the caller's, not a secret, so
/// the message names it (a missing file is the most common mistake).
///
/// The type is checked with `metadata` before the file is opened: opening a
/// FIFO for reading blocks until a writer appears, which could be forever.
/// The caller also bounds the whole read by the call's timeout.
async fn read_image(path: &Path, key: &str) -> Result<Image, Error> {
    use tokio::io::AsyncReadExt;
    let io_error = |e: std::io::Error| {
        Error::new(
            ErrorKind::Io,
            format!("cannot read {key} file {}: {e}", path.display()),
        )
    };
    let not_regular = || {
        Error::new(
            ErrorKind::Io,
            format!("{key} {} is not a regular file", path.display()),
        )
    };
    if !tokio::fs::metadata(path).await.map_err(io_error)?.is_file() {
        return Err(not_regular());
    }
    let file = tokio::fs::File::open(path).await.map_err(io_error)?;
    // Checked again on the open file, in case the path changed in between.
    let meta = file.metadata().await.map_err(io_error)?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    let mut bytes = Vec::with_capacity(meta.len().min(MAX_IMAGE_BYTES) as usize);
    file.take(MAX_IMAGE_BYTES + 1)
        .read_to_end(&mut bytes)
        .await
        .map_err(io_error)?;
    if bytes.len() as u64 > MAX_IMAGE_BYTES {
        return Err(Error::new(
            ErrorKind::Io,
            format!(
                "{key} file {} is larger than {MAX_IMAGE_BYTES} bytes",
                path.display()
            ),
        ));
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "personal.jpeg".into());
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let mime = match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "bmp" => "image/bmp",
        "gif" => "image/gif",
        "webp" => "image/webp",
        _ => "application/octet-stream",
    };
    Ok(Image {
        bytes,
        file_name,
        mime,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_aliases() {
        for op in Operation::ALL {
            assert_eq!(Operation::from_js_name(op.js_name()), Some(op));
        }
        assert_eq!(
            Operation::from_js_name("associateMfaAuthenticator"),
            Some(Operation::AssociateMfaAuthenticator)
        );
        assert_eq!(
            Operation::from_js_name("confirmAssociateMfaAuthenticator"),
            Some(Operation::ConfirmAssociateMfaAuthenticator)
        );
        assert_eq!(Operation::from_js_name("verifySmsMfa"), None);
    }

    #[test]
    fn bodies_keep_js_order_and_drop_absent_keys() {
        let Body::Json(b) = json_body(vec![
            ("phone", Some("1".into())),
            ("code", Some("2".into())),
            ("phoneCountryCode", None),
        ]) else {
            panic!()
        };
        assert_eq!(b, r#"{"phone":"1","code":"2"}"#);
    }

    #[test]
    fn result_shapes() {
        let r = RecoveryOutcome {
            user: RawValue::from_string(r#"{"id":"u"}"#.into()).unwrap(),
            recovery_code: Some("aaaa-bbbb".into()),
        };
        assert_eq!(r.to_json(), r#"{"user":{"id":"u"},"recoveryCode":"aaaa-bbbb"}"#);
        let s = ServerStatus {
            code: 200,
            message: "解绑\"ok".into(),
        };
        assert_eq!(s.to_json(), r#"{"code":200,"message":"解绑\"ok"}"#);
    }
}
