package authingmfa

import com.sun.jna.Pointer
import com.sun.jna.ptr.PointerByReference
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.ContinuationInterceptor
import kotlin.coroutines.coroutineContext

/**
 * An Authing MFA client over `libauthing_mfa` (`authing_mfa_client_*`).
 *
 * Every operation of the library is here twice: as a `suspend` function
 * (over `authing_mfa_call_async`; cancelling the coroutine cancels the
 * native call) and as `<name>Blocking` for Java callers (over
 * `authing_mfa_call`; it blocks the calling thread, so never call it on
 * Android's main thread). The names are the JS SDK's, misspellings
 * included (`assosicateMfaAuthenticator`), with the corrected spellings as
 * aliases.
 *
 * Thread-safe: one client may serve many coroutines and threads at once.
 * [close] never blocks: calls in flight (blocking calls on other threads,
 * async calls being started) finish normally, and the native client is
 * freed by whichever comes last, [close] or the last of those calls. Async
 * calls already started complete normally too (the library keeps what they
 * need). Calls after [close] throw [AuthingClientClosedException].
 */
class Client @JvmOverloads constructor(options: ClientOptions = ClientOptions()) : AutoCloseable {
    /*
     * Why not a read-write lock: a blocking call holds the native client for
     * up to the client's timeout, and a reader-writer lock makes [close]
     * wait for it; worse, readers that come after a waiting writer queue
     * behind it, so a suspend call, [isClosed] or [toString] on another
     * thread (Android's main thread) would block until that blocking call
     * ended. Instead (as the Go binding), each native call counts itself in
     * and out under [state]'s monitor, held only for a few field updates
     * and, at most, `authing_mfa_client_free` (which never blocks on the
     * network). The C API forbids freeing the client while another call
     * uses it; the count guarantees that: the client is freed exactly once,
     * when it is closed and no call is in flight, by [close] or by the last
     * call out, and the handle is cleared under the same monitor so no
     * later caller can reach it.
     *
     * The handle and the counters live in [state], not in the client, so
     * that [ClientCleaner] can hold them without holding the client: a
     * client collected without [close] is closed through the same path.
     */
    private val state: NativeClientState

    /** How many times this client's native handle was freed: 0 or 1 (for tests). */
    internal val nativeFrees: AtomicInteger get() = state.nativeFrees

    /** Native calls on this client in flight right now (for tests). */
    internal val callsInFlight: Int get() = state.callsInFlight

    /** This client's native state (for tests: it does not keep the client reachable). */
    internal val nativeState: NativeClientState get() = state

    init {
        val out = PointerByReference()
        val err = PointerByReference()
        val st = Ffi.lib.authing_mfa_client_new(options.toJson(), out, err)
        if (st != 0) throw AuthingException.from(st, Ffi.take(err))
        state = NativeClientState(out.value)
        ClientCleaner.register(this, state)
    }

    /** True once [close] ran. Never blocks. */
    val isClosed: Boolean get() = state.closed

    /**
     * Closes the client (idempotent) without waiting: calls in flight on
     * other threads finish normally, and the native client is freed when
     * the last of them returns (at once if there is none).
     *
     * Still the way to release a client: a client that is garbage-collected
     * without [close] has its native client freed too (see [ClientCleaner]),
     * but only when the garbage collector gets to it, which may be late or,
     * before the process exits, never.
     */
    override fun close() = state.close()

    override fun toString(): String = if (state.closed) "Client(closed)" else "Client(open)"

    /** Runs [f] with the live handle, counted in flight so that [close] cannot free it meanwhile. */
    private inline fun <T> withHandle(f: (Pointer) -> T): T {
        val h = state.acquire()
        try {
            return f(h)
        } finally {
            state.release()
        }
    }

    private inline fun check(f: (Pointer, PointerByReference) -> Int) {
        val err = PointerByReference()
        val st = withHandle { f(it, err) }
        if (st != 0) throw AuthingException.from(st, Ffi.take(err))
        Ffi.take(err)
    }

    // ---- token state (local, never blocks) ----

    /**
     * Sets the user token (null or "" clears it); the current user is kept.
     * A token containing NUL is refused ([AuthingInvalidArgumentException]):
     * C would read only what precedes it.
     */
    fun setToken(token: String?) {
        val t = noNul("token", token)
        check { h, err -> Ffi.lib.authing_mfa_client_set_token_ex(h, t, err) }
    }

    /** Sets the v3 access token (null or "" clears it); NUL is refused as for [setToken]. */
    fun setAccessToken(accessToken: String?) {
        val t = noNul("accessToken", accessToken)
        check { h, err -> Ffi.lib.authing_mfa_client_set_access_token(h, t, err) }
    }

