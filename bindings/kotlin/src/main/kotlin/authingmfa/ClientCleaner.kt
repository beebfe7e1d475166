package authingmfa

import com.sun.jna.Pointer
import java.lang.ref.PhantomReference
import java.lang.ref.ReferenceQueue
import java.util.Collections
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong

/**
 * A [Client]'s native handle and its call counters, kept apart from the
 * client so that [ClientCleaner] can hold them without keeping the client
 * reachable (a phantom reference whose cleanup state referred to its
 * client would never be enqueued). It holds nothing of the client.
 *
 * The monitor of this object guards [handle] and [inFlight]; the native
 * client is freed exactly once, in [freeIfUnused], when the client is
 * closed (by [Client.close] or by the cleaner) and no call is in flight,
 * by whichever of [close], [reclaim] or the last [release] comes last.
 */
internal class NativeClientState(h: Pointer) {
    /** The native client; null once freed. Guarded by `this`. */
    private var handle: Pointer? = h

    /** Native calls using [handle] right now. Guarded by `this`. */
    private var inFlight = 0

    /** Set once by [close] or [reclaim]; volatile so that [Client.isClosed] never takes the monitor. */
    @Volatile
    var closed = false
        private set

    /** How many times the native handle was freed: 0 or 1 (for tests). */
    val nativeFrees = AtomicInteger()

    /** How many of those frees the cleaner made: 0 or 1 (for tests). */
    val cleanerFrees = AtomicInteger()

    /** Set when the cleaner saw the client collected (for tests). */
    @Volatile
    var reclaimed = false
        private set

    /** Native calls in flight right now (for tests). */
    val callsInFlight: Int get() = synchronized(this) { inFlight }

    /** Counts a call in and returns the live handle, or throws if the client is closed. */
    fun acquire(): Pointer = synchronized(this) {
        if (closed) throw AuthingClientClosedException()
        inFlight++
        handle!!
    }

    /** Counts a call out; the last one out of a closed client frees it. */
    fun release() {
        synchronized(this) {
            inFlight--
            freeIfUnused()
        }
    }

    /** [Client.close]: idempotent, never waits for calls in flight. */
    fun close() {
        synchronized(this) {
            closed = true
            freeIfUnused()
        }
    }

    /**
     * The cleaner's close, once the client was collected: the same path as
     * [close], so a client already closed (and freed) is not freed again,
     * and a call still in flight (the JIT may end a client's reachability
     * while its last native call still runs) frees it as it leaves.
     */
    fun reclaim() {
        synchronized(this) {
            reclaimed = true
            closed = true
            if (freeIfUnused()) {
                cleanerFrees.incrementAndGet()
                ClientCleaner.frees.incrementAndGet()
            }
        }
    }

    /** With the monitor held: frees the native client once it is closed and unused; true if it did now. */
    private fun freeIfUnused(): Boolean {
        val h = handle ?: return false
        if (!closed || inFlight != 0) return false
        handle = null
        Ffi.lib.authing_mfa_client_free(h)
        nativeFrees.incrementAndGet()
        return true
    }
}

/**
 * Frees the native client of a [Client] that was garbage-collected without
 * [Client.close] (the safety net that Python's `__del__` and Go's
 * `runtime.AddCleanup` are in those bindings; [Client.close] remains the
 * way to release a client promptly).
 *
 * Why a [PhantomReference] and a [ReferenceQueue], not
 * `java.lang.ref.Cleaner`: this binding runs on Android from minSdk 21, and
 * `Cleaner` exists on Android only from API 33 (it is Java 9+ on the JVM
 * too). Phantom references and reference queues exist on every Android
 * version and every JVM; `Cleaner` is itself built on them. Not
 * `finalize()` either: deprecated, it resurrects the object, runs on a
 * shared finalizer thread with a watchdog on Android, and gives no
 * ordering against a concurrent [Client.close].
 *
 * Each client registers one [Ref] (holding only its [NativeClientState],
 * never the client); the refs are held strongly in [refs] until dequeued,
 * otherwise they would be collected before being enqueued. One daemon
 * thread of the binding, `authing-mfa-cleaner`, started with the first
 * client, blocks on the queue and calls [NativeClientState.reclaim] for
 * each collected client: the same "free once, when closed and unused"
 * path as [Client.close], under the same monitor, so it can neither free a
 * handle twice nor race a call in flight or an explicit close. A client
 * with an async call in flight stays reachable until the call's callback
 * fires (see [Async.pending]), so the cleaner never frees under it.
 */
internal object ClientCleaner {
    private val queue = ReferenceQueue<Client>()

    /** The registered refs not yet dequeued (a ref must stay reachable to be enqueued). */
    private val refs: MutableSet<Ref> = Collections.newSetFromMap(ConcurrentHashMap())

    /** Native clients freed by this cleaner, in total (for tests). */
    val frees = AtomicLong()

    private class Ref(client: Client, val state: NativeClientState) : PhantomReference<Client>(client, queue)

    private val thread: Thread = Thread({ drain() }, "authing-mfa-cleaner").apply {
        isDaemon = true
        contextClassLoader = null // do not pin an application's class loader
        start()
    }

    /** Watches [client]; [state] must not refer to it. Starts the thread on first use (object initialisation). */
    fun register(client: Client, state: NativeClientState) {
        refs += Ref(client, state)
    }

    /** Registered clients not yet seen collected (for tests). */
    val watched: Int get() = refs.size

    private fun drain() {
        while (true) {
            val r = try {
                queue.remove() as Ref
            } catch (_: InterruptedException) {
                continue // only our own thread; nothing else to do but wait again
            }
            refs.remove(r)
            try {
                r.state.reclaim()
            } catch (_: Throwable) {
                // the cleaner must outlive any failure
            }
        }
    }
}
