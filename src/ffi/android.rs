//! Android: hands the platform certificate verifier the JVM and the app's
//! `Context` it needs (rustls-platform-verifier calls Android's own
//! `X509TrustManager` through JNI, so user- and enterprise-installed CAs and
//! the app's network security configuration count).
//!
//! The function exists on every platform so that the header and the
//! bindings are the same everywhere; off Android it only checks its
//! arguments, because the verifier there needs no initialisation.

use crate::core::error::{Error, ErrorKind};
use crate::ffi::boundary::{run, ErrOut};
use crate::ffi::status::authing_mfa_status;
use std::ffi::{c_char, c_void};

/// Lets clients use Android's own certificate verifier: call it once, early
/// (for example in `Application.onCreate`), with the calling thread's
/// `JNIEnv *` and any `android.content.Context` (the application context is
/// best: it is kept as a global reference for the life of the process).
///
/// On Android, clients created before this call, or when it was never made,
/// check certificates against the system store as rustls-native-certs reads
/// it (Mozilla's roots when it has none): user-installed CAs and the app's
/// network security configuration are then ignored. Clients created after a
/// successful call use the platform verifier, with `caCertPem` still adding
/// roots. The app must also ship the small Kotlin component of
/// rustls-platform-verifier (the Maven artifact
/// `rustls:rustls-platform-verifier`, bundled in this library's AAR) and keep
/// its classes from R8 (the AAR's consumer rules do); without it, handshakes
/// fail with `AUTHING_MFA_ERR_NETWORK`. Calling it again is harmless: the
/// first successful call's context is kept.
///
/// On every other platform the platform verifier needs no initialisation:
/// the call checks its arguments and returns `AUTHING_MFA_OK`, so that code
/// shared between Android and the JVM or desktop can call it everywhere.
///
/// Statuses: `AUTHING_MFA_OK`; `AUTHING_MFA_ERR_NULL_ARGUMENT` (`jni_env`
/// or `context`); `AUTHING_MFA_ERR_INVALID_ARGUMENT` (Android only: the
/// JVM refused, e.g. `context` is not a `Context`; the message names the
/// JNI error). Error JSON in `*out_error_json` when it is not NULL.
/// Thread-safe; it makes a few JNI calls and never touches the network.
///
/// # Safety
/// `jni_env` is NULL or the calling thread's valid `JNIEnv *`; `context` is
/// NULL or a valid (local or global) reference to an
/// `android.content.Context` for the duration of the call.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_android_init(
    jni_env: *mut c_void,
    context: *mut c_void,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: as documented, used only during this call.
    let err = unsafe { ErrOut::new(out_error_json) };
    if jni_env.is_null() || context.is_null() {
        let which = if jni_env.is_null() { "jni_env" } else { "context" };
        return run(err, || {
            Err(Error::new(
                ErrorKind::NullArgument,
                format!("`{which}` must not be NULL"),
            ))
        });
    }
    // SAFETY: both pointers are non-NULL and valid per the contract above.
    run(err, || unsafe { init(jni_env, context) })
}

#[cfg(target_os = "android")]
unsafe fn init(jni_env: *mut c_void, context: *mut c_void) -> Result<(), Error> {
    use jni::objects::JObject;
    use jni::{EnvUnowned, Outcome};
    // SAFETY: the caller's thread is attached and `jni_env` is its JNIEnv
    // (the contract of `authing_mfa_android_init`); the stack frame it
    // belongs to outlives this call.
    let mut env = unsafe { EnvUnowned::from_raw(jni_env.cast::<jni::sys::JNIEnv>()) };
    let outcome = env
        .with_env(|env| -> Result<(), jni::errors::Error> {
            // SAFETY: `context` is a valid reference for this call.
            let context = unsafe { JObject::from_raw(env, context.cast()) };
            let result = rustls_platform_verifier::android::init_with_env(env, context);
            // An object that is not a Context makes `getClassLoader` throw:
            // the status reports it, and the caller's Java code must not
            // meet a pending exception on return.
            if result.is_err() && env.exception_check() {
                env.exception_clear();
            }
            result
        })
        .into_outcome();
    match outcome {
        Outcome::Ok(()) => {
            crate::core::tls::android_verifier_ready();
            Ok(())
        }
        Outcome::Err(e) => Err(Error::invalid_argument(format!(
            "authing_mfa_android_init: the JVM refused: {e}"
        ))),
        Outcome::Panic(_) => Err(Error::new(
            ErrorKind::Panic,
            "internal error in authing-mfa (please report): panic in authing_mfa_android_init",
        )),
    }
}

/// Off Android there is nothing to initialise (see the function's doc).
#[cfg(not(target_os = "android"))]
unsafe fn init(_jni_env: *mut c_void, _context: *mut c_void) -> Result<(), Error> {
    Ok(())
}
