"""The bridge from the library's callback API (``authing_mfa_call_async``)
to asyncio, and ``shutdown()``.

One call goes like this:

1. ``call()`` (a coroutine, on the event loop's thread) files a ``_Pending``
   record under a fresh integer id and calls ``authing_mfa_call_async`` with
   the one module-level C callback and that id as ``user_data``. Only the
   integer crosses into C: no Python object has to be kept alive by C, and
   no per-call ctypes callback object exists that could be collected early.
2. The library calls ``_on_complete`` exactly once, on one of its threads.
   It copies the JSON (borrowed for the duration of the callback only),
   takes the record out of the table, frees the op handle, and posts the
   outcome to the record's loop with ``call_soon_threadsafe``. If that loop
   is closed, nobody can be waiting: the outcome is dropped, quietly.
3. ``call()`` resumes on the loop and turns the outcome into the result or
   the exception the blocking API would have raised.

Cancellation: when the awaiting Task is cancelled (or the coroutine closed),
``call()`` calls ``authing_mfa_op_cancel`` and re-raises, so the caller sees
the usual ``asyncio.CancelledError`` and the native operation stops (its
callback then fires with ``AUTHING_MFA_ERR_CANCELLED``, or with the answer if
that won the race; either way it only finds a future that is already done).

The op handle is freed exactly once, after the callback fired, by whichever
comes last of "``call_async`` returned the handle" and "the callback fired"
(the callback can fire before ``call_async`` has returned). The record's
``op`` field, read and cleared under ``_lock``, decides; cancel uses the
handle only under the lock and only while it is still in the record, so it
never touches a freed handle.
"""

from __future__ import annotations

import asyncio
import atexit
import ctypes
import itertools
import json
import math
import os
import sys
import threading
import traceback
from typing import Any, Callable, ContextManager, Dict, Optional, Tuple

from . import _ffi
from .errors import AuthingMfaError, Status, from_error_json

__all__ = ["call", "shutdown", "live_operations"]

# (status, JSON bytes) as the callback received them.
Outcome = Tuple[int, bytes]


class _Pending:
    """One accepted call whose callback has not fired yet."""

    __slots__ = ("loop", "future", "op", "fired")

    def __init__(self, loop: asyncio.AbstractEventLoop, future: "asyncio.Future[Outcome]") -> None:
        self.loop = loop
        self.future = future
        self.op: Optional[int] = None  # the authing_mfa_op *, until freed
        self.fired = False


# Reentrant: a coroutine abandoned without being awaited to the end is closed
# by the garbage collector (GeneratorExit at its `await`), which may happen on
# any thread at any allocation, including inside one of the short critical
# sections below; its cleanup (``_cancel``) then takes the lock again on the
# same thread. Every section leaves the records consistent at each step, so
# re-entering is safe; a plain Lock would deadlock instead.
_lock = threading.RLock()
_idle = threading.Condition(_lock)  # notified when a call ends (see _settled)
_pending: Dict[int, _Pending] = {}
_ids = itertools.count(1)  # never 0: a NULL user_data arrives as None
_running = 0  # callbacks inside _complete right now


def live_operations() -> int:
    """How many accepted async calls have not had their callback yet (each
    holds a native op handle until then). For tests and diagnostics."""
    with _lock:
        return len(_pending)


def _forget(call_id: int) -> None:
    with _lock:
        _pending.pop(call_id, None)
        _idle.notify_all()


def _settled() -> bool:
    """No call in flight and no callback still running Python code."""
    return not _pending and _running == 0


# ------------------------------------------------------------ the callback


def _on_complete(user_data: Optional[int], status: int, json_ptr: Optional[int]) -> None:
    """The C callback, on a library thread. It must never raise into C:
    ctypes would only print the exception, but a bug here must not cost the
    op handle either, so everything is caught and reported on stderr."""
    try:
        # Copy first: the string is valid only until this function returns.
        text = ctypes.string_at(json_ptr) if json_ptr else b""
        _complete(user_data or 0, int(status), text)
    except BaseException:  # noqa: B036 - nothing may escape into C
        _report_bug()


