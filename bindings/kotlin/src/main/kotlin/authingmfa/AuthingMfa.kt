package authingmfa

import com.sun.jna.JNIEnv
import com.sun.jna.Pointer
import com.sun.jna.ptr.PointerByReference
import kotlinx.coroutines.CompletableDeferred
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import java.util.concurrent.ArrayBlockingQueue
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicLong
import java.util.logging.Level
import java.util.logging.Logger

/** The log levels of `authing_mfa_set_log_callback`. */
enum class LogLevel(val value: Int) {
    ERROR(1), WARN(2), INFO(3), DEBUG(4);

    companion object {
        @JvmStatic
        fun of(value: Int): LogLevel = entries.firstOrNull { it.value == value } ?: if (value < 1) ERROR else DEBUG
    }
}

/**
 * Receives the library's log lines (which never hold secrets). Called on
 * the binding's own log thread, never on a library thread, one line at a
 * time in the order the library logged them.
 */
fun interface AuthingLogger {
    fun log(level: LogLevel, message: String)

    companion object {
        /** A logger that writes to `java.util.logging.Logger.getLogger("authingmfa")`. */
        @JvmStatic
        fun javaUtilLogging(logger: Logger = Logger.getLogger("authingmfa")): AuthingLogger = AuthingLogger { level, message ->
            val l = when (level) {
                LogLevel.ERROR -> Level.SEVERE
                LogLevel.WARN -> Level.WARNING
                LogLevel.INFO -> Level.INFO
                LogLevel.DEBUG -> Level.FINE
            }
            logger.log(l, message)
        }
    }
}

/** Process-wide functions of the library: version, catalogue, statuses, logging, shutdown. */
object AuthingMfa {
    /** The version of the binding (the library it was written for). */
    const val BINDING_VERSION = "0.1.0"

    /** The version of the loaded library, e.g. `0.1.0`. */
    @JvmStatic
    fun version(): String = Ffi.utf8(Ffi.lib.authing_mfa_version())

    /** The name of a status value, e.g. `AUTHING_MFA_ERR_API` for 10. */
    @JvmStatic
    fun statusName(status: Int): String = Ffi.utf8(Ffi.lib.authing_mfa_status_name(status))

    /** The raw catalogue JSON of `authing_mfa_operations()`. */
    @JvmStatic
    fun operationsJson(): String = Ffi.utf8(Ffi.lib.authing_mfa_operations())

    /** Every operation the loaded library runs, in its table's order. */
    @JvmStatic
    fun operations(): List<OperationInfo> = parseJson(operationsJson()).arr("operations").map { e ->
        val o = e.obj("operation")
        fun strings(k: String) = (o[k] as? JsonArray)?.map { (it as JsonPrimitive).content } ?: emptyList()
        OperationInfo(
            name = o.str("name")!!,
            aliases = strings("aliases"),
            cFunction = o.str("cFunction") ?: "",
            keys = strings("keys"),
            http = o.str("http") ?: "",
            token = o.str("token") ?: "",
            requiresArgument = (o["requiresArgument"] as? JsonPrimitive)?.booleanOrNull ?: false,
        )
    }

    /**
     * Stops the library for good (`authing_mfa_shutdown`): calls in flight
     * end with [AuthingShutdownException], later calls fail with it. Waits up
     * to [timeoutMillis]. Call it before the JVM exits if calls may still be
     * in flight; it is process-wide and cannot be undone.
     *
     * @throws AuthingInvalidArgumentException if [timeoutMillis] is
     *   negative, before anything is stopped: the C function takes a
     *   `uint32_t`, so -1 would become a wait of about 49 days.
     */
    @JvmStatic
    @JvmOverloads
    fun shutdown(timeoutMillis: Int = 5000) {
        if (timeoutMillis < 0) throw invalidArgument("timeoutMillis must not be negative")
        val st = Ffi.lib.authing_mfa_shutdown(timeoutMillis)
        if (st != 0) throw AuthingException.from(st, null)
    }

    /**
     * On Android, lets clients check certificates with Android's own
     * verifier (user- and enterprise-installed CAs, the app's network
     * security configuration): call it once, early (in
     * `Application.onCreate`), with the application `Context`. Clients
     * created before it, or without it, use the system store as read from
     * disk. The app must also depend on rustls-platform-verifier's Kotlin
     * component (see packaging/README.md, "Android"); the AAR's consumer
     * R8 rules keep its classes.
     *
     * [context] is typed `Any` so that the binding builds without the
     * Android SDK; pass an `android.content.Context`. On the desktop JVM
     * there is nothing to initialise and the call only checks that a
     * context was given, so shared code may call it everywhere.
     *
     * @throws AuthingInvalidArgumentException if the JVM refused (e.g. the
     *   object is not a `Context`).
     */
    @JvmStatic
    fun initAndroid(context: Any) {
        val err = PointerByReference()
        val st = Ffi.android.authing_mfa_android_init(JNIEnv.CURRENT, context, err)
        val json = Ffi.take(err)
        if (st != 0) throw AuthingException.from(st, json)
    }

    /** Async calls whose native callback has not fired yet (for tests and diagnostics). */
    @JvmStatic
    fun operationsInFlight(): Int = Async.pending.size

    // ---- logging ----

    private val logLock = Any()
    private var logThread: Thread? = null
    private val logQueue = ArrayBlockingQueue<Pair<Int, String>>(4096)
    private val droppedLogLines = AtomicLong()

    @Volatile
    private var logger: AuthingLogger? = null

