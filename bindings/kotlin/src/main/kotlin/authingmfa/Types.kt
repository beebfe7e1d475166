package authingmfa

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.intOrNull
import kotlinx.serialization.json.longOrNull
import kotlinx.serialization.json.put

/**
 * The options of a [Client]: the options JSON of `authing_mfa_client_new`.
 * A null field is left out (the library's default). [toString] hides
 * [token], [accessToken] and [appSecret].
 */
data class ClientOptions @JvmOverloads constructor(
    val userPoolId: String? = null,
    val appId: String? = null,
    val tenantId: String? = null,
    /** The base URL, e.g. `https://example.authing.cn`; wins over [host]. */
    val appHost: String? = null,
    val host: String? = null,
    /** `zh-CN` (the library's default) or `en-US`: the language of the server's messages. */
    val lang: String? = null,
    /** The deadline of a whole call, in milliseconds (library default 30000). */
    val timeout: Long? = null,
    val requestFrom: String? = null,
    /** The initial user token. */
    val token: String? = null,
    /** Allow plain http:// to a host that is not loopback. */
    val allowInsecureHttp: Boolean? = null,
    /** Extra PEM certificates to trust. */
    val caCertPem: String? = null,
    val maxResponseBytes: Long? = null,
    /** How often a GET is retried (0 to 10, library default 2). */
    val maxRetries: Int? = null,
    /** The RSA public key of the password logins (PEM or base64 DER). */
    val publicKey: String? = null,
    /** The v3 access token. */
    val accessToken: String? = null,
    /** A native app should hold no secret: leave it out. */
    val appSecret: String? = null,
    /** `client_secret_post`, `client_secret_basic` or `none`. */
    val tokenEndPointAuthMethod: String? = null,
) {
    /** The options JSON the library reads. */
    fun toJson(): String = buildJsonObject {
        userPoolId?.let { put("userPoolId", it) }
        appId?.let { put("appId", it) }
        tenantId?.let { put("tenantId", it) }
        appHost?.let { put("appHost", it) }
        host?.let { put("host", it) }
        lang?.let { put("lang", it) }
        timeout?.let { put("timeout", it) }
        requestFrom?.let { put("requestFrom", it) }
        token?.let { put("token", it) }
        allowInsecureHttp?.let { put("allowInsecureHttp", it) }
        caCertPem?.let { put("caCertPem", it) }
        maxResponseBytes?.let { put("maxResponseBytes", it) }
        maxRetries?.let { put("maxRetries", it) }
        publicKey?.let { put("publicKey", it) }
        accessToken?.let { put("accessToken", it) }
        appSecret?.let { put("appSecret", it) }
        tokenEndPointAuthMethod?.let { put("tokenEndPointAuthMethod", it) }
    }.toString()

    override fun toString(): String =
        "ClientOptions(userPoolId=$userPoolId, appId=$appId, tenantId=$tenantId, appHost=$appHost, host=$host, " +
            "lang=$lang, timeout=$timeout, requestFrom=$requestFrom, token=${redact(token)}, " +
            "allowInsecureHttp=$allowInsecureHttp, caCertPem=${caCertPem?.let { "[${it.length} chars]" }}, " +
            "maxResponseBytes=$maxResponseBytes, maxRetries=$maxRetries, publicKey=${publicKey?.let { "[${it.length} chars]" }}, " +
            "accessToken=${redact(accessToken)}, appSecret=${redact(appSecret)}, tokenEndPointAuthMethod=$tokenEndPointAuthMethod)"
}

internal fun redact(s: String?): String = if (s.isNullOrEmpty()) "null" else "[redacted]"

internal val lenientJson = Json { ignoreUnknownKeys = true }

internal fun parseJson(text: String): JsonElement = lenientJson.parseToJsonElement(text)

// ---- small readers over the JSON tree (hand-written decoders) ----

internal fun JsonObject.str(key: String): String? =
    (this[key] as? JsonPrimitive)?.takeIf { it !is JsonNull }?.let { if (it.isString) it.content else it.content }

internal fun JsonObject.bool(key: String): Boolean? = (this[key] as? JsonPrimitive)?.booleanOrNull

internal fun JsonObject.int(key: String): Int? = (this[key] as? JsonPrimitive)?.intOrNull

