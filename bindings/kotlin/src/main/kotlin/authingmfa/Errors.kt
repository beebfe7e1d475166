package authingmfa

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.intOrNull
import kotlinx.serialization.json.jsonPrimitive

/**
 * An error of the library: the error JSON of the C API
 * (`{"status", "message", "code", "httpStatus", "data", "requestId"?}`) as an
 * exception. One subclass per status of `authing_mfa.h`, chosen by the
 * status name; an unknown status (a newer library) is this base class.
 *
 * [message] is the library's message, which never holds a secret; [toString]
 * shows the status, message, code and HTTP status but never [data], which
 * can hold an `mfaToken` (for code 1635 or 1636).
 */
open class AuthingException(
    /** The status name, e.g. `AUTHING_MFA_ERR_API`. */
    val status: String,
    /** The status value, e.g. 10 (-1 when the error JSON named an unknown status). */
    val statusValue: Int,
    message: String,
    /** The server's code (Authing's envelope `code`, v3 `apiCode`/`statusCode`), or null. */
    val code: Int?,
    /** The HTTP status of the answer, or null. */
    val httpStatus: Int?,
    /** The envelope's `data` (for 1635/1636: `mfaToken`, ...), or null. May hold secrets. */
    val data: JsonElement?,
    /** The v3 `requestId`, or null. */
    val requestId: String?,
) : RuntimeException(message) {
    override val message: String get() = super.message ?: ""

    /** The `mfaToken` of a login that needs a second factor (code 1635 or 1636), else null. */
    val mfaToken: String?
        get() = ((data as? JsonObject)?.get("mfaToken") as? JsonPrimitive)?.takeIf { it.isString }?.content

    override fun toString(): String = buildString {
        append(this@AuthingException::class.java.simpleName).append('[').append(status)
        code?.let { append(", code=").append(it) }
        httpStatus?.let { append(", httpStatus=").append(it) }
        requestId?.let { append(", requestId=").append(it) }
        append("]: ").append(message)
    }

    companion object {
        /** Code of a login that needs the user's own second factor (data.mfaToken). */
        const val CODE_MFA_REQUIRED = 1635
        /** Code of a login that needs the application's second factor (data.mfaToken). */
        const val CODE_APP_MFA_REQUIRED = 1636
        /** A wrong or replayed TOTP code. */
        const val CODE_WRONG_TOTP = 6001
        /** A wrong or used recovery code. */
        const val CODE_WRONG_RECOVERY_CODE = 6002

        private val json = Json { ignoreUnknownKeys = true }

        /** Builds the exception for [statusValue] from the library's error JSON. */
        internal fun from(statusValue: Int, errorJson: String?): AuthingException {
            val obj = try {
                errorJson?.let { json.parseToJsonElement(it) as? JsonObject }
            } catch (_: Exception) {
                null
            }
            val name = (obj?.get("status") as? JsonPrimitive)?.takeIf { it.isString }?.content
                ?: AuthingMfa.statusName(statusValue)
            val message = (obj?.get("message") as? JsonPrimitive)?.content
                ?: "$name (no error details from the library)"
            val code = obj?.get("code")?.let { if (it is JsonNull) null else it.jsonPrimitive.intOrNull }
            val http = obj?.get("httpStatus")?.let { if (it is JsonNull) null else it.jsonPrimitive.intOrNull }
            val data = obj?.get("data")?.takeIf { it !is JsonNull }
            val requestId = (obj?.get("requestId") as? JsonPrimitive)?.takeIf { it.isString }?.content
            val value = STATUS_VALUES[name] ?: statusValue
            val a = Args(name, value, message, code, http, data, requestId)
            return when (name) {
                "AUTHING_MFA_ERR_NULL_ARGUMENT" -> AuthingNullArgumentException(a)
                "AUTHING_MFA_ERR_INVALID_UTF8" -> AuthingInvalidUtf8Exception(a)
                "AUTHING_MFA_ERR_INVALID_JSON" -> AuthingInvalidJsonException(a)
                "AUTHING_MFA_ERR_INVALID_ARGUMENT" -> AuthingInvalidArgumentException(a)
                "AUTHING_MFA_ERR_API" -> AuthingApiException(a)
                "AUTHING_MFA_ERR_HTTP_STATUS" -> AuthingHttpStatusException(a)
                "AUTHING_MFA_ERR_NETWORK" -> AuthingNetworkException(a)
                "AUTHING_MFA_ERR_TIMEOUT" -> AuthingTimeoutException(a)
                "AUTHING_MFA_ERR_DECODE" -> AuthingDecodeException(a)
                "AUTHING_MFA_ERR_IO" -> AuthingIoException(a)
                "AUTHING_MFA_ERR_CANCELLED" -> AuthingCancelledException(a)
                "AUTHING_MFA_ERR_SHUTDOWN" -> AuthingShutdownException(a)
                "AUTHING_MFA_ERR_WOULD_DEADLOCK" -> AuthingWouldDeadlockException(a)
                "AUTHING_MFA_ERR_FORKED" -> AuthingForkedException(a)
                "AUTHING_MFA_ERR_PANIC" -> AuthingPanicException(a)
                else -> AuthingException(a.status, a.value, a.message, a.code, a.httpStatus, a.data, a.requestId)
            }
        }

        /** The statuses of `authing_mfa.h` (stable forever). */
        val STATUS_VALUES: Map<String, Int> = mapOf(
            "AUTHING_MFA_OK" to 0,
            "AUTHING_MFA_ERR_NULL_ARGUMENT" to 1,
            "AUTHING_MFA_ERR_INVALID_UTF8" to 2,
            "AUTHING_MFA_ERR_INVALID_JSON" to 3,
            "AUTHING_MFA_ERR_INVALID_ARGUMENT" to 4,
            "AUTHING_MFA_ERR_API" to 10,
            "AUTHING_MFA_ERR_HTTP_STATUS" to 11,
            "AUTHING_MFA_ERR_NETWORK" to 12,
            "AUTHING_MFA_ERR_TIMEOUT" to 13,
            "AUTHING_MFA_ERR_DECODE" to 14,
            "AUTHING_MFA_ERR_IO" to 15,
            "AUTHING_MFA_ERR_CANCELLED" to 16,
            "AUTHING_MFA_ERR_SHUTDOWN" to 17,
            "AUTHING_MFA_ERR_WOULD_DEADLOCK" to 18,
            "AUTHING_MFA_ERR_FORKED" to 19,
            "AUTHING_MFA_ERR_PANIC" to 99,
        )
    }

    /** The fields of an error JSON, passed to the subclasses' constructors. */
    class Args internal constructor(
        internal val status: String,
        internal val value: Int,
        internal val message: String,
        internal val code: Int?,
        internal val httpStatus: Int?,
        internal val data: JsonElement?,
        internal val requestId: String?,
    )
}