    /** Stores the current user; its `token` becomes the user token (none: cleared). */
    fun setCurrentUser(user: JsonObject) =
        check { h, err -> Ffi.lib.authing_mfa_client_set_current_user(h, user.toString(), err) }

    /** Stores [user] (its [User.raw] object) as the current user. */
    fun setCurrentUser(user: User) = setCurrentUser(user.raw)

    /** The current user's JSON as stored, or null. */
    fun getCurrentUserJson(): JsonObject? {
        val out = PointerByReference()
        val st = withHandle { Ffi.lib.authing_mfa_client_get_current_user(it, out) }
        if (st != 0) throw AuthingException.from(st, null)
        val text = Ffi.take(out) ?: return null
        return parseJson(text) as? JsonObject
    }

    /** The current user (set by a login, a second factor, or [setCurrentUser]), or null. */
    fun getCurrentUser(): User? = getCurrentUserJson()?.let { User.fromJson(it) }

    /** Forgets the current user and the user token (nothing is sent). */
    fun clearCurrentUser() {
        val st = withHandle { Ffi.lib.authing_mfa_client_clear_current_user(it) }
        if (st != 0) throw AuthingException.from(st, null)
    }

    // ---- the generic entry points ----

    /**
     * Any operation by its JS name, with its argument object (null: no
     * argument): the result JSON of the C API. For operations this binding
     * does not name yet. A [method] containing NUL is refused
     * ([AuthingInvalidArgumentException]): C would read only what precedes
     * it and run that operation instead. [params] needs no such check: its
     * JSON text escapes NUL as `\u0000`, which the library decodes intact.
     */
    suspend fun call(method: String, params: JsonObject? = null): JsonElement = callSuspend(method, params?.toString())

    /** [call], blocking the calling thread. */
    @JvmOverloads
    fun callBlocking(method: String, params: JsonObject? = null): JsonElement = callBlockingRaw(method, params?.toString())

    /**
     * Starts the call with `authing_mfa_call_async_ex` and suspends until
     * its callback fires. The callback (on a library thread) only completes
     * the deferred; the coroutine resumes on its own dispatcher. A
     * coroutine without a dispatching dispatcher (`Dispatchers.Unconfined`,
     * an unconfined test dispatcher) would resume on the library thread, so
     * it awaits through [Dispatchers.Default] instead. Cancelling the
     * coroutine calls `authing_mfa_op_cancel`; the native callback then
     * fires with AUTHING_MFA_ERR_CANCELLED and is dropped.
     */
    internal suspend fun callSuspend(method: String, paramsJson: String?): JsonElement {
        noNul("method", method)
        val (id, deferred) = Async.register(this) // reachable until the callback fires
        val opRef = PointerByReference()
        val errRef = PointerByReference()
        val st = try {
            withHandle { Ffi.lib.authing_mfa_call_async_ex(it, method, paramsJson, Async.callback, Pointer(id), opRef, errRef) }
        } catch (e: Throwable) {
            Async.pending.remove(id)
            throw e
        }
        if (st != 0) {
            Async.pending.remove(id)
            throw AuthingException.from(st, Ffi.take(errRef))
        }
        val op = opRef.value
        try {
            val outcome = awaitOffLibraryThread(deferred)
            if (outcome.status != 0) throw AuthingException.from(outcome.status, outcome.json)
            return parseJson(outcome.json)
        } catch (e: CancellationException) {
            Ffi.lib.authing_mfa_op_cancel(op)
            throw e
        } finally {
            Ffi.lib.authing_mfa_op_free(op)
        }
    }

    private suspend fun awaitOffLibraryThread(d: CompletableDeferred<Outcome>): Outcome {
        val ctx = coroutineContext
        val dispatcher = ctx[ContinuationInterceptor] as? CoroutineDispatcher
        return if (dispatcher == null || !dispatcher.isDispatchNeeded(ctx)) {
            withContext(Dispatchers.Default) { d.await() }
        } else {
            d.await()
        }
    }

    /** `authing_mfa_call`: blocks the calling thread until the answer. */
    internal fun callBlockingRaw(method: String, paramsJson: String?): JsonElement {
        noNul("method", method)
        val out = PointerByReference()
        val err = PointerByReference()
        val st = withHandle { Ffi.lib.authing_mfa_call(it, method, paramsJson, out, err) }
        if (st != 0) {
            Ffi.take(out)
            throw AuthingException.from(st, Ffi.take(err))
        }
        Ffi.take(err)
        return parseJson(Ffi.take(out) ?: "null")
    }

