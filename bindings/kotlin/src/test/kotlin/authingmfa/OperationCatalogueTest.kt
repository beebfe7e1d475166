package authingmfa

import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import kotlin.coroutines.Continuation

/**
 * The binding checked against the library it loads: every operation of
 * `authing_mfa_operations()` (name and aliases) has a suspend method of
 * that name on [Client] and a `<name>Blocking` one, so a new operation the
 * binding lacks fails here, named. The only mapping is the Blocking suffix.
 */
class OperationCatalogueTest {
    private val methods = Client::class.java.methods.toList()

    private fun hasSuspend(name: String) =
        methods.any { it.name == name && it.parameterTypes.lastOrNull() == Continuation::class.java }

    private fun hasBlocking(name: String) = methods.any { it.name == name + "Blocking" }

    @Test
    fun `every operation of the library has a Kotlin method`() {
        val ops = AuthingMfa.operations()
        assertTrue(ops.size >= 31, "the catalogue lists ${ops.size} operations")
        val missing = ops.flatMap { listOf(it.name) + it.aliases }.filter { !hasSuspend(it) || !hasBlocking(it) }
        assertTrue(missing.isEmpty(), "operations of the library the Kotlin binding lacks: $missing")
    }

    @Test
    fun `every Kotlin operation method names an operation of the library`() {
        val known = AuthingMfa.operations().flatMap { listOf(it.name) + it.aliases }.toSet()
        val notOps = setOf("call", "callBlocking")
        val blocking = methods.map { it.name }.filter { it.endsWith("Blocking") && it !in notOps }
            .map { it.removeSuffix("Blocking") }.toSet()
        val unknown = blocking - known
        assertTrue(unknown.isEmpty(), "Kotlin methods for operations the library does not have: $unknown")
    }
}