def _complete(call_id: int, status: int, text: bytes) -> None:
    # Looked up by name on each call (not bound into the C callback), so
    # tests can observe the native outcomes.
    global _running
    with _lock:
        state = _pending.pop(call_id, None)
        if state is None:  # not a call of ours, or a second firing: ignore
            _idle.notify_all()
            return
        _running += 1
        state.fired = True
        op, state.op = state.op, None
    try:
        if op is not None:
            _ffi.lib().authing_mfa_op_free(op)
        try:
            state.loop.call_soon_threadsafe(_resolve, state.future, (status, text))
        except RuntimeError:
            # "Event loop is closed": the Task that awaited this is gone with
            # its loop. The handle is freed; there is nothing else to do.
            pass
    finally:
        with _lock:
            _running -= 1
            _idle.notify_all()


def _resolve(future: "asyncio.Future[Outcome]", outcome: Outcome) -> None:
    """On the loop's thread. A cancelled future (the Task was cancelled
    while the outcome travelled) keeps its cancellation: one outcome only."""
    if not future.done():
        future.set_result(outcome)


def _report_bug() -> None:
    try:
        sys.stderr.write("authing_mfa: unexpected exception in the async callback (please report):\n")
        traceback.print_exc()
    except BaseException:  # noqa: B036 - e.g. stderr closed at exit
        pass


# The one C callback object, alive as long as the module (the process): the
# library may call it until the last operation ended.
_C_CALLBACK = _ffi.CALLBACK(_on_complete)


# ----------------------------------------------------------------- calling


def _refused(status: int, method: bytes) -> AuthingMfaError:
    """The error for a call ``authing_mfa_call_async`` did not accept, for a
    library older than ``authing_mfa_call_async_ex`` (which gives the error
    JSON): the message is made here."""
    if status == Status.ERR_INVALID_ARGUMENT:
        shown = method.decode("utf-8", "replace")[:64]
        message = f"unknown method `{shown}`"
    elif status == Status.ERR_SHUTDOWN:
        message = "the library was shut down (authing_mfa.shutdown)"
    elif status == Status.ERR_FORKED:
        message = "this process is a fork of the one that first used authing-mfa"
    else:
        message = "authing_mfa_call_async refused the call"
    return from_error_json(status, _ffi.status_name(status), {"message": message})


def _cancel(state: _Pending) -> None:
    with _lock:
        if state.op is not None:  # else the callback fired: nothing to stop
            _ffi.lib().authing_mfa_op_cancel(state.op)


async def call(use: Callable[[], ContextManager[int]], method: bytes, params: Optional[bytes]) -> Any:
    """Runs ``method`` (a JS method name, UTF-8) with ``params`` (JSON or
    ``None``) without blocking the loop; returns the parsed result or raises
    the exception the blocking API raises. ``use()`` lends the client handle
    for the duration of the ``authing_mfa_call_async`` call only: the
    library lets a client be freed while its operations are in flight."""
    with_error = _ffi.has_function("authing_mfa_call_async_ex")
    call_async = _ffi.optional_function("authing_mfa_call_async_ex" if with_error else "authing_mfa_call_async")
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Outcome] = loop.create_future()
    state = _Pending(loop, future)
    with _lock:
        call_id = next(_ids)
        _pending[call_id] = state
    op = ctypes.c_void_p()
    status: Optional[int] = None
    refusal: Optional[AuthingMfaError] = None
    try:
        with use() as handle:
            if with_error:
                with _ffi.OutString() as err:
                    status = call_async(handle, method, params, _C_CALLBACK, call_id, ctypes.byref(op), err.ref)
                    if status != Status.OK:
                        refusal = _ffi.error_for(status, err.take())
            else:
                status = call_async(handle, method, params, _C_CALLBACK, call_id, ctypes.byref(op))
    finally:
        if status != Status.OK:
            _forget(call_id)  # refused, or never made: the callback will not fire
    if status != Status.OK:
        raise refusal if refusal is not None else _refused(status, method)

    with _lock:
        if state.fired:
            orphan = op.value  # the callback was faster and found no handle to free
        else:
            state.op = op.value
            orphan = None
    if orphan is not None:
        _ffi.lib().authing_mfa_op_free(orphan)

    try:
        status, text = await future
    except BaseException:
        # CancelledError (the Task was cancelled), GeneratorExit (the
        # coroutine was closed), or anything thrown in: stop the native
        # operation, then let the exception go on as usual.
        _cancel(state)
        raise
    decoded = text.decode("utf-8")
    if status == Status.OK:
        return json.loads(decoded)
    raise _ffi.error_for(status, decoded)


