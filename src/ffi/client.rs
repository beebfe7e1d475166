//! The client handle and its token state.

use crate::core::client::Client;
use crate::core::error::{Error, ErrorKind};
use crate::ffi::boundary::{run, run_no_error, ErrOut, Out};
use crate::ffi::status::authing_mfa_status;
use crate::ffi::strings::c_str;
use std::ffi::c_char;

/// An Authing MFA client: options, connections kept alive for reuse, and
/// the user token / current user. Opaque; create with
/// `authing_mfa_client_new`, destroy with `authing_mfa_client_free`.
///
/// Connections: a client reuses its connections (HTTP/1.1 keep-alive, or
/// HTTP/2 over TLS when the server offers it). Async calls share one pool;
/// blocking calls use one pool per concurrent caller slot (a single thread
/// making calls one after another reuses one connection), so a client used
/// both ways, or from many threads at once, holds more than one connection.
/// A connection the server closed while idle is replaced at the next call;
/// idle connections are closed after 90 s unused (those of blocking calls
/// within about 30 s more, by a sweep every 15 s), and those of a freed
/// client within about 30 s.
///
/// Threading: every function taking `const authing_mfa_client *` is safe to
/// call from many threads at once on the same client, token updates
/// included. Only `authing_mfa_client_free` takes a mutable pointer: it must
/// not race with any other call on the same client.
#[allow(non_camel_case_types)]
pub struct authing_mfa_client {
    pub(crate) client: Client,
}

/// A client handle argument, borrowed for the current call.
pub(crate) struct ClientArg<'a>(Option<&'a Client>);

/// Borrows the client behind a handle.
///
/// # Safety
/// `c` is NULL or a live handle from `authing_mfa_client_new` that is not
/// freed during `'a` (the current call).
pub(crate) unsafe fn client_arg<'a>(c: *const authing_mfa_client) -> ClientArg<'a> {
    // SAFETY: the caller promises a live handle or NULL.
    ClientArg(unsafe { c.as_ref() }.map(|h| &h.client))
}

impl<'a> ClientArg<'a> {
    /// The client, or `NullArgument` for a NULL handle.
    pub(crate) fn get(self) -> Result<&'a Client, Error> {
        self.0
            .ok_or_else(|| Error::new(ErrorKind::NullArgument, "`client` must not be NULL"))
    }
}

