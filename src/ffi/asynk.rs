//! The non-blocking C API: start an operation, get a callback.

use crate::core::error::{Error, ErrorKind};
use crate::core::ops::Operation;
use crate::core::runtime::{self, OpToken};
use crate::ffi::boundary::{run, run_no_error, ErrOut, Out};
use crate::ffi::client::{authing_mfa_client, client_arg};
use crate::ffi::status::{authing_mfa_status, AUTHING_MFA_OK};
use crate::ffi::strings::c_str;
use std::ffi::{c_char, c_void, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

/// Receives the outcome of an `authing_mfa_call_async` operation, exactly
/// once. `status` is `AUTHING_MFA_OK` with the result JSON, or an error
/// status with the error JSON (including `AUTHING_MFA_ERR_CANCELLED` and
/// `AUTHING_MFA_ERR_SHUTDOWN`). `result_or_error_json` is borrowed: valid
/// only until the callback returns; copy what you keep; do not free it.
///
/// Runs on a library thread (normally one of the library's two I/O threads;
/// for an operation that `authing_mfa_shutdown` could not stop in time, on
/// the thread calling `authing_mfa_shutdown`). It must return promptly, must
/// not throw a C++ exception or longjmp out, and must not make blocking
/// library calls (they fail with `AUTHING_MFA_ERR_WOULD_DEADLOCK`); it may
/// start more async operations, cancel or free operation handles, and free
/// clients it no longer uses.
#[allow(non_camel_case_types)]
pub type authing_mfa_callback = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        status: authing_mfa_status,
        result_or_error_json: *const c_char,
    ),
>;

/// A handle on one async operation, for cancelling it. Opaque. Owned by the
/// caller when requested through `out_op`; release it with
/// `authing_mfa_op_free` (before or after the callback fired: the two are
/// independent).
#[allow(non_camel_case_types)]
pub struct authing_mfa_op {
    token: Arc<OpToken>,
}

/// The caller's `user_data`, handed back untouched on another thread; the
/// caller promised it may be used there by starting an async call.
struct UserData(*mut c_void);
// SAFETY: the library never dereferences it; it only passes it back.
unsafe impl Send for UserData {}

fn deliver(
    callback: unsafe extern "C" fn(*mut c_void, authing_mfa_status, *const c_char),
    user: UserData,
    result: Result<String, Error>,
) {
    let (status, json) = match result {
        Ok(json) => (AUTHING_MFA_OK, json),
        Err(e) => (e.kind().status(), e.to_json()),
    };
    let json = CString::new(json).unwrap_or_else(|_| {
        CString::new(Error::new(ErrorKind::Decode, "the result contains a NUL character").to_json())
            .expect("error JSON has no NUL")
    });
    // A panic cannot come out of a C function, but a callback written in Rust
    // could panic: keep it from killing the library's worker thread.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the caller gave a valid function pointer; json outlives the call.
        unsafe { callback(user.0, status, json.as_ptr()) }
    }));
}

/// Starts an operation without blocking: `method` and `params_json` as for
/// `authing_mfa_call`. Returns at once.
///
/// When this returns `AUTHING_MFA_OK` the call is accepted and `callback`
/// will be called exactly once (success, failure, cancellation or shutdown),
/// with `user_data` passed back untouched. Errors in `params_json` (bad JSON,
/// unknown or missing keys) arrive through the callback like every other
/// failure. When it returns anything else the callback is never called
/// (`authing_mfa_call_async_ex` also gives the error JSON of such a
/// refusal).
///
/// `out_op` may be NULL. If not, `*out_op` receives a handle for
/// `authing_mfa_op_cancel` that you must release with `authing_mfa_op_free`;
/// on failure it is set to NULL.
///
/// The strings are copied before this returns. The client may be freed while
/// its operations are in flight: they keep what they need and complete.
///
/// Statuses: `AUTHING_MFA_OK`; `AUTHING_MFA_ERR_NULL_ARGUMENT` (`client`,
/// `method` or `callback`); `AUTHING_MFA_ERR_INVALID_UTF8` (`method` or
/// `params_json`); `AUTHING_MFA_ERR_INVALID_ARGUMENT` (unknown method);
/// `AUTHING_MFA_ERR_SHUTDOWN` (after `authing_mfa_shutdown`);
/// `AUTHING_MFA_ERR_PANIC`. Thread-safe; may be called from a callback.
///
/// # Safety
/// Pointers are NULL or valid; `callback` is a valid function for as long as
/// the operation runs.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_call_async(
    client: *const authing_mfa_client,
    method: *const c_char,
    params_json: *const c_char,
    callback: authing_mfa_callback,
    user_data: *mut c_void,
    out_op: *mut *mut authing_mfa_op,
) -> authing_mfa_status {
    // SAFETY: as documented; a NULL out_error_json is never written.
    unsafe {
        authing_mfa_call_async_ex(
            client,
            method,
            params_json,
            callback,
            user_data,
            out_op,
            std::ptr::null_mut(),
        )
    }
}

