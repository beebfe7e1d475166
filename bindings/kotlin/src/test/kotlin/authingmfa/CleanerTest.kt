package authingmfa

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * [ClientCleaner]: a [Client] garbage-collected without [Client.close] has
 * its native client freed, exactly once, by the cleaner thread.
 *
 * The tests keep only each client's [NativeClientState] (which holds
 * nothing of the client, so it does not keep it reachable) and create the
 * clients in separate, non-inlined functions so that no local slot of the
 * test method still refers to them.
 *
 * Garbage collection is not under a test's control: `System.gc()` is a
 * request, a collector may keep some objects for a later cycle, and a JIT
 * or interpreter may keep a dead local alive a while. So the tests poll
 * (with `System.gc()` and a little garbage in the loop, for up to 10 s)
 * instead of asserting after one collection, and where many clients are
 * dropped they require only that at least one was freed by the cleaner,
 * and that none, collected or not, was ever freed twice: that is the
 * property that matters (freeing twice is a use-after-free in C), and it
 * holds whatever the collector chose to collect.
 */
class CleanerTest {
    private fun gcUntil(timeoutMs: Long = 10_000, done: () -> Boolean): Boolean {
        val end = System.nanoTime() + timeoutMs * 1_000_000
        while (!done()) {
            if (System.nanoTime() > end) return false
            @Suppress("UNUSED_VARIABLE")
            val garbage = ByteArray(1 shl 20)
            System.gc()
            Thread.sleep(20)
        }
        return true
    }

    /** Creates [n] clients and drops them without closing; returns their states only. */
    private fun dropUnclosed(n: Int): List<NativeClientState> = (1..n).map { Client().nativeState }

    /** Creates a client, closes it, drops it; returns its state only. */
    private fun dropClosed(): NativeClientState {
        val c = Client()
        c.close()
        assertEquals(1, c.nativeFrees.get())
        return c.nativeState
    }

    /** Creates a client, makes real calls with it (blocking and suspend) against the dev server, drops it unclosed. */
    private fun dropUsed(u: Dev.TestUser): NativeClientState {
        val c = Dev.client()
        val user = c.loginByPhonePasswordBlocking(u.phone, u.password)
        assertEquals(u.id, user.id)
        val status = runBlocking { c.checkLoginStatus() }
        assertEquals(true, status["status"]?.toString()?.toBoolean())
        assertEquals(0, c.callsInFlight)
        assertEquals(0, c.nativeFrees.get())
        return c.nativeState
    }

    @Test
    fun `clients dropped without close are freed by the cleaner, never twice`() {
        val before = ClientCleaner.frees.get()
        val states = dropUnclosed(20)
        assertTrue(states.all { it.nativeFrees.get() == 0 })
        gcUntil { states.all { it.reclaimed } }
        val freed = states.count { synchronized(it) { it.cleanerFrees.get() == 1 } }
        assertTrue(freed >= 1, "no dropped client was freed by the cleaner within 10 s")
        for (s in states) synchronized(s) { // the state's monitor: no reclaim half-done under us
            assertTrue(s.nativeFrees.get() <= 1, "a native client freed ${s.nativeFrees.get()} times")
            assertTrue(s.cleanerFrees.get() <= 1)
            // Seen collected ⇔ freed, once, by the cleaner (no call was in flight).
            assertEquals(if (s.reclaimed) 1 else 0, s.nativeFrees.get())
            assertEquals(s.nativeFrees.get(), s.cleanerFrees.get())
            assertTrue(s.closed == s.reclaimed)
        }
        assertTrue(ClientCleaner.frees.get() - before >= freed)
    }

    @Test
    fun `a client closed explicitly is not freed again by the cleaner`() {
        val s = dropClosed()
        assertTrue(gcUntil { s.reclaimed }, "the closed client was not collected within 10 s")
        synchronized(s) {} // the cleaner's reclaim, begun under this monitor, is over
        assertEquals(1, s.nativeFrees.get(), "freed again after close()")
        assertEquals(0, s.cleanerFrees.get())
    }

    @Test
    fun `a client used for real calls and dropped is freed by the cleaner`() {
        val s = dropUsed(Dev.newUser())
        assertTrue(gcUntil { s.reclaimed }, "the dropped client was not collected within 10 s")
        synchronized(s) {} // the cleaner's reclaim, begun under this monitor, is over
        assertEquals(1, s.nativeFrees.get())
        assertEquals(1, s.cleanerFrees.get())
        assertEquals(0, s.callsInFlight)
    }
}