    // ---- the operations (generated from the library's table; see OperationCatalogueTest) ----

    /** The user's MFA authenticators (token: mfaToken when given, else the user token). No argument at all sends the JS defaults `type=totp&source=SELF`. (`getMfaAuthenticators`) */
    suspend fun getMfaAuthenticators(type: String? = null, mfaToken: String? = null, source: String? = null): List<Authenticator> =
        decodeList(callSuspend("getMfaAuthenticators", optionalParams("type" to type, "mfaToken" to mfaToken, "source" to source))) { Authenticator.fromJson(it) }

    /** [getMfaAuthenticators], blocking the calling thread (for Java; never on a library thread). */
    @JvmOverloads
    fun getMfaAuthenticatorsBlocking(type: String? = null, mfaToken: String? = null, source: String? = null): List<Authenticator> =
        decodeList(callBlockingRaw("getMfaAuthenticators", optionalParams("type" to type, "mfaToken" to mfaToken, "source" to source))) { Authenticator.fromJson(it) }

    /** Starts binding a TOTP authenticator (the JS name, sic; [associateMfaAuthenticator] is the same). Not enforced until confirmed. (`assosicateMfaAuthenticator`) */
    suspend fun assosicateMfaAuthenticator(authenticatorType: String? = null, mfaToken: String? = null, source: String? = null): AssociateResult =
        AssociateResult.fromJson(callSuspend("assosicateMfaAuthenticator", optionalParams("authenticatorType" to authenticatorType, "mfaToken" to mfaToken, "source" to source)))

    /** [assosicateMfaAuthenticator], blocking the calling thread (for Java; never on a library thread). */
    @JvmOverloads
    fun assosicateMfaAuthenticatorBlocking(authenticatorType: String? = null, mfaToken: String? = null, source: String? = null): AssociateResult =
        AssociateResult.fromJson(callBlockingRaw("assosicateMfaAuthenticator", optionalParams("authenticatorType" to authenticatorType, "mfaToken" to mfaToken, "source" to source)))

    /** Same as [assosicateMfaAuthenticator]. */
    suspend fun associateMfaAuthenticator(authenticatorType: String? = null, mfaToken: String? = null, source: String? = null): AssociateResult = assosicateMfaAuthenticator(authenticatorType, mfaToken, source)

    /** Same as [assosicateMfaAuthenticatorBlocking]. */
    @JvmOverloads
    fun associateMfaAuthenticatorBlocking(authenticatorType: String? = null, mfaToken: String? = null, source: String? = null): AssociateResult = assosicateMfaAuthenticatorBlocking(authenticatorType, mfaToken, source)

    /** Unbinds the user's TOTP authenticator (user token). (`deleteMfaAuthenticator`) */
    suspend fun deleteMfaAuthenticator(): ServerStatus =
        ServerStatus.fromJson(callSuspend("deleteMfaAuthenticator", null))

    /** [deleteMfaAuthenticator], blocking the calling thread (for Java; never on a library thread). */
    fun deleteMfaAuthenticatorBlocking(): ServerStatus =
        ServerStatus.fromJson(callBlockingRaw("deleteMfaAuthenticator", null))

    /** Confirms a TOTP binding with a first code (the JS name, sic; [confirmAssociateMfaAuthenticator] is the same). A wrong code is [AuthingHttpStatusException] 400. (`confirmAssosicateMfaAuthenticator`) */
    suspend fun confirmAssosicateMfaAuthenticator(totp: String, authenticatorType: String? = null, source: String? = null, mfaToken: String? = null): ServerStatus =
        ServerStatus.fromJson(callSuspend("confirmAssosicateMfaAuthenticator", params("totp" to totp, "authenticatorType" to authenticatorType, "source" to source, "mfaToken" to mfaToken)))

    /** [confirmAssosicateMfaAuthenticator], blocking the calling thread (for Java; never on a library thread). */
    @JvmOverloads
    fun confirmAssosicateMfaAuthenticatorBlocking(totp: String, authenticatorType: String? = null, source: String? = null, mfaToken: String? = null): ServerStatus =
        ServerStatus.fromJson(callBlockingRaw("confirmAssosicateMfaAuthenticator", params("totp" to totp, "authenticatorType" to authenticatorType, "source" to source, "mfaToken" to mfaToken)))

    /** Same as [confirmAssosicateMfaAuthenticator]. */
    suspend fun confirmAssociateMfaAuthenticator(totp: String, authenticatorType: String? = null, source: String? = null, mfaToken: String? = null): ServerStatus = confirmAssosicateMfaAuthenticator(totp, authenticatorType, source, mfaToken)

