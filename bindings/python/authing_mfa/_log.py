"""The library's log callback, bridged to :mod:`logging`.

The library reports one line per request (INFO), failed requests and
retries (WARNING) and request headers (DEBUG, with ``Authorization: Bearer
<redacted>``); it never logs bodies, tokens, codes or secrets. Lines arrive
on whatever thread made the request (a library thread for async calls),
possibly on several at once; ``logging`` is thread-safe.
"""

from __future__ import annotations

import atexit
import logging
import threading
from typing import Optional

from . import _ffi
from .errors import Status, WouldDeadlockError

__all__ = ["enable_logging", "disable_logging"]

# AUTHING_MFA_LOG_ERROR 1 ... AUTHING_MFA_LOG_DEBUG 4 -> logging levels.
_LEVELS = {1: logging.ERROR, 2: logging.WARNING, 3: logging.INFO, 4: logging.DEBUG}

_lock = threading.Lock()  # serializes enable/disable (Python state and C state change together)
_logger: Optional[logging.Logger] = None  # where lines go; None when disabled
_at_exit_registered = False
_inside = threading.local()  # .active: this thread is running the callback


def _on_log(user_data: Optional[int], level: int, message: Optional[bytes]) -> None:
    """The C log callback (any thread). Never raises into C: a failing
    handler or filter loses the line, never the request."""
    try:
        logger = _logger
        if logger is None or message is None:
            return
        _inside.active = True
        try:
            # The line is the record's msg as is (no %-formatting, since no
            # args are given): caplog and handlers see exactly what C sent.
            logger.log(_LEVELS.get(int(level), logging.DEBUG), message.decode("utf-8", "replace"))
        finally:
            _inside.active = False
    except BaseException:  # noqa: B036 - nothing may escape into C
        pass


# The one C callback object, alive as long as the process: the library may
# call it until it has been replaced.
_C_LOG_CALLBACK = _ffi.LOG_CALLBACK(_on_log)


def _max_level(level: int) -> int:
    """The C level that lets through everything at ``level`` or above."""
    if level <= logging.DEBUG:
        return 4
    if level <= logging.INFO:
        return 3
    if level <= logging.WARNING:
        return 2
    return 1


def _refuse_inside_callback(what: str) -> None:
    # The library refuses this from inside the log callback (it would wait
    # for itself); refusing before taking _lock also avoids waiting for a
    # thread that holds _lock while the library waits for this callback.
    if getattr(_inside, "active", False):
        raise WouldDeadlockError(
            f"{what}() was called from a logging handler of authing_mfa's own log lines",
            status=Status.ERR_WOULD_DEADLOCK.c_name,
            status_code=int(Status.ERR_WOULD_DEADLOCK),
        )


def enable_logging(level: int = logging.DEBUG, logger: Optional[logging.Logger] = None) -> None:
    """Sends the library's log lines to ``logger`` (default
    ``logging.getLogger("authing_mfa")``), asking the library for lines of
    ``level`` and above (``logging.DEBUG`` includes the request headers).
    Library levels map as ERROR 1 -> ``ERROR``, WARN 2 -> ``WARNING``,
    INFO 3 -> ``INFO``, DEBUG 4 -> ``DEBUG``. The logger's own level and
    handlers apply as usual. Process-wide: calling it again replaces the
    previous logger and level."""
    if isinstance(level, bool) or not isinstance(level, int):
        raise TypeError(f"level must be a logging level (int), not {type(level).__name__}")
    target = logger if logger is not None else logging.getLogger("authing_mfa")
    _refuse_inside_callback("enable_logging")
    global _logger, _at_exit_registered
    set_callback = _ffi.optional_function("authing_mfa_set_log_callback")
    with _lock:
        previous, _logger = _logger, target
        status = set_callback(_max_level(level), _C_LOG_CALLBACK, None)
        if status != Status.OK:
            _logger = previous  # the library kept the previous state too
            _ffi.check(status, "installing the log callback failed")
        if not _at_exit_registered:
            # No library thread may call into Python once it finalizes.
            atexit.register(disable_logging)
            _at_exit_registered = True


def disable_logging() -> None:
    """Stops sending log lines to Python. When it returns, the callback is
    no longer running on any thread. Idempotent."""
    _refuse_inside_callback("disable_logging")
    global _logger
    with _lock:
        if _logger is None:
            return
        # Removing waits for lines being delivered on other threads (which
        # need the GIL: ctypes releases it during the call).
        # LOG_CALLBACK() is the NULL function pointer (ctypes refuses None here).
        status = _ffi.optional_function("authing_mfa_set_log_callback")(0, _ffi.LOG_CALLBACK(), None)
        _ffi.check(status, "removing the log callback failed")
        _logger = None