/// Creates a client.
///
/// `options_json`: NULL, `"null"` or `"{}"` for the defaults (Authing's
/// public host `https://core.authing.cn`), else a JSON object with these keys
/// (all optional; an empty string means "not given", like the JS SDK):
/// - `userPoolId`, `appId`, `tenantId` (strings): sent as
///   `x-authing-userpool-id`, `x-authing-app-id`, `x-authing-app-tenant-id`;
/// - `appHost` (string URL): the base URL, one trailing `/` removed; else
///   `host`; else `https://core.authing.cn`;
/// - `lang`: `"zh-CN"` (default) or `"en-US"`, sent as `x-authing-lang`
///   (the language of the server's messages);
/// - `timeout` (integer, milliseconds, default 30000, at most 86400000):
///   the deadline for the whole request, body included; 0 means the default;
/// - `requestFrom` (string, default `"sdk"`): `x-authing-request-from`;
/// - `token` (string): the initial user token (as `setToken`);
/// - `allowInsecureHttp` (bool, default false): allow plain `http://` to a
///   host that is not loopback (127.0.0.0/8, ::1, localhost). Without it
///   such requests fail with `AUTHING_MFA_ERR_NETWORK`;
/// - `caCertPem` (string): extra PEM certificates to trust besides the
///   system's roots (e.g. a corporate TLS proxy, a test CA);
/// - `accessToken` (string): the v3 access token (as
///   `authing_mfa_client_set_access_token`);
/// - `appSecret` (string) and `tokenEndPointAuthMethod`
///   (`"client_secret_post"`, the default with `appSecret`;
///   `"client_secret_basic"`; `"none"`, the default without): how
///   `authing_mfa_sign_in` authenticates the application. A native app
///   should hold no secret: leave both out;
/// - `publicKey` (string, PEM or base64 DER): the RSA public key the
///   password logins encrypt with; without it the key of
///   `GET /api/v2/.well-known` is fetched once per client;
/// - `maxResponseBytes` (integer, default 4194304, 1 to 1073741824):
///   larger answers fail with `AUTHING_MFA_ERR_DECODE`;
/// - `maxRetries` (integer, default 2, 0 to 10): how often a GET
///   (`getMfaAuthenticators`, `logout`, the `.well-known` key of the password
///   logins) is retried after
///   a network failure or an answer of 429, 502, 503 or 504, with
///   exponential backoff and jitter, honouring `Retry-After` up to 5 s, all
///   within `timeout`. POST and DELETE operations are never retried: a
///   repeated verify could burn a recovery code or trip a lockout.
///
/// Redirects are never followed; no proxy from the environment is used.
///
/// On success `*out_client` receives the handle (free it with
/// `authing_mfa_client_free`). On failure `*out_client` is NULL and, if
/// `out_error_json` is not NULL, `*out_error_json` receives the error JSON
/// (free with `authing_mfa_string_free`).
///
/// Statuses: `AUTHING_MFA_OK`; `AUTHING_MFA_ERR_NULL_ARGUMENT` (`out_client`
/// is NULL); `AUTHING_MFA_ERR_INVALID_UTF8`; `AUTHING_MFA_ERR_INVALID_JSON`
/// (not an object, wrong value type); `AUTHING_MFA_ERR_INVALID_ARGUMENT`
/// (unknown key, named in the message; bad URL, lang, timeout, PEM,
/// `publicKey`, or a
/// header value with characters HTTP forbids); `AUTHING_MFA_ERR_SHUTDOWN`
/// (after `authing_mfa_shutdown`); `AUTHING_MFA_ERR_PANIC`.
///
/// Does not touch the network. The first call in the process starts the
/// library's I/O threads. Thread-safe.
///
/// # Safety
/// Pointers are NULL or valid as described.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_client_new(
    options_json: *const c_char,
    out_client: *mut *mut authing_mfa_client,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: pointers as documented, used only during this call.
    let (options, out, err) = unsafe {
        (
            c_str(options_json),
            Out::new(out_client),
            ErrOut::new(out_error_json),
        )
    };
    run(err, || {
        let out = out.required("out_client")?;
        let client = Client::from_json(options.optional("options_json")?)?;
        out.put_box(Box::new(authing_mfa_client { client }));
        Ok(())
    })
}

/// Destroys a client. NULL is a no-op. Calls still running on the client
/// from other threads must have returned first (this is the one function that
/// must not race with others on the same client). Closes its idle
/// connections: at once those of async calls, within about 30 s those that
/// blocking calls opened (see `authing_mfa_client`); never blocks on the
/// network.
///
/// # Safety
/// `client` is NULL or a live handle, not used again afterwards.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_client_free(client: *mut authing_mfa_client) {
    if client.is_null() {
        return;
    }
    // SAFETY: the caller hands back a handle made by Box::into_raw and
    // does not use it again.
    let handle = unsafe { Box::from_raw(client) };
    let _ = run_no_error(|| {
        drop(handle);
        Ok(())
    });
}

/// Sets the user token (the JS SDK's `setToken`), sent as
/// `Authorization: Bearer <token>` by the operations that do not take an
/// mfaToken (or are not given one). NULL or `""` clears it. The token is
/// copied. The current user, if any, is kept.
///
/// Statuses: `AUTHING_MFA_OK`; `AUTHING_MFA_ERR_NULL_ARGUMENT` (`client`);
/// `AUTHING_MFA_ERR_INVALID_UTF8`; `AUTHING_MFA_ERR_INVALID_ARGUMENT` (the
/// token has spaces, control or non-ASCII characters, which HTTP headers
/// cannot carry). Thread-safe, never blocks. `authing_mfa_client_set_token_ex`
/// is the same with the error JSON.
///
/// # Safety
/// Pointers are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_client_set_token(
    client: *const authing_mfa_client,
    token: *const c_char,
) -> authing_mfa_status {
    // SAFETY: as documented; a NULL out_error_json is never written.
    unsafe { authing_mfa_client_set_token_ex(client, token, std::ptr::null_mut()) }
}