/** AUTHING_MFA_ERR_NULL_ARGUMENT (1): a required argument was missing. */
class AuthingNullArgumentException internal constructor(a: AuthingException.Args) :
    AuthingException(a.status, a.value, a.message, a.code, a.httpStatus, a.data, a.requestId)

/** AUTHING_MFA_ERR_INVALID_UTF8 (2). */
class AuthingInvalidUtf8Exception internal constructor(a: AuthingException.Args) :
    AuthingException(a.status, a.value, a.message, a.code, a.httpStatus, a.data, a.requestId)

/** AUTHING_MFA_ERR_INVALID_JSON (3): params not an object, or a value of the wrong type. */
class AuthingInvalidJsonException internal constructor(a: AuthingException.Args) :
    AuthingException(a.status, a.value, a.message, a.code, a.httpStatus, a.data, a.requestId)

/** AUTHING_MFA_ERR_INVALID_ARGUMENT (4): unknown key, missing required key, bad value. */
open class AuthingInvalidArgumentException internal constructor(a: AuthingException.Args) :
    AuthingException(a.status, a.value, a.message, a.code, a.httpStatus, a.data, a.requestId)

/**
 * A call on a [Client] that was closed: refused by the binding before any
 * native call, with status AUTHING_MFA_ERR_INVALID_ARGUMENT (4), so that
 * `catch (e: AuthingInvalidArgumentException)` covers it. Bindings differ
 * here: Python reports AUTHING_MFA_ERR_NULL_ARGUMENT (what the library
 * would say of the freed, NULL handle) and Go a status of its own.
 */
class AuthingClientClosedException internal constructor() : AuthingInvalidArgumentException(
    AuthingException.Args("AUTHING_MFA_ERR_INVALID_ARGUMENT", 4, "the client is closed", null, null, null, null),
)

