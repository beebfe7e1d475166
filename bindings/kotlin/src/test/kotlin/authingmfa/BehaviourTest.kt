package authingmfa

import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.TimeoutCancellationException
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.net.InetAddress
import java.net.ServerSocket
import java.net.Socket
import java.util.Collections
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.atomic.AtomicReference
import kotlin.time.Duration.Companion.seconds

/** A TCP server on 127.0.0.1 that accepts connections and never answers. */
class SilentServer : AutoCloseable {
    private val server = ServerSocket(0, 128, InetAddress.getLoopbackAddress())
    private val held: MutableList<Socket> = Collections.synchronizedList(mutableListOf())
    val url = "http://127.0.0.1:${server.localPort}"
    private val thread = Thread {
        try {
            while (true) held += server.accept()
        } catch (_: Exception) {
        }
    }.apply { isDaemon = true; start() }

    override fun close() {
        server.close()
        synchronized(held) { held.forEach { it.close() } }
    }
}

class BehaviourTest {
    private fun waitUntil(what: String, timeoutMs: Long = 5000, cond: () -> Boolean) {
        val end = System.nanoTime() + timeoutMs * 1_000_000
        while (!cond()) {
            if (System.nanoTime() > end) throw AssertionError("timed out waiting for: $what")
            Thread.sleep(10)
        }
    }

    @Test
    fun `cancelling the coroutine cancels the native call promptly`() = runBlocking<Unit> {
        SilentServer().use { silent ->
            Client(ClientOptions(appHost = silent.url, timeout = 30000, token = "t")).use { c ->
                val cancelledBefore = Async.cancelledByLibrary.get()
                val started = System.nanoTime()
                val job = launch(Dispatchers.Default) { c.getMfaAuthenticators() }
                delay(300) // the request is on the wire; the server never answers
                assertTrue(AuthingMfa.operationsInFlight() >= 1)
                job.cancelAndJoin()
                val ms = (System.nanoTime() - started) / 1_000_000
                assertTrue(ms < 3000, "cancel took $ms ms")
                assertTrue(job.isCancelled)
                // The native op ends too: its callback fires with AUTHING_MFA_ERR_CANCELLED.
                waitUntil("the native callback of the cancelled call") {
                    Async.cancelledByLibrary.get() > cancelledBefore
                }

                // withTimeout is coroutine cancellation too.
                val t0 = System.nanoTime()
                assertThrows<TimeoutCancellationException> {
                    runBlocking { withTimeout(500) { c.getMfaAuthenticators() } }
                }
                assertTrue((System.nanoTime() - t0) / 1_000_000 < 3000)
                waitUntil("the second cancelled callback") { Async.cancelledByLibrary.get() > cancelledBefore + 1 }
            }
        }
    }

    @Test
    fun `timeouts and network failures are typed exceptions`() = runBlocking<Unit> {
        SilentServer().use { silent ->
            Client(ClientOptions(appHost = silent.url, timeout = 400, token = "t")).use { c ->
                val e = assertThrows<AuthingTimeoutException> { runBlocking { c.getMfaAuthenticators() } }
                assertEquals("AUTHING_MFA_ERR_TIMEOUT", e.status)
                assertThrows<AuthingTimeoutException> { c.getMfaAuthenticatorsBlocking() }
            }
        }
        val port = ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { it.localPort } // now closed
        Client(ClientOptions(appHost = "http://127.0.0.1:$port", timeout = 5000, maxRetries = 0)).use { c ->
            val e = assertThrows<AuthingNetworkException> { runBlocking { c.loginByEmail("a@example.com", "pw-Secret-1") } }
            assertFalse(e.toString().contains("pw-Secret-1"))
        }
        // A missing mfaToken is refused before any request.
        Dev.client().use { c ->
            val e = assertThrows<AuthingInvalidArgumentException> { runBlocking { c.verifyTotpMfa("123456", "") } }
            assertFalse(e.message.contains("123456"))
        }
        // Bad options: the library names the unknown problem.
        assertThrows<AuthingInvalidArgumentException> { Client(ClientOptions(lang = "xx-XX")) }
    }