internal fun JsonObject.long(key: String): Long? = (this[key] as? JsonPrimitive)?.longOrNull

internal fun JsonElement.obj(what: String): JsonObject =
    this as? JsonObject ?: throw decodeError("$what: expected a JSON object")

internal fun JsonElement.arr(what: String): JsonArray =
    this as? JsonArray ?: throw decodeError("$what: expected a JSON array")

internal fun decodeError(message: String): AuthingDecodeException =
    AuthingDecodeException(AuthingException.Args("AUTHING_MFA_ERR_DECODE", 14, message, null, null, null, null))

/**
 * A user, as the logins and the second-factor verifications return it.
 * [raw] holds every field the server sent. [toString] hides [token].
 */
data class User(
    val id: String?,
    val arn: String?,
    val userPoolId: String?,
    val status: String?,
    val username: String?,
    val email: String?,
    val emailVerified: Boolean?,
    val phone: String?,
    val phoneVerified: Boolean?,
    val phoneCountryCode: String?,
    val nickname: String?,
    val photo: String?,
    /** The user token: a secret. */
    val token: String?,
    val tokenExpiredAt: String?,
    val loginsCount: Int?,
    val lastLogin: String?,
    val lastIP: String?,
    val signedUp: String?,
    val blocked: Boolean?,
    val createdAt: String?,
    val updatedAt: String?,
    val raw: JsonObject,
) {
    override fun toString(): String =
        "User(id=$id, username=$username, email=$email, phone=$phone, userPoolId=$userPoolId, " +
            "token=${redact(token)}, tokenExpiredAt=$tokenExpiredAt, raw=[${raw.size} fields])"

    companion object {
        @JvmStatic
        fun fromJson(e: JsonElement): User {
            val o = e.obj("user")
            return User(
                o.str("id"), o.str("arn"), o.str("userPoolId"), o.str("status"), o.str("username"),
                o.str("email"), o.bool("emailVerified"), o.str("phone"), o.bool("phoneVerified"),
                o.str("phoneCountryCode"), o.str("nickname"), o.str("photo"), o.str("token"),
                o.str("tokenExpiredAt"), o.int("loginsCount"), o.str("lastLogin"), o.str("lastIP"),
                o.str("signedUp"), o.bool("blocked"), o.str("createdAt"), o.str("updatedAt"), o,
            )
        }
    }
}

/** A TOTP authenticator of `getMfaAuthenticators`. [toString] hides [secret] and [recoveryCode]. */
data class Authenticator(
    val id: String?,
    val createdAt: String?,
    val updatedAt: String?,
    val userId: String?,
    val enable: Boolean?,
    val secret: String?,
    val authenticatorType: String?,
    val recoveryCode: String?,
    val source: String?,
    val raw: JsonObject,
) {
    override fun toString(): String =
        "Authenticator(id=$id, userId=$userId, enable=$enable, authenticatorType=$authenticatorType, " +
            "source=$source, secret=${redact(secret)}, recoveryCode=${redact(recoveryCode)})"

    companion object {
        @JvmStatic
        fun fromJson(e: JsonElement): Authenticator {
            val o = e.obj("authenticator")
            return Authenticator(
                o.str("id"), o.str("createdAt"), o.str("updatedAt"), o.str("userId"), o.bool("enable"),
                o.str("secret"), o.str("authenticatorType"), o.str("recoveryCode"), o.str("source"), o,
            )
        }
    }
}

/**
 * The answer of `assosicateMfaAuthenticator`: the secret to show as a QR
 * code and the recovery code. [toString] hides the secrets.
 */
data class AssociateResult(
    val authenticatorType: String?,
    val secret: String,
    /** `otpauth://totp/...`: holds the secret. */
    val qrcodeUri: String?,
    val qrcodeDataUrl: String?,
    val recoveryCode: String?,
    val raw: JsonObject,
) {
    override fun toString(): String =
        "AssociateResult(authenticatorType=$authenticatorType, secret=[redacted], qrcodeUri=${redact(qrcodeUri)}, " +
            "qrcodeDataUrl=${qrcodeDataUrl?.let { "[${it.length} chars]" }}, recoveryCode=${redact(recoveryCode)})"

    companion object {
        @JvmStatic
        fun fromJson(e: JsonElement): AssociateResult {
            val o = e.obj("association")
            return AssociateResult(
                o.str("authenticator_type"),
                o.str("secret") ?: throw decodeError("association: no secret"),
                o.str("qrcode_uri"), o.str("qrcode_data_url"), o.str("recovery_code"), o,
            )
        }
    }
}

