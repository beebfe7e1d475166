package authingmfa

import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import java.net.HttpURLConnection
import java.net.Proxy
import java.net.URI
import java.util.concurrent.atomic.AtomicInteger

/** The dev server run-tests.sh started (its URL in -Dauthing.mfa.devurl), and its /__dev endpoints. */
object Dev {
    val url: String by lazy {
        val u = System.getProperty("authing.mfa.devurl")
        require(!u.isNullOrEmpty() && u.startsWith("http://127.0.0.1:")) {
            "no dev server: run the suite with bindings/kotlin/run-tests.sh (it sets -Dauthing.mfa.devurl)"
        }
        u
    }

    private val seq = AtomicInteger()

    data class TestUser(val id: String, val username: String, val email: String, val phone: String, val password: String)

    /** Sends JSON to the dev server (never through a proxy) and returns the envelope. */
    fun post(path: String, body: JsonObject): JsonObject {
        val c = URI(url + path).toURL().openConnection(Proxy.NO_PROXY) as HttpURLConnection
        c.requestMethod = "POST"
        c.doOutput = true
        c.connectTimeout = 5000
        c.readTimeout = 10000
        c.setRequestProperty("Content-Type", "application/json")
        c.outputStream.use { it.write(body.toString().toByteArray(Charsets.UTF_8)) }
        val stream = if (c.responseCode >= 400) c.errorStream else c.inputStream
        val text = stream.use { it.readBytes().toString(Charsets.UTF_8) }
        return parseJson(text) as JsonObject
    }

    fun newUser(): TestUser {
        val n = seq.incrementAndGet()
        val pid = ProcessHandle.current().pid() % 10000
        val name = "kt-$pid-$n"
        val u = TestUser("", name, "$name@example.com", "139%04d%04d".format(pid, n), "pw-$name-Secret")
        val env = post("/__dev/users", buildJsonObject {
            put("username", u.username); put("email", u.email); put("phone", u.phone); put("password", u.password)
        })
        check((env["code"] as JsonPrimitive).content == "200") { "create user: $env" }
        val id = ((env["data"] as JsonObject)["id"] as JsonPrimitive).content
        return u.copy(id = id)
    }

    fun client(timeoutMs: Long = 15000, host: String = url, token: String? = null) =
        Client(ClientOptions(appHost = host, timeout = timeoutMs, token = token))
}