    @Test
    fun `64 coroutines on one client`() = runBlocking<Unit> {
        val u = Dev.newUser()
        Dev.client().use { c ->
            c.loginByEmail(u.email, u.password)
            val results = (1..64).map {
                async(Dispatchers.Default) { c.getMfaAuthenticators() }
            }.awaitAll()
            assertEquals(64, results.size)
            assertTrue(results.all { it.isEmpty() })
        }
        waitUntil("no call in flight") { AuthingMfa.operationsInFlight() == 0 }
    }

    @Test
    fun `runTest works with real calls`() = runTest(timeout = 30.seconds) {
        val u = Dev.newUser()
        Dev.client().use { c ->
            val user = c.loginByPhonePassword(u.phone, u.password)
            assertEquals(u.id, user.id)
            assertEquals(true, c.checkLoginStatus()["status"]?.toString()?.toBoolean())
        }
    }

    @Test
    fun `an unconfined coroutine does not resume on a library thread`() = runBlocking<Unit> {
        val u = Dev.newUser()
        Dev.client().use { c ->
            val threads = CopyOnWriteArrayList<String>()
            withContext(Dispatchers.Unconfined) {
                repeat(5) {
                    c.loginByEmail(u.email, u.password)
                    threads += Thread.currentThread().name
                }
            }
            assertTrue(threads.none { it.startsWith("authing-mfa-io") }, "resumed on $threads")
        }
    }

    @Test
    fun `a closed client is refused with a clear exception`() = runBlocking<Unit> {
        val c = Dev.client()
        c.close()
        c.close() // idempotent
        assertTrue(c.isClosed)
        val e = assertThrows<AuthingClientClosedException> { runBlocking { c.getMfaAuthenticators() } }
        assertEquals("the client is closed", e.message)
        // What Errors.kt documents: AUTHING_MFA_ERR_INVALID_ARGUMENT (not Python's NULL_ARGUMENT).
        assertEquals("AUTHING_MFA_ERR_INVALID_ARGUMENT", e.status)
        assertEquals(4, e.statusValue)
        assertEquals(1, c.nativeFrees.get())
        assertThrows<AuthingClientClosedException> { c.getMfaAuthenticatorsBlocking() }
        assertThrows<AuthingClientClosedException> { c.setToken("x") }
        assertThrows<AuthingClientClosedException> { c.getCurrentUser() }
        assertThrows<AuthingClientClosedException> { c.callBlocking("logout") }
    }

    @Test
    fun `closing while an async call is in flight lets it complete`() = runBlocking<Unit> {
        SilentServer().use { silent ->
            val c = Client(ClientOptions(appHost = silent.url, timeout = 600, token = "t"))
            val call = async(Dispatchers.Default, start = CoroutineStart.DEFAULT) { runCatching { c.getMfaAuthenticators() } }
            delay(100)
            c.close()
            val outcome = call.await()
            assertTrue(outcome.exceptionOrNull() is AuthingTimeoutException, "got $outcome")
        }
    }

    /**
     * close() from one thread while another thread's blocking call holds
     * the client (a server that never answers, a 20 s timeout): close,
     * isClosed, toString and a suspend call on a third thread all return
     * at once (well within 5 s), instead of queueing behind the blocking
     * call as they did under a read-write lock. The held call then fails
     * cleanly when the server drops its connection, and only then, as the
     * last call out, frees the native client: exactly once.
     */
    @Test
    fun `close and calls never wait for a blocking call in flight`() {
        SilentServer().use { silent ->
            val c = Client(ClientOptions(appHost = silent.url, timeout = 20000, token = "t", maxRetries = 0))
            val held = AtomicReference<Result<Any>>()
            val holder = Thread { held.set(runCatching { c.getMfaAuthenticatorsBlocking() }) }.apply { isDaemon = true; start() }
            waitUntil("the blocking call in flight") { c.callsInFlight == 1 }
            Thread.sleep(200) // well inside the native call, on the wire

            val t0 = System.nanoTime()
            val closer = Thread { c.close() }.apply { isDaemon = true; start() }
            closer.join(5000)
            assertFalse(closer.isAlive, "close() waited for the blocking call")
            assertTrue(c.isClosed)
            assertEquals("Client(closed)", c.toString())
            val e = assertThrows<AuthingClientClosedException> { runBlocking { c.getMfaAuthenticators() } }
            assertEquals("the client is closed", e.message)
            assertThrows<AuthingClientClosedException> { c.setToken("x") }
            val ms = (System.nanoTime() - t0) / 1_000_000
            assertTrue(ms < 5000, "close, isClosed and a suspend call took $ms ms behind a blocking call")

            // The held call still runs on the live native client.
            assertTrue(holder.isAlive)
            assertEquals(1, c.callsInFlight)
            assertEquals(0, c.nativeFrees.get(), "freed under a call in flight")

            silent.close() // the held call's connection is dropped
            holder.join(15000)
            assertFalse(holder.isAlive, "the held call did not end")
            val outcome = held.get()
            assertTrue(outcome.exceptionOrNull() is AuthingException, "got $outcome")
            assertEquals(0, c.callsInFlight)
            assertEquals(1, c.nativeFrees.get(), "the last call out frees the native client")
            c.close()
            assertEquals(1, c.nativeFrees.get(), "freed twice")
        }
    }

