package authingmfa

import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.lang.reflect.InvocationTargetException
import java.util.concurrent.TimeUnit

/** Arguments the binding must refuse (or pass intact) before C sees them. */
class ArgumentTest {
    /** Refused with a message that names the argument and never quotes the value. */
    private fun assertNulRefused(what: String, secretPart: String, f: () -> Unit) {
        val e = assertThrows<AuthingInvalidArgumentException> { f() }
        assertEquals("$what contains a NUL character", e.message)
        assertEquals("AUTHING_MFA_ERR_INVALID_ARGUMENT", e.status)
        assertFalse(e.toString().contains(secretPart), e.toString())
    }

    @Test
    fun `TOTP helpers refuse a NUL instead of reading a shorter string`() {
        val secret = "JBSWY3DPEHPK3PXP"
        Totp.generate(secret, 59) // the valid prefix alone is accepted
        assertNulRefused("secret", "JBSWY") { Totp.generate("$secret\u0000!!!notbase32", 59) }
        assertNulRefused("secret", "JBSWY") { Totp.generateNow("$secret\u0000!!!notbase32") }
        val uri = "otpauth://totp/Authing:a@example.com?secret=$secret&issuer=Authing"
        Totp.parseUri(uri)
        assertNulRefused("uri", "JBSWY") { Totp.parseUri("$uri\u0000junk") }
    }

    @Test
    fun `tokens with a NUL are refused`() {
        Client().use { c ->
            c.setToken("tok-ok")
            assertNulRefused("token", "Secret") { c.setToken("tok-Secret\u0000tail") }
            c.setAccessToken("at-ok")
            assertNulRefused("accessToken", "Secret") { c.setAccessToken("at-Secret\u0000tail") }
        }
    }

    @Test
    fun `a method name with a NUL is refused, not run as its prefix`() = runBlocking<Unit> {
        Dev.client().use { c ->
            assertNulRefused("method", "verifyTotpMfa") {
                c.callBlocking("verifyTotpMfa\u0000x", buildJsonObject { put("totp", "123456"); put("mfaToken", "m") })
            }
            assertNulRefused("method", "logout") { c.callBlocking("logout\u0000x") }
            assertNulRefused("method", "logout") { runBlocking { c.call("logout\u0000x") } }
            assertEquals(0, c.callsInFlight)
        }
    }

    /**
     * JSON arguments need no check: kotlinx.serialization writes NUL as
     * `\u0000`, so the text C reads has none and the library decodes the
     * value whole. A current user round-trips through the library intact.
     */
    @Test
    fun `NUL inside JSON arguments arrives intact`() {
        assertFalse(params("totp" to "12\u000034").contains('\u0000'))
        assertFalse(ClientOptions(requestFrom = "a\u0000b").toJson().contains('\u0000'))
        Client().use { c ->
            c.setCurrentUser(buildJsonObject { put("id", "u1"); put("nickname", "a\u0000b") })
            assertEquals(JsonPrimitive("a\u0000b"), c.getCurrentUserJson()!!["nickname"])
        }
    }

    /**
     * The library requires enrollmentData. The suspend variant's non-null
     * type is checked by the Kotlin compiler (Kotlin emits no runtime
     * parameter checks in suspend functions); the Blocking one, which Java
     * calls, refuses null at run time and has no overload without it.
     */
    @Test
    fun `enrollFactor requires enrollmentData`() {
        val blocking = Client::class.java.getMethod("enrollFactorBlocking", String::class.java, String::class.java, JsonObject::class.java)
        Client().use { c ->
            val e = assertThrows<InvocationTargetException> { blocking.invoke(c, "OTP", "tok", null) }
            assertTrue(e.cause is NullPointerException && e.cause?.message?.contains("enrollmentData") == true, "${e.cause}")
        }
        assertTrue(Client::class.java.methods.none { it.name == "enrollFactorBlocking" && it.parameterCount == 2 })
        assertTrue(Client::class.java.methods.none { it.name == "enrollFactor" && it.parameterCount == 3 }) // (String, String, Continuation)
    }

    /**
     * shutdown is process-wide and final, so this runs in a JVM of its own
     * ([ShutdownProbe]): a negative timeout is refused before anything is
     * stopped (the library still makes clients), and a real shutdown then
     * still works.
     */
    @Test
    fun `shutdown refuses a negative timeout, in a process of its own`() {
        val java = File(System.getProperty("java.home"), "bin/java").path
        val cmd = listOf(
            java,
            "-cp", System.getProperty("java.class.path"),
            "-Djna.library.path=" + (System.getProperty("jna.library.path") ?: ""),
            "-Djna.nosys=true",
            ShutdownProbe::class.java.name,
        )
        val p = ProcessBuilder(cmd).redirectErrorStream(true).start()
        val finished = p.waitFor(120, TimeUnit.SECONDS)
        if (!finished) p.destroyForcibly()
        val out = p.inputStream.bufferedReader().readText()
        assertTrue(finished, "the probe did not finish: $out")
        assertEquals(0, p.exitValue(), out)
        assertEquals(listOf("negative: refused", "after: alive", "shutdown: done"), out.lines().filter { l -> listOf("negative:", "after:", "shutdown:").any { l.startsWith(it) } }, out)
    }
}

/** Run by [ArgumentTest] in its own JVM: prints one line per step. */
object ShutdownProbe {
    @JvmStatic
    fun main(args: Array<String>) {
        val negative = try {
            AuthingMfa.shutdown(-1)
            "ran"
        } catch (e: AuthingInvalidArgumentException) {
            if (e.message == "timeoutMillis must not be negative") "refused" else "wrong message: ${e.message}"
        }
        println("negative: $negative")
        val after = try {
            Client().close()
            "alive"
        } catch (e: AuthingShutdownException) {
            "shut down"
        }
        println("after: $after")
        AuthingMfa.shutdown(2000)
        val done = try {
            Client().close()
            "still running"
        } catch (e: AuthingShutdownException) {
            "done"
        }
        println("shutdown: $done")
    }
}
