"""One description per operation (issue #11): ``Client``'s blocking method
and its ``_async`` coroutine are both made from a single definition.

An operation is written once, in ``Client``'s class body::

    @operation("verifyTotpMfa", "authing_mfa_verify_totp", returns=JsonObject)
    def verify_totp_mfa(self, *, totp: str, mfa_token: str) -> Params:
        \"\"\"The second factor with a TOTP code; ...\"\"\"
        return _js_params(totp=totp, mfaToken=mfa_token)

    verify_totp_mfa_async = coroutine(verify_totp_mfa)

The definition (the *spec*) gives everything the public methods show: the
name, the keyword-only parameters with their types and defaults, the
docstring; its body only builds the JS argument object (the ``params`` of
``Client.call``), validating what needs it. The decorator's arguments give
the rest: the JS name the coroutine runs (``authing_mfa_call_async``), the C
function the blocking method calls, the result type. From that, ``operation``
makes the blocking method, ``self._op(c_function, spec(self, ...))``, and
``coroutine`` its twin, ``await self._op_async(js, spec(self, ...))``. Every
operation is recorded in ``OPERATIONS`` (the table the drift test compares
with the library's ``authing_mfa_operations()``), and its C function is
declared to ``_ffi`` with the one prototype all operation functions share.

Why a decorator on a real ``def`` rather than a table of data from which
methods are generated:

* Type checkers and IDEs read the methods as they are. ``operation`` and
  ``coroutine`` are typed with a ``ParamSpec``: mypy sees
  ``Client.verify_totp_mfa`` as ``(*, totp: str, mfa_token: str) ->
  JsonObject`` and the twin as the same parameters returning a coroutine
  of it, and checks the spec's body like any other code. A data table would
  need a ``client.pyi`` stub repeating every signature (a second
  description to keep in step), and mypy would then check the stub instead
  of ``client.py``.
* Special cases stay ordinary Python in the body: ``_js_params`` (only the
  keys given, ``None`` when none is), ``_path`` for file arguments.
* The twin is one explicit line per operation (``x_async = coroutine(x)``):
  that line is what makes it visible to static tools; the drift test fails
  for an operation without it.

The generated methods are real functions whose parameter list is made with
``exec`` from the spec's parameter names (as ``dataclasses`` makes
``__init__``), not ``*args, **kwargs`` wrappers with a ``__signature__``:
``inspect.signature``, ``help()`` and the call itself then agree exactly,
and a wrong keyword given to a coroutine raises ``TypeError`` at the call,
as for any ``async def``, not later when awaited. Only identifiers taken
from the spec's own signature go into the generated source.
"""

from __future__ import annotations

import inspect
import keyword
import linecache
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Coroutine, Dict, List, Optional, Type, TypeVar

from . import _ffi

if TYPE_CHECKING:  # typing.ParamSpec is 3.10+; type checkers know typing_extensions
    from typing_extensions import ParamSpec

    P = ParamSpec("P")

__all__ = ["Operation", "OPERATIONS", "Params", "operation", "coroutine"]

R = TypeVar("R")

# What a spec returns: the JS argument object, or None for "no argument"
# (the library then applies the JS defaults).
Params = Optional[Dict[str, Any]]


@dataclass(frozen=True)
class Operation:
    """One row of the table: an operation as ``Client`` runs it."""

    name: str  # the blocking method; the coroutine is name + "_async"
    js: str  # the JS method name: what the coroutine sends to authing_mfa_call_async
    c_function: str  # what the blocking method calls
    returns: Any  # the result type (what the JSON answer is, unchanged)
    spec: Callable[..., Params]  # the definition: builds the JS argument object
    async_note: Optional[str] = None  # appended to the coroutine's docstring

    @property
    def async_name(self) -> str:
        return self.name + "_async"


# Every operation, in the order Client defines them.
OPERATIONS: List[Operation] = []

# Where the generated functions keep their row (read by `coroutine` and tests).
ATTRIBUTE = "_authing_mfa_operation"