    @Test
    fun `a client closed with no call in flight is freed at once, once`() {
        val c = Client()
        assertEquals(0, c.nativeFrees.get())
        c.close()
        assertEquals(1, c.nativeFrees.get())
        c.close()
        assertEquals(1, c.nativeFrees.get())
    }

    @Test
    fun `log lines reach the logger on the binding's thread`() = runBlocking<Unit> {
        val lines = CopyOnWriteArrayList<Pair<LogLevel, String>>()
        val thread = AtomicReference<String>()
        AuthingMfa.setLogger(LogLevel.INFO) { level, message ->
            thread.set(Thread.currentThread().name)
            lines += level to message
        }
        try {
            val u = Dev.newUser()
            Dev.client().use { c -> c.loginByEmail(u.email, u.password) }
            waitUntil("a log line") { lines.any { it.second.contains("/graphql/v2") } }
            assertEquals("authing-mfa-log", thread.get())
            assertTrue(lines.none { it.second.contains(u.password) })
        } finally {
            AuthingMfa.setLogger(LogLevel.INFO, null)
        }
        // The java.util.logging bridge builds.
        AuthingLogger.javaUtilLogging().log(LogLevel.DEBUG, "bridge check")
    }

    @Test
    fun `library facts`() {
        assertEquals(AuthingMfa.BINDING_VERSION, AuthingMfa.version())
        assertEquals("AUTHING_MFA_ERR_API", AuthingMfa.statusName(10))
        for ((name, value) in AuthingException.STATUS_VALUES) assertEquals(name, AuthingMfa.statusName(value))
        assertNotEquals("", ClientOptions(token = "tok-Secret", appSecret = "app-Secret").toString())
        assertFalse(ClientOptions(token = "tok-XQ7", appSecret = "app-XQ8").toString().contains("XQ"))
    }

    /**
     * The desktop JVM has nothing to initialise, but the call goes through
     * the same JNA mapping as on Android: the library sees the thread's
     * JNIEnv and a JNI reference to the object, both non-NULL (a NULL one is
     * refused with its own status, which a broken mapping would produce).
     */
    @Test
    fun `initAndroid passes the JNIEnv and the context through JNA`() {
        AuthingMfa.initAndroid(Any())
        AuthingMfa.initAndroid("any object is a reference; only Android asks it for a class loader")
        val err = com.sun.jna.ptr.PointerByReference()
        val st = Ffi.android.authing_mfa_android_init(com.sun.jna.JNIEnv.CURRENT, null, err)
        assertEquals(1, st)
        val json = Ffi.take(err)!!
        assertTrue(json.contains("AUTHING_MFA_ERR_NULL_ARGUMENT") && json.contains("context"), json)
    }

    /** The jar (and so the AAR) carries the licences, under its own name. */
    @Test
    fun `the jar carries the licence and the third-party licences`() {
        val licence = AuthingMfa::class.java.getResource("/META-INF/authing-mfa/LICENSE")!!.readText()
        assertTrue(licence.startsWith("MIT License"), licence.take(40))
        val third = AuthingMfa::class.java.getResource("/META-INF/authing-mfa/THIRD_PARTY_LICENSES.md")!!.readText()
        assertTrue(third.contains("tokio") && third.contains("Apache License"), third.take(200))
    }
}