    /** Same as [confirmAssosicateMfaAuthenticatorBlocking]. */
    @JvmOverloads
    fun confirmAssociateMfaAuthenticatorBlocking(totp: String, authenticatorType: String? = null, source: String? = null, mfaToken: String? = null): ServerStatus = confirmAssosicateMfaAuthenticatorBlocking(totp, authenticatorType, source, mfaToken)

    /** The second factor at login: a TOTP code with the `mfaToken` of the 1635 error. A wrong or replayed code is [AuthingApiException] 6001. (`verifyTotpMfa`) */
    suspend fun verifyTotpMfa(totp: String, mfaToken: String): User =
        User.fromJson(callSuspend("verifyTotpMfa", params("totp" to totp, "mfaToken" to mfaToken)))

    /** [verifyTotpMfa], blocking the calling thread (for Java; never on a library thread). */
    fun verifyTotpMfaBlocking(totp: String, mfaToken: String): User =
        User.fromJson(callBlockingRaw("verifyTotpMfa", params("totp" to totp, "mfaToken" to mfaToken)))

    /** The second factor with the single-use recovery code; the outcome carries the new one. A wrong or used code is [AuthingApiException] 6002. (`verifyTotpRecoveryCode`) */
    suspend fun verifyTotpRecoveryCode(recoveryCode: String, mfaToken: String): RecoveryOutcome =
        RecoveryOutcome.fromJson(callSuspend("verifyTotpRecoveryCode", params("recoveryCode" to recoveryCode, "mfaToken" to mfaToken)))

    /** [verifyTotpRecoveryCode], blocking the calling thread (for Java; never on a library thread). */
    fun verifyTotpRecoveryCodeBlocking(recoveryCode: String, mfaToken: String): RecoveryOutcome =
        RecoveryOutcome.fromJson(callBlockingRaw("verifyTotpRecoveryCode", params("recoveryCode" to recoveryCode, "mfaToken" to mfaToken)))

    /** The second factor with an SMS code. (`verifyAppSmsMfa`) */
    suspend fun verifyAppSmsMfa(phone: String, code: String, mfaToken: String, phoneCountryCode: String? = null): User =
        User.fromJson(callSuspend("verifyAppSmsMfa", params("phone" to phone, "code" to code, "mfaToken" to mfaToken, "phoneCountryCode" to phoneCountryCode)))

    /** [verifyAppSmsMfa], blocking the calling thread (for Java; never on a library thread). */
    @JvmOverloads
    fun verifyAppSmsMfaBlocking(phone: String, code: String, mfaToken: String, phoneCountryCode: String? = null): User =
        User.fromJson(callBlockingRaw("verifyAppSmsMfa", params("phone" to phone, "code" to code, "mfaToken" to mfaToken, "phoneCountryCode" to phoneCountryCode)))

    /** The second factor with an email code. (`verifyAppEmailMfa`) */
    suspend fun verifyAppEmailMfa(email: String, code: String, mfaToken: String): User =
        User.fromJson(callSuspend("verifyAppEmailMfa", params("email" to email, "code" to code, "mfaToken" to mfaToken)))

    /** [verifyAppEmailMfa], blocking the calling thread (for Java; never on a library thread). */
    fun verifyAppEmailMfaBlocking(email: String, code: String, mfaToken: String): User =
        User.fromJson(callBlockingRaw("verifyAppEmailMfa", params("email" to email, "code" to code, "mfaToken" to mfaToken)))

    /** Whether a phone number or email can be bound as a second factor. (`phoneOrEmailBindable`) */
    suspend fun phoneOrEmailBindable(mfaToken: String, phone: String? = null, email: String? = null): Boolean =
        decodeBoolean(callSuspend("phoneOrEmailBindable", params("mfaToken" to mfaToken, "phone" to phone, "email" to email)))

    /** [phoneOrEmailBindable], blocking the calling thread (for Java; never on a library thread). */
    @JvmOverloads
    fun phoneOrEmailBindableBlocking(mfaToken: String, phone: String? = null, email: String? = null): Boolean =
        decodeBoolean(callBlockingRaw("phoneOrEmailBindable", params("mfaToken" to mfaToken, "phone" to phone, "email" to email)))

    /** Binds face MFA from two image URLs. (`associateFaceByUrl`) */
    suspend fun associateFaceByUrl(baseFace: String, compareFace: String, mfaToken: String? = null): User =
        User.fromJson(callSuspend("associateFaceByUrl", params("baseFace" to baseFace, "compareFace" to compareFace, "mfaToken" to mfaToken)))