/** The answer of `verifyTotpRecoveryCode`: the user and the new recovery code (the used one is dead). */
data class RecoveryOutcome(val user: User, val recoveryCode: String?, val raw: JsonObject) {
    override fun toString(): String = "RecoveryOutcome(user=$user, recoveryCode=${redact(recoveryCode)})"

    companion object {
        @JvmStatic
        fun fromJson(e: JsonElement): RecoveryOutcome {
            val o = e.obj("recovery outcome")
            val user = o["user"] ?: throw decodeError("recovery outcome: no user")
            return RecoveryOutcome(User.fromJson(user), o.str("recoveryCode"), o)
        }
    }
}

/**
 * `{code, message}` (v2) or `{statusCode, message}` (v3) from the server:
 * [code] is whichever was sent.
 */
data class ServerStatus(val code: Int?, val message: String?, val raw: JsonObject) {
    companion object {
        @JvmStatic
        fun fromJson(e: JsonElement): ServerStatus {
            val o = e.obj("status")
            return ServerStatus(o.int("code") ?: o.int("statusCode"), o.str("message"), o)
        }
    }
}

/** An enrolled v3 factor. */
data class Factor(val factorId: String?, val factorType: String?, val profile: JsonObject?, val raw: JsonObject) {
    companion object {
        @JvmStatic
        fun fromJson(e: JsonElement): Factor {
            val o = e.obj("factor")
            return Factor(o.str("factorId"), o.str("factorType"), o["profile"] as? JsonObject, o)
        }
    }
}

/** The OTP part of [EnrollFactorRequestResult]. [toString] hides the secrets. */
data class OtpData(val qrCodeUri: String?, val qrCodeDataUrl: String?, val recoveryCode: String?, val raw: JsonObject) {
    override fun toString(): String =
        "OtpData(qrCodeUri=${redact(qrCodeUri)}, qrCodeDataUrl=${qrCodeDataUrl?.let { "[${it.length} chars]" }}, " +
            "recoveryCode=${redact(recoveryCode)})"
}

/** The answer of `sendEnrollFactorRequest`. [toString] hides the enrollment token. */
data class EnrollFactorRequestResult(val enrollmentToken: String?, val otpData: OtpData?, val raw: JsonObject) {
    override fun toString(): String =
        "EnrollFactorRequestResult(enrollmentToken=${redact(enrollmentToken)}, otpData=$otpData)"

    companion object {
        @JvmStatic
        fun fromJson(e: JsonElement): EnrollFactorRequestResult {
            val o = e.obj("enroll factor request")
            val otp = (o["otpData"] as? JsonObject)?.let {
                OtpData(it.str("qrCodeUri"), it.str("qrCodeDataUrl"), it.str("recoveryCode"), it)
            }
            return EnrollFactorRequestResult(o.str("enrollmentToken"), otp, o)
        }
    }
}

/** An `otpauth://totp/...` URI, parsed by the library. [toString] hides [secret]. */
data class TotpUri(
    val secret: String,
    val issuer: String?,
    val account: String?,
    val digits: Int,
    val period: Int,
    val algorithm: String,
) {
    override fun toString(): String =
        "TotpUri(secret=[redacted], issuer=$issuer, account=$account, digits=$digits, period=$period, algorithm=$algorithm)"

    companion object {
        internal fun fromJson(e: JsonElement): TotpUri {
            val o = e.obj("otpauth URI")
            return TotpUri(
                o.str("secret") ?: throw decodeError("otpauth URI: no secret"), o.str("issuer"), o.str("account"),
                o.int("digits") ?: 6, o.int("period") ?: 30, o.str("algorithm") ?: "SHA1",
            )
        }
    }
}

/** One entry of `authing_mfa_operations()`: an operation the loaded library runs. */
data class OperationInfo(
    val name: String,
    val aliases: List<String>,
    val cFunction: String,
    val keys: List<String>,
    val http: String,
    val token: String,
    val requiresArgument: Boolean,
)