/**
 * AUTHING_MFA_ERR_API (10): the server answered with a code other than 200.
 * A login that needs a second factor is [code] 1635 or 1636 with [mfaToken].
 */
class AuthingApiException internal constructor(a: AuthingException.Args) :
    AuthingException(a.status, a.value, a.message, a.code, a.httpStatus, a.data, a.requestId) {
    /** True for 1635 and 1636: call a verify operation with [mfaToken]. */
    val isMfaRequired: Boolean get() = code == CODE_MFA_REQUIRED || code == CODE_APP_MFA_REQUIRED
}

/** AUTHING_MFA_ERR_HTTP_STATUS (11): a non-2xx answer ([httpStatus]; [code] from its envelope, if any). */
class AuthingHttpStatusException internal constructor(a: AuthingException.Args) :
    AuthingException(a.status, a.value, a.message, a.code, a.httpStatus, a.data, a.requestId)

/** AUTHING_MFA_ERR_NETWORK (12): connect, DNS, TLS, reset, or refused plain http. */
class AuthingNetworkException internal constructor(a: AuthingException.Args) :
    AuthingException(a.status, a.value, a.message, a.code, a.httpStatus, a.data, a.requestId)

/** AUTHING_MFA_ERR_TIMEOUT (13): the call outlived the client's `timeout`. */
class AuthingTimeoutException internal constructor(a: AuthingException.Args) :
    AuthingException(a.status, a.value, a.message, a.code, a.httpStatus, a.data, a.requestId)

/** AUTHING_MFA_ERR_DECODE (14): an unreadable or oversized answer. */
class AuthingDecodeException internal constructor(a: AuthingException.Args) :
    AuthingException(a.status, a.value, a.message, a.code, a.httpStatus, a.data, a.requestId)

/** AUTHING_MFA_ERR_IO (15): a local file could not be read. */
class AuthingIoException internal constructor(a: AuthingException.Args) :
    AuthingException(a.status, a.value, a.message, a.code, a.httpStatus, a.data, a.requestId)

/**
 * AUTHING_MFA_ERR_CANCELLED (16). Not what a cancelled coroutine sees: that
 * one ends with kotlinx.coroutines' `CancellationException`, as usual.
 */
class AuthingCancelledException internal constructor(a: AuthingException.Args) :
    AuthingException(a.status, a.value, a.message, a.code, a.httpStatus, a.data, a.requestId)

/** AUTHING_MFA_ERR_SHUTDOWN (17): after [AuthingMfa.shutdown]. */
class AuthingShutdownException internal constructor(a: AuthingException.Args) :
    AuthingException(a.status, a.value, a.message, a.code, a.httpStatus, a.data, a.requestId)

/** AUTHING_MFA_ERR_WOULD_DEADLOCK (18): a blocking call from a library thread. */
class AuthingWouldDeadlockException internal constructor(a: AuthingException.Args) :
    AuthingException(a.status, a.value, a.message, a.code, a.httpStatus, a.data, a.requestId)

/** AUTHING_MFA_ERR_FORKED (19). */
class AuthingForkedException internal constructor(a: AuthingException.Args) :
    AuthingException(a.status, a.value, a.message, a.code, a.httpStatus, a.data, a.requestId)

/** AUTHING_MFA_ERR_PANIC (99): a bug inside the library; please report it. */
class AuthingPanicException internal constructor(a: AuthingException.Args) :
    AuthingException(a.status, a.value, a.message, a.code, a.httpStatus, a.data, a.requestId)

/** An AUTHING_MFA_ERR_INVALID_ARGUMENT raised by the binding itself, before any native call. */
internal fun invalidArgument(message: String): AuthingInvalidArgumentException = AuthingInvalidArgumentException(
    AuthingException.Args("AUTHING_MFA_ERR_INVALID_ARGUMENT", 4, message, null, null, null, null),
)

/**
 * Returns [s], or throws [AuthingInvalidArgumentException] if it contains
 * NUL. JNA passes a String as a NUL-terminated C string, so C would read
 * only what precedes the NUL and silently act on a shorter value (a
 * different TOTP secret, another operation). The message names the
 * argument [what] but never quotes its value, which may be a secret.
 */
internal fun <T : String?> noNul(what: String, s: T): T {
    if (s != null && s.indexOf('\u0000') >= 0) throw invalidArgument("$what contains a NUL character")
    return s
}