    /** [associateFaceByUrl], blocking the calling thread (for Java; never on a library thread). */
    @JvmOverloads
    fun associateFaceByUrlBlocking(baseFace: String, compareFace: String, mfaToken: String? = null): User =
        User.fromJson(callBlockingRaw("associateFaceByUrl", params("baseFace" to baseFace, "compareFace" to compareFace, "mfaToken" to mfaToken)))

    /** Binds face MFA from local image files (paths); the library uploads them. (`associateFaceByLocalFile`) */
    suspend fun associateFaceByLocalFile(baseFace: String, compareFace: String? = null, mfaToken: String? = null): User =
        User.fromJson(callSuspend("associateFaceByLocalFile", params("baseFace" to baseFace, "compareFace" to compareFace, "mfaToken" to mfaToken)))

    /** [associateFaceByLocalFile], blocking the calling thread (for Java; never on a library thread). */
    @JvmOverloads
    fun associateFaceByLocalFileBlocking(baseFace: String, compareFace: String? = null, mfaToken: String? = null): User =
        User.fromJson(callBlockingRaw("associateFaceByLocalFile", params("baseFace" to baseFace, "compareFace" to compareFace, "mfaToken" to mfaToken)))

    /** As [associateFaceByLocalFile] (file paths; the JS name of the browser SDK). (`associateFaceByBlob`) */
    suspend fun associateFaceByBlob(baseFace: String, compareFace: String? = null, mfaToken: String? = null): User =
        User.fromJson(callSuspend("associateFaceByBlob", params("baseFace" to baseFace, "compareFace" to compareFace, "mfaToken" to mfaToken)))

    /** [associateFaceByBlob], blocking the calling thread (for Java; never on a library thread). */
    @JvmOverloads
    fun associateFaceByBlobBlocking(baseFace: String, compareFace: String? = null, mfaToken: String? = null): User =
        User.fromJson(callBlockingRaw("associateFaceByBlob", params("baseFace" to baseFace, "compareFace" to compareFace, "mfaToken" to mfaToken)))

    /** The second factor with a face photo (an uploaded key or URL). (`verifyFaceMfa`) */
    suspend fun verifyFaceMfa(photo: String, mfaToken: String): User =
        User.fromJson(callSuspend("verifyFaceMfa", params("photo" to photo, "mfaToken" to mfaToken)))

    /** [verifyFaceMfa], blocking the calling thread (for Java; never on a library thread). */
    fun verifyFaceMfaBlocking(photo: String, mfaToken: String): User =
        User.fromJson(callBlockingRaw("verifyFaceMfa", params("photo" to photo, "mfaToken" to mfaToken)))

    /** Logs in with email and password; the user becomes the current user. A user who must pass a second factor fails with [AuthingApiException] code 1635 or 1636 and [AuthingException.mfaToken]. (`loginByEmail`) */
    suspend fun loginByEmail(email: String, password: String, autoRegister: Boolean? = null, captchaCode: String? = null, clientIp: String? = null, customData: JsonObject? = null, context: JsonElement? = null, params: JsonElement? = null): User =
        User.fromJson(callSuspend("loginByEmail", params("email" to email, "password" to password, "autoRegister" to autoRegister, "captchaCode" to captchaCode, "clientIp" to clientIp, "customData" to customData, "context" to context, "params" to params)))

    /** [loginByEmail], blocking the calling thread (for Java; never on a library thread). */
    @JvmOverloads
    fun loginByEmailBlocking(email: String, password: String, autoRegister: Boolean? = null, captchaCode: String? = null, clientIp: String? = null, customData: JsonObject? = null, context: JsonElement? = null, params: JsonElement? = null): User =
        User.fromJson(callBlockingRaw("loginByEmail", params("email" to email, "password" to password, "autoRegister" to autoRegister, "captchaCode" to captchaCode, "clientIp" to clientIp, "customData" to customData, "context" to context, "params" to params)))

    /** Logs in with username and password (as [loginByEmail]). (`loginByUsername`) */
    suspend fun loginByUsername(username: String, password: String, autoRegister: Boolean? = null, captchaCode: String? = null, clientIp: String? = null, customData: JsonObject? = null, context: JsonElement? = null, params: JsonElement? = null): User =
        User.fromJson(callSuspend("loginByUsername", params("username" to username, "password" to password, "autoRegister" to autoRegister, "captchaCode" to captchaCode, "clientIp" to clientIp, "customData" to customData, "context" to context, "params" to params)))

