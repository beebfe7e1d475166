package authingmfa

import com.sun.jna.Callback
import com.sun.jna.CallbackThreadInitializer
import com.sun.jna.JNIEnv
import com.sun.jna.Library
import com.sun.jna.Native
import com.sun.jna.Pointer
import com.sun.jna.ptr.PointerByReference

/**
 * The C API of `include/authing_mfa.h`, as JNA maps it. Internal: the
 * binding's public surface is [Client], [AuthingMfa] and [Totp].
 *
 * Strings going in are `String` (encoded as UTF-8: the library is loaded with
 * `OPTION_STRING_ENCODING` UTF-8, whatever the JVM's default charset); every
 * string coming out is a [Pointer], decoded as UTF-8 by [utf8] and freed with
 * `authing_mfa_string_free` when the library owns it, never by JNA.
 */
@Suppress("FunctionName", "LocalVariableName")
internal interface NativeLib : Library {
    /** `authing_mfa_callback`: user_data, status, result_or_error_json (borrowed). */
    fun interface AsyncCallback : Callback {
        fun invoke(userData: Pointer?, status: Int, json: Pointer?)
    }

    /** `authing_mfa_log_callback`: user_data, level, message (borrowed). */
    fun interface LogCallback : Callback {
        fun invoke(userData: Pointer?, level: Int, message: Pointer?)
    }

    fun authing_mfa_client_new(options_json: String?, out_client: PointerByReference, out_error_json: PointerByReference?): Int
    fun authing_mfa_client_free(client: Pointer?)
    fun authing_mfa_client_set_token_ex(client: Pointer, token: String?, out_error_json: PointerByReference?): Int
    fun authing_mfa_client_set_access_token(client: Pointer, access_token: String?, out_error_json: PointerByReference?): Int
    fun authing_mfa_client_set_current_user(client: Pointer, user_json: String, out_error_json: PointerByReference?): Int
    fun authing_mfa_client_get_current_user(client: Pointer, out_user_json: PointerByReference): Int
    fun authing_mfa_client_clear_current_user(client: Pointer): Int

    fun authing_mfa_call(client: Pointer, method: String, params_json: String?, out_result_json: PointerByReference, out_error_json: PointerByReference?): Int
    fun authing_mfa_call_async_ex(
        client: Pointer,
        method: String,
        params_json: String?,
        callback: AsyncCallback,
        user_data: Pointer?,
        out_op: PointerByReference?,
        out_error_json: PointerByReference?,
    ): Int
    fun authing_mfa_op_cancel(op: Pointer?)
    fun authing_mfa_op_free(op: Pointer?)
    fun authing_mfa_shutdown(timeout_ms: Int): Int
    fun authing_mfa_set_log_callback(max_level: Int, callback: LogCallback?, user_data: Pointer?): Int

    fun authing_mfa_version(): Pointer
    fun authing_mfa_operations(): Pointer
    fun authing_mfa_status_name(status: Int): Pointer
    fun authing_mfa_string_free(s: Pointer?)

    fun authing_mfa_totp_generate(secret_base32: String, unix_time: Long, out_code: PointerByReference, out_error_json: PointerByReference?): Int
    fun authing_mfa_totp_generate_now(secret_base32: String, out_code: PointerByReference, out_error_json: PointerByReference?): Int
    fun authing_mfa_totp_parse_uri(otpauth_uri: String, out_json: PointerByReference, out_error_json: PointerByReference?): Int
}

/**
 * `authing_mfa_android_init`, in an interface of its own: it is the one
 * function that takes a Java object (the `Context`, passed as a JNI
 * reference), which JNA allows only with `OPTION_ALLOW_OBJECTS`; the
 * `JNIEnv *` is the calling thread's ([JNIEnv.CURRENT]).
 */
@Suppress("FunctionName", "LocalVariableName")
internal interface AndroidLib : Library {
    fun authing_mfa_android_init(jni_env: JNIEnv, context: Any?, out_error_json: PointerByReference?): Int
}

internal object Ffi {
    /**
     * Loaded on first use: `System.getProperty("authing.mfa.library")` (a
     * full path) if set, else `authing_mfa` found by JNA (`jna.library.path`,
     * the system's library path, or on Android the app's `jniLibs`).
     */
    val lib: NativeLib by lazy {
        Native.load(libraryName(), NativeLib::class.java, mapOf(Library.OPTION_STRING_ENCODING to "UTF-8"))
    }

    /** The same library as [lib], mapped to pass Java objects (see [AndroidLib]). */
    val android: AndroidLib by lazy {
        Native.load(
            libraryName(),
            AndroidLib::class.java,
            mapOf(Library.OPTION_STRING_ENCODING to "UTF-8", Library.OPTION_ALLOW_OBJECTS to true),
        )
    }

    private fun libraryName(): String =
        System.getProperty("authing.mfa.library")?.takeIf { it.isNotEmpty() } ?: "authing_mfa"

    /** Decodes a NUL-terminated UTF-8 string the library returned. */
    fun utf8(p: Pointer): String = p.getString(0, "UTF-8")

    /** Takes ownership of the string in [ref] (if any): decodes it, then frees it. */
    fun take(ref: PointerByReference?): String? {
        val p = ref?.value ?: return null
        try {
            return utf8(p)
        } finally {
            lib.authing_mfa_string_free(p)
        }
    }

    /**
     * The library's two I/O threads call [NativeLib.AsyncCallback]s. JNA
     * attaches such a thread to the JVM on its first callback; keeping it
     * attached (as a daemon, so it never holds the JVM open) spares an
     * attach and detach per completed call. JNA detaches it when the thread
     * ends (after [AuthingMfa.shutdown]).
     */
    fun keepAttached(cb: Callback, name: String) {
        Native.setCallbackThreadInitializer(cb, CallbackThreadInitializer(true, false, name))
    }
}