# ---------------------------------------------------------------- shutdown


def _millis(timeout: float) -> int:
    """Seconds as the library's uint32 milliseconds: rounded up (a tiny
    positive timeout is not 0), ``inf`` and anything longer than the C type
    holds (49 days) clamped."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number of seconds, not {type(timeout).__name__}")
    if math.isnan(timeout) or timeout < 0:
        raise ValueError("timeout must be a number of seconds >= 0")
    millis = timeout * 1000
    # round() first: 0.3 * 1000 is 300.00000000000006, which must be 300.
    return 0xFFFFFFFF if millis >= 0xFFFFFFFF else math.ceil(round(millis, 6))


def shutdown(timeout: float = 5.0) -> None:
    """Stops the library for the whole process, for good: cancels every
    operation in flight (awaiting coroutines raise ``ShutdownError``,
    blocking calls return it), waits up to ``timeout`` seconds for them to
    end, and stops the library's I/O threads. Afterwards every call that
    needs the network, and creating a client, raise ``ShutdownError``; TOTP
    helpers still work. Idempotent. Not required at exit.

    Blocks the calling thread for up to ``timeout`` (from a coroutine, run it
    in an executor if the loop must stay responsive). Raises
    ``WouldDeadlockError`` when called from a library thread (e.g. from a
    logging handler during an async call)."""
    status = _ffi.optional_function("authing_mfa_shutdown")(_millis(timeout))
    if status == Status.ERR_WOULD_DEADLOCK:
        message = (
            "shutdown() was called from a library thread (for example from a logging handler "
            "during an async call); call it from one of your own threads"
        )
    else:
        message = "shutting the library down failed"
    _ffi.check(status, message)


def _after_fork_in_child() -> None:
    """In a child forked while the library was in use, the library refuses
    every call (``ForkedError``), and the calls in flight at the fork are the
    parent's: their callbacks fire in the parent, never here. So the child
    starts with fresh locks (another thread of the parent may have held
    ``_lock`` at the fork; that thread does not exist here, and the lock
    would be held for good), forgets those calls without touching their op
    handles (cancelling one would poke the parent's runtime), and fails the
    futures still awaiting them, so that nothing waits forever, at exit
    included."""
    global _lock, _idle, _pending, _running
    orphans = list(_pending.values())
    _lock = threading.RLock()
    _idle = threading.Condition(_lock)
    _pending = {}
    _running = 0
    for state in orphans:
        if not state.future.done():
            error = from_error_json(
                Status.ERR_FORKED,
                Status.ERR_FORKED.c_name,
                {"message": "the process was forked while this call was in flight; its answer goes to the parent"},
            )
            try:
                state.future.set_exception(error)
            except BaseException:  # noqa: B036 - e.g. a loop of a thread that is gone
                pass


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


@atexit.register
def _drain_at_exit() -> None:
    """At interpreter exit, no library thread may call into Python any more
    (a thread that takes the GIL while the interpreter finalizes is stopped
    in place). So: cancel what is still in flight and wait briefly for those
    callbacks; if some cannot fire in time, ``authing_mfa_shutdown`` fires
    them from this thread before returning (the process is ending anyway).
    Atexit handlers run before finalization starts, so the callbacks can
    still run normally (they find closed loops and drop their outcomes)."""
    try:
        with _lock:
            if _settled():
                return
            for state in list(_pending.values()):
                _cancel(state)
            _idle.wait_for(_settled, timeout=2.0)
            left_over = bool(_pending)
        if left_over:
            _ffi.lib().authing_mfa_shutdown(500)
    except BaseException:  # noqa: B036 - never fail the interpreter's exit
        pass