    /** [loginByUsername], blocking the calling thread (for Java; never on a library thread). */
    @JvmOverloads
    fun loginByUsernameBlocking(username: String, password: String, autoRegister: Boolean? = null, captchaCode: String? = null, clientIp: String? = null, customData: JsonObject? = null, context: JsonElement? = null, params: JsonElement? = null): User =
        User.fromJson(callBlockingRaw("loginByUsername", params("username" to username, "password" to password, "autoRegister" to autoRegister, "captchaCode" to captchaCode, "clientIp" to clientIp, "customData" to customData, "context" to context, "params" to params)))

    /** Logs in with phone number and password (as [loginByEmail]). (`loginByPhonePassword`) */
    suspend fun loginByPhonePassword(phone: String, password: String, autoRegister: Boolean? = null, captchaCode: String? = null, clientIp: String? = null, customData: JsonObject? = null, context: JsonElement? = null, params: JsonElement? = null): User =
        User.fromJson(callSuspend("loginByPhonePassword", params("phone" to phone, "password" to password, "autoRegister" to autoRegister, "captchaCode" to captchaCode, "clientIp" to clientIp, "customData" to customData, "context" to context, "params" to params)))

    /** [loginByPhonePassword], blocking the calling thread (for Java; never on a library thread). */
    @JvmOverloads
    fun loginByPhonePasswordBlocking(phone: String, password: String, autoRegister: Boolean? = null, captchaCode: String? = null, clientIp: String? = null, customData: JsonObject? = null, context: JsonElement? = null, params: JsonElement? = null): User =
        User.fromJson(callBlockingRaw("loginByPhonePassword", params("phone" to phone, "password" to password, "autoRegister" to autoRegister, "captchaCode" to captchaCode, "clientIp" to clientIp, "customData" to customData, "context" to context, "params" to params)))

    /** Logs in with phone number and SMS code (send it with [sendSmsCode], scene `login`). (`loginByPhoneCode`) */
    suspend fun loginByPhoneCode(phone: String, code: String, phoneCountryCode: String? = null, clientIp: String? = null, customData: JsonObject? = null, context: JsonElement? = null, params: JsonElement? = null): User =
        User.fromJson(callSuspend("loginByPhoneCode", params("phone" to phone, "code" to code, "phoneCountryCode" to phoneCountryCode, "clientIp" to clientIp, "customData" to customData, "context" to context, "params" to params)))

    /** [loginByPhoneCode], blocking the calling thread (for Java; never on a library thread). */
    @JvmOverloads
    fun loginByPhoneCodeBlocking(phone: String, code: String, phoneCountryCode: String? = null, clientIp: String? = null, customData: JsonObject? = null, context: JsonElement? = null, params: JsonElement? = null): User =
        User.fromJson(callBlockingRaw("loginByPhoneCode", params("phone" to phone, "code" to code, "phoneCountryCode" to phoneCountryCode, "clientIp" to clientIp, "customData" to customData, "context" to context, "params" to params)))

    /** Logs in with email and emailed code (send it with [sendEmail], scene `LOGIN_VERIFY_CODE`). (`loginByEmailCode`) */
    suspend fun loginByEmailCode(email: String, code: String, phoneCountryCode: String? = null, clientIp: String? = null, customData: JsonObject? = null, context: JsonElement? = null, params: JsonElement? = null): User =
        User.fromJson(callSuspend("loginByEmailCode", params("email" to email, "code" to code, "phoneCountryCode" to phoneCountryCode, "clientIp" to clientIp, "customData" to customData, "context" to context, "params" to params)))

    /** [loginByEmailCode], blocking the calling thread (for Java; never on a library thread). */
    @JvmOverloads
    fun loginByEmailCodeBlocking(email: String, code: String, phoneCountryCode: String? = null, clientIp: String? = null, customData: JsonObject? = null, context: JsonElement? = null, params: JsonElement? = null): User =
        User.fromJson(callBlockingRaw("loginByEmailCode", params("email" to email, "code" to code, "phoneCountryCode" to phoneCountryCode, "clientIp" to clientIp, "customData" to customData, "context" to context, "params" to params)))

    /** Sends a one-time code by SMS; returns the envelope's `data`. (`sendSmsCode`) */
    suspend fun sendSmsCode(phone: String, phoneCountryCode: String? = null, scene: String? = null): JsonElement =
        identity(callSuspend("sendSmsCode", params("phone" to phone, "phoneCountryCode" to phoneCountryCode, "scene" to scene)))

    /** [sendSmsCode], blocking the calling thread (for Java; never on a library thread). */
    @JvmOverloads
    fun sendSmsCodeBlocking(phone: String, phoneCountryCode: String? = null, scene: String? = null): JsonElement =
        identity(callBlockingRaw("sendSmsCode", params("phone" to phone, "phoneCountryCode" to phoneCountryCode, "scene" to scene)))

