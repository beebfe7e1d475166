package authingmfa

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** The whole TOTP story of the README, against the dev server. */
class StoryTest {
    private val recoveryRe = Regex("^[0-9a-f]{4}(-[0-9a-f]{4}){5}$")

    /** Asserts that neither the message nor toString of [e] quotes any of [secrets]. */
    private fun assertNoSecrets(e: Throwable, vararg secrets: String) {
        for (s in secrets) {
            assertFalse(e.message.orEmpty().contains(s), "message quotes a secret: ${e.message}")
            assertFalse(e.toString().contains(s), "toString quotes a secret: $e")
            assertFalse(e.stackTraceToString().contains(s), "stack trace quotes a secret")
        }
    }

    @Test
    fun `login, bind TOTP, login with MFA, recovery code, unbind`() = runBlocking<Unit> {
        val u = Dev.newUser()
        Dev.client().use { c ->
            // First factor: no MFA yet, so the login succeeds and becomes the current user.
            val user = c.loginByEmail(u.email, u.password)
            assertEquals(u.id, user.id)
            assertEquals(u.username, user.username)
            assertNotNull(user.token)
            assertFalse(user.toString().contains(user.token!!), "User.toString shows the token")
            assertEquals(u.id, c.getCurrentUser()?.id)

            assertEquals(emptyList<Authenticator>(), c.getMfaAuthenticators())

            val assoc = c.assosicateMfaAuthenticator()
            assertEquals("totp", assoc.authenticatorType)
            assertTrue(assoc.qrcodeUri!!.startsWith("otpauth://totp/"))
            assertTrue(recoveryRe.matches(assoc.recoveryCode!!), "recovery code format")
            assertFalse(assoc.toString().contains(assoc.secret))
            val parsed = Totp.parseUri(assoc.qrcodeUri!!)
            assertEquals(assoc.secret, parsed.secret)
            assertEquals(6, parsed.digits)

            // A wrong code at confirm is HTTP 400.
            val good = Totp.generateNow(assoc.secret)
            val wrong = ((good.toInt() + 1) % 1_000_000).toString().padStart(6, '0')
            val bad = assertThrows<AuthingHttpStatusException> { runBlocking { c.confirmAssosicateMfaAuthenticator(wrong) } }
            assertEquals(400, bad.httpStatus)
            assertNoSecrets(bad, wrong)

            val st = c.confirmAssosicateMfaAuthenticator(totp = good, authenticatorType = "totp", source = "SELF")
            assertEquals(200, st.code)

            val list = c.getMfaAuthenticators()
            assertEquals(1, list.size)
            assertEquals(true, list[0].enable)
            assertEquals(assoc.secret, list[0].secret)
            assertEquals(u.id, list[0].userId)

            // Second login: the server wants the second factor (1635, data.mfaToken).
            val mfa = assertThrows<AuthingApiException> { runBlocking { c.loginByEmail(u.email, u.password) } }
            assertEquals(AuthingException.CODE_MFA_REQUIRED, mfa.code)
            assertTrue(mfa.isMfaRequired)
            val mfaToken = mfa.mfaToken ?: error("1635 without data.mfaToken")
            assertNoSecrets(mfa, mfaToken, u.password)

            // The authenticators, listed with the mfaToken during the MFA stage.
            assertEquals(1, c.getMfaAuthenticators(type = "totp", mfaToken = mfaToken).size)

            val code = Totp.generateNow(assoc.secret)
            val verified = c.verifyTotpMfa(totp = code, mfaToken = mfaToken)
            assertEquals(u.id, verified.id)
            assertNotNull(verified.token)

            // Replaying the code: 6001, and the error quotes neither the code nor the mfaToken.
            val mfaToken2 = assertThrows<AuthingApiException> { runBlocking { c.loginByEmail(u.email, u.password) } }.mfaToken!!
            val replay = assertThrows<AuthingApiException> { runBlocking { c.verifyTotpMfa(code, mfaToken2) } }
            assertEquals(AuthingException.CODE_WRONG_TOTP, replay.code)
            assertEquals(200, replay.httpStatus)
            assertNoSecrets(replay, code, mfaToken2)

            // The recovery code logs in once (blocking variant) and is rotated.
            val mfaToken3 = assertThrows<AuthingApiException> { c.loginByEmailBlocking(u.email, u.password) }.mfaToken!!
            val rec = c.verifyTotpRecoveryCodeBlocking(assoc.recoveryCode!!, mfaToken3)
            assertEquals(u.id, rec.user.id)
            assertTrue(recoveryRe.matches(rec.recoveryCode!!))
            assertNotEquals(assoc.recoveryCode, rec.recoveryCode)
            assertFalse(rec.toString().contains(rec.recoveryCode!!))

            val mfaToken4 = assertThrows<AuthingApiException> { runBlocking { c.loginByEmail(u.email, u.password) } }.mfaToken!!
            val used = assertThrows<AuthingApiException> { runBlocking { c.verifyTotpRecoveryCode(assoc.recoveryCode!!, mfaToken4) } }
            assertEquals(AuthingException.CODE_WRONG_RECOVERY_CODE, used.code)
            assertNoSecrets(used, assoc.recoveryCode!!, mfaToken4)

            // Unbind with the user token of the recovery login; then no MFA again.
            c.setToken(rec.user.token)
            assertEquals(200, c.deleteMfaAuthenticator().code)
            assertEquals(emptyList<Authenticator>(), c.getMfaAuthenticators())
            assertEquals(u.id, c.loginByEmail(u.email, u.password).id)

            // Client-side token state.
            c.clearCurrentUser()
            assertNull(c.getCurrentUser())
            c.setCurrentUser(verified)
            assertEquals(u.id, c.getCurrentUser()?.id)
            assertThrows<AuthingInvalidArgumentException> { c.setToken("has space") }
            c.setAccessToken("an-access-token")
            c.setAccessToken(null)
        }
    }

    @Test
    fun `the generic call reaches operations by JS name and alias`() {
        Dev.client().use { c ->
            val u = Dev.newUser()
            c.loginByUsernameBlocking(u.username, u.password)
            val viaAlias = c.callBlocking("associateMfaAuthenticator")
            assertTrue((viaAlias as kotlinx.serialization.json.JsonObject).containsKey("secret"))
            val e = assertThrows<AuthingInvalidArgumentException> { c.callBlocking("noSuchMethod") }
            assertTrue(e.message.contains("noSuchMethod"))
        }
    }

    @Test
    fun `TOTP matches RFC 6238`() {
        // RFC 6238 appendix B, SHA1, T = 59: 94287082 (8 digits); Authing's are the last 6.
        assertEquals("287082", Totp.generate("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59))
        val e = assertThrows<AuthingInvalidArgumentException> { Totp.generateNow("not base32 !") }
        assertFalse(e.message.contains("not base32"))
    }
}