def operation(
    js: str, c_function: str, *, returns: Type[R], async_note: Optional[str] = None
) -> Callable[[Callable[P, Params]], Callable[P, R]]:
    """Makes the blocking method from its spec (see the module docstring).
    ``async_note`` goes in parentheses after "as a coroutine" in the twin's
    docstring, for what differs in the twin (e.g. where files are read)."""

    def decorate(spec: Callable[P, Params]) -> Callable[P, R]:
        keywords = _keywords(spec)
        if not (spec.__doc__ or "").strip():
            raise TypeError(f"operation {spec.__name__} has no docstring")
        if any(op.name == spec.__name__ for op in OPERATIONS):
            raise TypeError(f"operation {spec.__name__} is defined twice")
        op = Operation(spec.__name__, js, c_function, returns, spec, async_note)
        OPERATIONS.append(op)
        _ffi.declare_operation(c_function)

        def run(self: Any, **given: Any) -> Any:
            return self._op(c_function, spec(self, **given))

        method: Callable[P, R] = _generate(op, op.name, keywords, run, is_async=False, doc=spec.__doc__)
        return method

    return decorate


def coroutine(blocking: Callable[P, R]) -> Callable[P, Coroutine[Any, Any, R]]:
    """The ``_async`` twin of a method made by ``operation``: same
    parameters, same result (awaited), same exceptions."""
    op: Optional[Operation] = getattr(blocking, ATTRIBUTE, None)
    if op is None:
        raise TypeError(f"{blocking!r} was not made by operation()")
    note = f" ({op.async_note})" if op.async_note else ""
    doc = f"``{op.name}()`` as a coroutine{note}."
    js = op.js
    spec = op.spec

    def run(self: Any, **given: Any) -> Any:
        # Called when the coroutine runs (not when it is created), as the
        # body of an `async def` is: argument errors of the spec (bad
        # paths) surface at the `await`.
        return self._op_async(js, spec(self, **given))

    method: Callable[P, Coroutine[Any, Any, R]] = _generate(
        op, op.async_name, _keywords(spec), run, is_async=True, doc=doc
    )
    return method


def _keywords(spec: Callable[..., Any]) -> List[str]:
    """The spec's parameter names after ``self``, which must all be
    keyword-only (the public API's convention)."""
    parameters = list(inspect.signature(spec).parameters.values())
    if not parameters or parameters[0].name != "self":
        raise TypeError(f"operation {spec.__name__} must be a method (first parameter self)")
    names: List[str] = []
    for p in parameters[1:]:
        if p.kind is not inspect.Parameter.KEYWORD_ONLY:
            raise TypeError(f"operation {spec.__name__}: parameter {p.name} must be keyword-only")
        if not p.name.isidentifier() or keyword.iskeyword(p.name) or p.name.startswith("_"):
            raise TypeError(f"operation {spec.__name__}: unusable parameter name {p.name!r}")
        names.append(p.name)
    return names


def _generate(
    op: Operation,
    name: str,
    keywords: List[str],
    run: Callable[..., Any],
    *,
    is_async: bool,
    doc: Optional[str],
) -> Any:
    """``[async] def <name>(self, *, <keywords>): return [await] _run(self,
    <keyword>=<keyword>, ...)``, dressed as a method of the spec's class."""
    head = ", ".join(["self", "*", *keywords]) if keywords else "self"
    forward = "".join(f", {k}={k}" for k in keywords)
    source = (
        "def _make(_run):\n"
        f"    {'async ' if is_async else ''}def {name}({head}):\n"
        f"        return {'await ' if is_async else ''}_run(self{forward})\n"
        f"    return {name}\n"
    )
    spec = op.spec
    owner = spec.__qualname__.rpartition(".")[0]  # "Client"
    qualname = f"{owner}.{name}" if owner else name
    # A file name of its own, its source in linecache: tracebacks show the
    # generated line, as for dataclasses' and attrs' generated methods.
    filename = f"<authing_mfa operation {qualname}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    made: Dict[str, Any] = {}
    # The spec's module globals (only read: `_make` lands in `made`), so
    # that typing.get_type_hints resolves the annotations as for any method.
    exec(compile(source, filename, "exec"), spec.__globals__, made)  # noqa: S102 - see the module docstring
    function = made["_make"](run)
    function.__module__ = spec.__module__
    function.__qualname__ = qualname
    function.__doc__ = doc
    function.__kwdefaults__ = dict(spec.__kwdefaults__) if spec.__kwdefaults__ else None
    annotations = dict(spec.__annotations__)
    annotations["return"] = op.returns
    function.__annotations__ = annotations
    setattr(function, ATTRIBUTE, op)
    return function