    /** Sends a one-time code by email; returns `{message, code}`. (`sendEmail`) */
    suspend fun sendEmail(email: String, scene: String): JsonElement =
        identity(callSuspend("sendEmail", params("email" to email, "scene" to scene)))

    /** [sendEmail], blocking the calling thread (for Java; never on a library thread). */
    fun sendEmailBlocking(email: String, scene: String): JsonElement =
        identity(callBlockingRaw("sendEmail", params("email" to email, "scene" to scene)))

    /** Logs out on the server; the current user and token are cleared only on success. (`logout`) */
    suspend fun logout(): ServerStatus =
        ServerStatus.fromJson(callSuspend("logout", null))

    /** [logout], blocking the calling thread (for Java; never on a library thread). */
    fun logoutBlocking(): ServerStatus =
        ServerStatus.fromJson(callBlockingRaw("logout", null))

    /** Checks whether a token (default: the stored one) is valid: `{code, message, status, exp, iat, data}`. (`checkLoginStatus`) */
    suspend fun checkLoginStatus(token: String? = null): JsonObject =
        decodeObject(callSuspend("checkLoginStatus", optionalParams("token" to token)))

    /** [checkLoginStatus], blocking the calling thread (for Java; never on a library thread). */
    @JvmOverloads
    fun checkLoginStatusBlocking(token: String? = null): JsonObject =
        decodeObject(callBlockingRaw("checkLoginStatus", optionalParams("token" to token)))

    /** Signs in through the v3 API; the answer's `access_token` becomes the client's access token. [signIn] is the same. (`signInByCredentials`) */
    suspend fun signInByCredentials(connection: String, passwordPayload: JsonObject? = null, passCodePayload: JsonObject? = null, options: JsonObject? = null): JsonObject =
        decodeObject(callSuspend("signInByCredentials", params("connection" to connection, "passwordPayload" to passwordPayload, "passCodePayload" to passCodePayload, "options" to options)))

    /** [signInByCredentials], blocking the calling thread (for Java; never on a library thread). */
    @JvmOverloads
    fun signInByCredentialsBlocking(connection: String, passwordPayload: JsonObject? = null, passCodePayload: JsonObject? = null, options: JsonObject? = null): JsonObject =
        decodeObject(callBlockingRaw("signInByCredentials", params("connection" to connection, "passwordPayload" to passwordPayload, "passCodePayload" to passCodePayload, "options" to options)))

    /** Same as [signInByCredentials]. */
    suspend fun signIn(connection: String, passwordPayload: JsonObject? = null, passCodePayload: JsonObject? = null, options: JsonObject? = null): JsonObject = signInByCredentials(connection, passwordPayload, passCodePayload, options)

    /** Same as [signInByCredentialsBlocking]. */
    @JvmOverloads
    fun signInBlocking(connection: String, passwordPayload: JsonObject? = null, passCodePayload: JsonObject? = null, options: JsonObject? = null): JsonObject = signInByCredentialsBlocking(connection, passwordPayload, passCodePayload, options)

    /** Starts enrolling a v3 factor (access token). (`sendEnrollFactorRequest`) */
    suspend fun sendEnrollFactorRequest(factorType: String, profile: JsonObject? = null): EnrollFactorRequestResult =
        EnrollFactorRequestResult.fromJson(callSuspend("sendEnrollFactorRequest", params("factorType" to factorType, "profile" to profile)))

    /** [sendEnrollFactorRequest], blocking the calling thread (for Java; never on a library thread). */
    @JvmOverloads
    fun sendEnrollFactorRequestBlocking(factorType: String, profile: JsonObject? = null): EnrollFactorRequestResult =
        EnrollFactorRequestResult.fromJson(callBlockingRaw("sendEnrollFactorRequest", params("factorType" to factorType, "profile" to profile)))

    /** Enrolls the v3 factor with its code (access token); [enrollmentData] (`{passCode}` or `{photo, isExternalPhoto}`) is required by the library. (`enrollFactor`) */
    suspend fun enrollFactor(factorType: String, enrollmentToken: String, enrollmentData: JsonObject): ServerStatus =
        ServerStatus.fromJson(callSuspend("enrollFactor", params("factorType" to factorType, "enrollmentToken" to enrollmentToken, "enrollmentData" to enrollmentData)))