/// `authing_mfa_call_async` with the error JSON of a refusal: when the call
/// is not accepted, `*out_error_json`, when `out_error_json` is not NULL,
/// receives the error JSON (free with `authing_mfa_string_free`); it is set
/// to NULL on entry and when the call is accepted (the outcome of an
/// accepted call always comes through the callback). An extension of the
/// specified API, so that bindings need not make up their own messages for
/// an unknown method, a shutdown library or a NULL argument.
///
/// Statuses: as `authing_mfa_call_async`. Thread-safe; may be called from a
/// callback.
///
/// # Safety
/// As for `authing_mfa_call_async`; `out_error_json` is NULL or valid for
/// writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_call_async_ex(
    client: *const authing_mfa_client,
    method: *const c_char,
    params_json: *const c_char,
    callback: authing_mfa_callback,
    user_data: *mut c_void,
    out_op: *mut *mut authing_mfa_op,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: pointers as documented, used only during this call (the
    // strings are copied before the operation starts).
    let (client, method, params, out_op, err) = unsafe {
        (
            client_arg(client),
            c_str(method),
            c_str(params_json),
            Out::new(out_op),
            ErrOut::new(out_error_json),
        )
    };
    run(err, || {
        let client = client.get()?.clone();
        let name = method.required("method")?;
        let params = params.optional("params_json")?.map(str::to_owned);
        let callback =
            callback.ok_or_else(|| Error::new(ErrorKind::NullArgument, "`callback` must not be NULL"))?;
        let op = Operation::resolve(name)?;
        let user = UserData(user_data);
        let token = runtime::spawn(
            async move { client.call_op(op, params.as_deref()).await },
            move |result| deliver(callback, user, result),
        )?;
        out_op.put_box(Box::new(authing_mfa_op { token }));
        Ok(())
    })
}

/// Cancels an operation: if its answer has not come yet, the callback fires
/// (soon, on a library thread) with `AUTHING_MFA_ERR_CANCELLED`; otherwise
/// nothing happens. Idempotent; NULL is a no-op; safe from any thread and
/// from callbacks. A request already sent may still have reached the server.
///
/// # Safety
/// `op` is NULL or a handle not yet freed.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_op_cancel(op: *const authing_mfa_op) {
    // SAFETY: the caller promises a live handle or NULL.
    if let Some(op) = unsafe { op.as_ref() } {
        let _ = run_no_error(|| {
            op.token.cancel();
            Ok(())
        });
    }
}

/// Releases an operation handle. Does not cancel the operation (its callback
/// still fires). NULL is a no-op. Do not use the handle afterwards.
///
/// # Safety
/// `op` is NULL or a handle from `authing_mfa_call_async`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_op_free(op: *mut authing_mfa_op) {
    if !op.is_null() {
        // SAFETY: made by Box::into_raw in authing_mfa_call_async, and not
        // used again by the caller.
        let handle = unsafe { Box::from_raw(op) };
        let _ = run_no_error(|| {
            drop(handle);
            Ok(())
        });
    }
}

/// Shuts the library down: cancels every operation in flight (async
/// callbacks fire with `AUTHING_MFA_ERR_SHUTDOWN`, blocking calls return
/// it), waits up to `timeout_ms` for them to end, fires the callbacks of any
/// that did not end in time from this thread, and stops the I/O threads.
/// Afterwards every call that needs the network returns
/// `AUTHING_MFA_ERR_SHUTDOWN`; there is no restart. Idempotent.
///
/// Blocks for at most about `timeout_ms`. Call it before unloading the
/// library or at process exit if you want a clean stop. Hosts whose runtime
/// stops accepting callbacks at exit (Python, JVMs, ...) must cancel their
/// calls in flight, or call this, before they finalize: a callback firing
/// into a finalized interpreter can crash the process.
///
/// Statuses: `AUTHING_MFA_OK`; `AUTHING_MFA_ERR_WOULD_DEADLOCK` (called
/// from a callback or another thread that runs async tasks; nothing is done);
/// `AUTHING_MFA_ERR_PANIC`.
#[no_mangle]
pub extern "C" fn authing_mfa_shutdown(timeout_ms: u32) -> authing_mfa_status {
    run_no_error(|| runtime::shutdown(Duration::from_millis(u64::from(timeout_ms))))
}