    /**
     * The one log callback the binding installs: it copies the line and
     * queues it for the log thread, and does nothing else on the library's
     * thread. A full queue drops the line (counted, reported later).
     */
    private val logCallback = object : NativeLib.LogCallback {
        override fun invoke(userData: Pointer?, level: Int, message: Pointer?) {
            try {
                val text = message?.let { Ffi.utf8(it) } ?: ""
                if (!logQueue.offer(level to text)) droppedLogLines.incrementAndGet()
            } catch (_: Throwable) {
                // never let anything unwind into the library
            }
        }
    }

    /**
     * Sends the library's log lines up to [maxLevel] to [logger] (null:
     * stop logging). The logger runs on a daemon thread of the binding.
     */
    @JvmStatic
    fun setLogger(maxLevel: LogLevel, logger: AuthingLogger?) {
        synchronized(logLock) {
            this.logger = logger
            if (logger != null && logThread == null) {
                logThread = Thread({ drainLog() }, "authing-mfa-log").apply { isDaemon = true; start() }
            }
            val st = if (logger == null) {
                Ffi.lib.authing_mfa_set_log_callback(0, null, null)
            } else {
                Ffi.lib.authing_mfa_set_log_callback(maxLevel.value, logCallback, null)
            }
            if (st != 0) throw AuthingException.from(st, null)
        }
    }

    private fun drainLog() {
        while (true) {
            val (level, text) = try {
                logQueue.take()
            } catch (_: InterruptedException) {
                return
            }
            val l = logger ?: continue
            try {
                val dropped = droppedLogLines.getAndSet(0)
                if (dropped > 0) l.log(LogLevel.WARN, "authing-mfa: $dropped log lines dropped (the logger was too slow)")
                l.log(LogLevel.of(level), text)
            } catch (_: Throwable) {
                // a failing logger must not stop logging
            }
        }
    }
}

/** One outcome of an async call: the status and the result or error JSON. */
internal class Outcome(val status: Int, val json: String)

/**
 * The async machinery. One callback object for every call, kept in a
 * static field for the life of the process (JNA frees a callback's native
 * trampoline when the object is collected; this one never is). `user_data`
 * is the call's id in [pending], not a pointer to anything.
 */
internal object Async {
    /**
     * The calls in flight by id: each call's deferred and its [Pending.owner]
     * (the [Client] that started it), held here until the callback fires
     * (exactly once, the C API promises, shutdown included) so that a
     * client dropped while its async calls run is not collected, and its
     * native client not freed by [ClientCleaner], before they complete.
     */
    val pending = ConcurrentHashMap<Long, Pending>()

    /** One call in flight: its deferred, and what must stay reachable until its callback. */
    class Pending(val deferred: CompletableDeferred<Outcome>, @Suppress("unused") val owner: Any)
    private val nextId = AtomicLong(1)

    /**
     * Runs on a library thread (attached by JNA): copies the JSON and
     * completes the call's deferred. Nothing else: the awaiting coroutine
     * resumes on its own dispatcher (see [Client.callSuspend]).
     */
    val callback: NativeLib.AsyncCallback = object : NativeLib.AsyncCallback {
        override fun invoke(userData: Pointer?, status: Int, json: Pointer?) {
            try {
                val text = json?.let { Ffi.utf8(it) } ?: "null"
                if (status == 16) cancelledByLibrary.incrementAndGet()
                pending.remove(Pointer.nativeValue(userData))?.deferred?.complete(Outcome(status, text))
            } catch (_: Throwable) {
                // never let anything unwind into the library
            }
        }
    }.also { Ffi.keepAttached(it, "authing-mfa-io") }

    /** How many callbacks fired with AUTHING_MFA_ERR_CANCELLED (for tests). */
    val cancelledByLibrary = AtomicLong()

    /** Registers a call of [owner], kept reachable until the call's callback fires. */
    fun register(owner: Any): Pair<Long, CompletableDeferred<Outcome>> {
        val id = nextId.getAndIncrement()
        val d = CompletableDeferred<Outcome>()
        pending[id] = Pending(d, owner)
        return id to d
    }
}

/** TOTP helpers of the library (`authing_mfa_totp_*`). */
object Totp {
    /**
     * The 6-digit code for a base32 [secret] now. A [secret] containing NUL
     * is refused ([AuthingInvalidArgumentException]): C would read only what
     * precedes it and answer for a different secret.
     */
    @JvmStatic
    fun generateNow(secret: String): String {
        noNul("secret", secret)
        return outString { out, err -> Ffi.lib.authing_mfa_totp_generate_now(secret, out, err) }
    }

    /** The 6-digit code for a base32 [secret] at [unixTime] (seconds since the epoch); NUL refused as in [generateNow]. */
    @JvmStatic
    fun generate(secret: String, unixTime: Long): String {
        noNul("secret", secret)
        return outString { out, err -> Ffi.lib.authing_mfa_totp_generate(secret, unixTime, out, err) }
    }

    /** Parses Authing's `qrcode_uri` (`otpauth://totp/...`); a [uri] containing NUL is refused as in [generateNow]. */
    @JvmStatic
    fun parseUri(uri: String): TotpUri {
        noNul("uri", uri)
        return TotpUri.fromJson(parseJson(outString { out, err -> Ffi.lib.authing_mfa_totp_parse_uri(uri, out, err) }))
    }
}

/** Runs a function with an out string and an out error; returns the string or throws the error. */
internal inline fun outString(f: (PointerByReference, PointerByReference) -> Int): String {
    val out = PointerByReference()
    val err = PointerByReference()
    val st = f(out, err)
    if (st != 0) {
        Ffi.take(out)
        throw AuthingException.from(st, Ffi.take(err))
    }
    Ffi.take(err)
    return Ffi.take(out) ?: throw AuthingException.from(1, null)
}