    /** [enrollFactor], blocking the calling thread (for Java; never on a library thread). */
    fun enrollFactorBlocking(factorType: String, enrollmentToken: String, enrollmentData: JsonObject): ServerStatus =
        ServerStatus.fromJson(callBlockingRaw("enrollFactor", params("factorType" to factorType, "enrollmentToken" to enrollmentToken, "enrollmentData" to enrollmentData)))

    /** Unbinds an enrolled v3 factor (access token). (`resetFactor`) */
    suspend fun resetFactor(factorId: String): ServerStatus =
        ServerStatus.fromJson(callSuspend("resetFactor", params("factorId" to factorId)))

    /** [resetFactor], blocking the calling thread (for Java; never on a library thread). */
    fun resetFactorBlocking(factorId: String): ServerStatus =
        ServerStatus.fromJson(callBlockingRaw("resetFactor", params("factorId" to factorId)))

    /** The user's enrolled v3 factors (access token). (`listEnrolledFactors`) */
    suspend fun listEnrolledFactors(): List<Factor> =
        decodeList(callSuspend("listEnrolledFactors", null)) { Factor.fromJson(it) }

    /** [listEnrolledFactors], blocking the calling thread (for Java; never on a library thread). */
    fun listEnrolledFactorsBlocking(): List<Factor> =
        decodeList(callBlockingRaw("listEnrolledFactors", null)) { Factor.fromJson(it) }

    /** One enrolled v3 factor (access token). (`getFactor`) */
    suspend fun getFactor(factorId: String): Factor =
        Factor.fromJson(callSuspend("getFactor", params("factorId" to factorId)))

    /** [getFactor], blocking the calling thread (for Java; never on a library thread). */
    fun getFactorBlocking(factorId: String): Factor =
        Factor.fromJson(callBlockingRaw("getFactor", params("factorId" to factorId)))

    /** The v3 factors the application enables that the user has not enrolled: `[{factorType}]`. (`listFactorsToEnroll`) */
    suspend fun listFactorsToEnroll(): JsonArray =
        decodeArray(callSuspend("listFactorsToEnroll", null))

    /** [listFactorsToEnroll], blocking the calling thread (for Java; never on a library thread). */
    fun listFactorsToEnrollBlocking(): JsonArray =
        decodeArray(callBlockingRaw("listFactorsToEnroll", null))

    /** Checks a code of the user's v3 OTP factor: `{verified}`. (`mfaOtpVerify`) */
    suspend fun mfaOtpVerify(totp: String): JsonObject =
        decodeObject(callSuspend("mfaOtpVerify", params("totp" to totp)))

    /** [mfaOtpVerify], blocking the calling thread (for Java; never on a library thread). */
    fun mfaOtpVerifyBlocking(totp: String): JsonObject =
        decodeObject(callBlockingRaw("mfaOtpVerify", params("totp" to totp)))

    /** Introspects an mfaToken: `{active, userPoolId?, userId?, exp?, iat?}`. (`verifyMfaToken`) */
    suspend fun verifyMfaToken(token: String): JsonObject =
        decodeObject(callSuspend("verifyMfaToken", params("token" to token)))

    /** [verifyMfaToken], blocking the calling thread (for Java; never on a library thread). */
    fun verifyMfaTokenBlocking(token: String): JsonObject =
        decodeObject(callBlockingRaw("verifyMfaToken", params("token" to token)))
}

// ---- params and results ----

/** The argument object of a required-argument operation: null values are left out. */
internal fun params(vararg kv: Pair<String, Any?>): String = JsonObject(
    kv.filter { it.second != null }.associate { (k, v) -> k to toJson(v) },
).toString()

/** As [params], but no argument at all (null) when every value is null: the library's defaults then apply. */
internal fun optionalParams(vararg kv: Pair<String, Any?>): String? =
    if (kv.all { it.second == null }) null else params(*kv)

private fun toJson(v: Any?): JsonElement = when (v) {
    null -> JsonNull
    is JsonElement -> v
    is String -> JsonPrimitive(v)
    is Boolean -> JsonPrimitive(v)
    is Number -> JsonPrimitive(v)
    else -> throw IllegalArgumentException("unsupported parameter type ${v::class.java.name}")
}

internal inline fun <T> decodeList(e: JsonElement, item: (JsonElement) -> T): List<T> = e.arr("result").map(item)

internal fun decodeBoolean(e: JsonElement): Boolean =
    (e as? JsonPrimitive)?.booleanOrNull ?: throw decodeError("result: expected true or false")

internal fun decodeObject(e: JsonElement): JsonObject = e.obj("result")

internal fun decodeArray(e: JsonElement): JsonArray = e.arr("result")

internal fun identity(e: JsonElement): JsonElement = e