/// `authing_mfa_client_set_token` with the error JSON: on failure
/// `*out_error_json`, when `out_error_json` is not NULL, receives the error
/// JSON (free with `authing_mfa_string_free`); it is set to NULL on entry
/// and on success. An extension of the specified API (its
/// `authing_mfa_client_set_token` has no error out-parameter), so that
/// bindings need not make up their own messages.
///
/// Statuses: as `authing_mfa_client_set_token`. Thread-safe, never blocks.
///
/// # Safety
/// Pointers are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_client_set_token_ex(
    client: *const authing_mfa_client,
    token: *const c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: pointers as documented, used only during this call.
    let (client, token, err) = unsafe { (client_arg(client), c_str(token), ErrOut::new(out_error_json)) };
    run(err, || client.get()?.set_token(token.optional("token")?))
}

/// Sets the v3 access token (authing-node-sdk's `setAccessToken`), sent raw
/// in `authorization` by the v3 factor calls; NULL or `""` clears it.
/// `authing_mfa_sign_in` sets it from its answer; the `accessToken` option
/// sets it at creation. The token is copied.
///
/// Statuses: `AUTHING_MFA_OK`; `AUTHING_MFA_ERR_NULL_ARGUMENT` (`client`);
/// `AUTHING_MFA_ERR_INVALID_UTF8`; `AUTHING_MFA_ERR_INVALID_ARGUMENT` (a
/// token HTTP headers cannot carry). Error JSON in `*out_error_json` when it
/// is not NULL. Thread-safe, never blocks.
///
/// # Safety
/// Pointers are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_client_set_access_token(
    client: *const authing_mfa_client,
    access_token: *const c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: pointers as documented, used only during this call.
    let (client, token, err) = unsafe {
        (
            client_arg(client),
            c_str(access_token),
            ErrOut::new(out_error_json),
        )
    };
    run(err, || {
        client.get()?.set_access_token(token.optional("access_token")?)
    })
}

/// Stores the current user (the JS SDK's `setCurrentUser`): `user_json` is a
/// JSON object, kept byte for byte; its `token` (if a string) becomes the
/// user token, and a user without `token` clears the token, as in the JS SDK.
///
/// Statuses: `AUTHING_MFA_OK`; `AUTHING_MFA_ERR_NULL_ARGUMENT` (`client` or
/// `user_json`); `AUTHING_MFA_ERR_INVALID_UTF8`;
/// `AUTHING_MFA_ERR_INVALID_JSON` (not an object, or `token` not a string);
/// `AUTHING_MFA_ERR_INVALID_ARGUMENT` (a token HTTP cannot carry). Error
/// JSON in `*out_error_json` when it is not NULL. Thread-safe, never blocks.
///
/// # Safety
/// Pointers are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_client_set_current_user(
    client: *const authing_mfa_client,
    user_json: *const c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: pointers as documented, used only during this call.
    let (client, user, err) = unsafe { (client_arg(client), c_str(user_json), ErrOut::new(out_error_json)) };
    run(err, || {
        let client = client.get()?;
        client.set_current_user_json(user.required("user_json")?)
    })
}

/// The current user (the JS SDK's `getCurrentUser`, from local state): the
/// JSON given to `authing_mfa_client_set_current_user`, or `"null"` when
/// there is none. `*out_user_json` must be freed with
/// `authing_mfa_string_free`.
///
/// Statuses: `AUTHING_MFA_OK`; `AUTHING_MFA_ERR_NULL_ARGUMENT` (`client` or
/// `out_user_json`). Thread-safe, never blocks.
///
/// # Safety
/// Pointers are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_client_get_current_user(
    client: *const authing_mfa_client,
    out_user_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: pointers as documented, used only during this call.
    let (client, out) = unsafe { (client_arg(client), Out::new(out_user_json)) };
    run_no_error(|| {
        let out = out.required("out_user_json")?;
        let user = client.get()?.current_user_json();
        out.set(user.unwrap_or_else(|| "null".into()))
    })
}

/// Forgets the current user and the user token (the JS SDK's `logout`, on
/// the client side only: nothing is sent).
///
/// Statuses: `AUTHING_MFA_OK`; `AUTHING_MFA_ERR_NULL_ARGUMENT`.
/// Thread-safe, never blocks.
///
/// # Safety
/// `client` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_client_clear_current_user(
    client: *const authing_mfa_client,
) -> authing_mfa_status {
    // SAFETY: as documented.
    let client = unsafe { client_arg(client) };
    run_no_error(|| {
        client.get()?.clear_current_user();
        Ok(())
    })
}
