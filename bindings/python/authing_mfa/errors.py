"""Exceptions raised by the binding: one class per family of library status.

Every failure of the C library comes with one error JSON
``{"status", "message", "code", "httpStatus", "data"}`` (plus
``"requestId"`` when a v3 answer carried one); it becomes an
instance of the class that matches its ``status``, carrying those fields as
attributes. ``str()`` and ``repr()`` show only the status, the Authing code
and the message: ``data`` may hold an mfaToken (code 1635), so it is never
printed, logged or put in ``args``.
"""

from __future__ import annotations

import builtins
import enum
from typing import Any, Dict, Optional, Type

__all__ = [
    "Status",
    "AuthingMfaError",
    "InvalidArgumentError",
    "ClientClosedError",
    "ApiError",
    "HttpStatusError",
    "NetworkError",
    "AuthingTimeoutError",
    "DecodeError",
    "IoError",
    "CancelledError",
    "ShutdownError",
    "WouldDeadlockError",
    "ForkedError",
    "PanicError",
    "LibraryNotFoundError",
]


class Status(enum.IntEnum):
    """The library's ``authing_mfa_status`` values (stable forever)."""

    OK = 0
    ERR_NULL_ARGUMENT = 1
    ERR_INVALID_UTF8 = 2
    ERR_INVALID_JSON = 3
    ERR_INVALID_ARGUMENT = 4
    ERR_API = 10
    ERR_HTTP_STATUS = 11
    ERR_NETWORK = 12
    ERR_TIMEOUT = 13
    ERR_DECODE = 14
    ERR_IO = 15
    ERR_CANCELLED = 16
    ERR_SHUTDOWN = 17
    ERR_WOULD_DEADLOCK = 18
    ERR_FORKED = 19
    ERR_PANIC = 99

    @property
    def c_name(self) -> str:
        """The C name, e.g. ``AUTHING_MFA_ERR_API`` (what ``e.status`` holds)."""
        return "AUTHING_MFA_" + self.name


class AuthingMfaError(Exception):
    """Base class of every error of the library.

    Attributes:
        status: the C status name, e.g. ``"AUTHING_MFA_ERR_API"``.
        status_code: the C status value, e.g. ``10``.
        code: the Authing business code (``6001``, ``1635``, ...) or ``None``.
        message: a human sentence without secrets (the server's message for
            API errors, in the client's ``lang``).
        http_status: the HTTP status when there was an answer, else ``None``.
        data: the envelope's ``data`` when the server sent one (for code 1635
            or 1636 an ``authing_mfa.types.MfaErrorData``, with ``mfaToken``),
            else ``None``. Never printed.
        request_id: the ``requestId`` of a failed v3 answer (Authing's
            reference for a support request), else ``None``.
    """

    status: str
    status_code: int
    code: Optional[int]
    message: str
    http_status: Optional[int]
    data: Any
    request_id: Optional[str]

    def __init__(
        self,
        message: str,
        *,
        status: str = "AUTHING_MFA_UNKNOWN_STATUS",
        status_code: int = -1,
        code: Optional[int] = None,
        http_status: Optional[int] = None,
        data: Any = None,
        request_id: Optional[str] = None,
    ) -> None:
        # Only the message goes to Exception.args, so generic tooling that
        # prints args (logging, pytest, Sentry) never sees `data`.
        super().__init__(message)
        self.message = message
        self.status = status
        self.status_code = status_code
        self.code = code
        self.http_status = http_status
        self.data = data
        self.request_id = request_id

    def __str__(self) -> str:
        if self.code is None:
            return f"{self.message} [{self.status}]"
        return f"{self.message} [{self.status}, code {self.code}]"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, message={self.message!r})"

    def __reduce__(self) -> Any:
        # Keyword-only constructor: teach pickle (multiprocessing, concurrent
        # futures) how to rebuild the exception with all its fields.
        return (
            _rebuild,
            (
                type(self),
                self.message,
                self.status,
                self.status_code,
                self.code,
                self.http_status,
                self.data,
                self.request_id,
            ),
        )


def _rebuild(
    cls: Type[AuthingMfaError],
    message: str,
    status: str,
    status_code: int,
    code: Optional[int],
    http_status: Optional[int],
    data: Any,
    request_id: Optional[str] = None,
) -> AuthingMfaError:
    return cls(
        message,
        status=status,
        status_code=status_code,
        code=code,
        http_status=http_status,
        data=data,
        request_id=request_id,
    )


class InvalidArgumentError(AuthingMfaError, ValueError):
    """The call itself was wrong: NULL, invalid UTF-8, bad JSON, unknown or
    missing key, bad value, unknown method (statuses 1 to 4). Also a
    ``ValueError``, as Python code expects for bad arguments."""


class ClientClosedError(InvalidArgumentError):
    """The client was used after ``close()`` (the library would see a NULL
    handle: status ``AUTHING_MFA_ERR_NULL_ARGUMENT``). Like using a closed
    file, it is a ``ValueError``."""


class ApiError(AuthingMfaError):
    """The server answered an envelope whose code is not 200: ``code`` is
    Authing's code (6001 wrong TOTP, 6002 wrong recovery code, 1635 MFA
    required with ``data["mfaToken"]``, 2020 not logged in, ...). A v3
    failure (``statusCode`` not 200) has ``code`` = its ``apiCode`` (else
    its ``statusCode``) and ``request_id`` = its ``requestId``."""


class HttpStatusError(AuthingMfaError):
    """A non-2xx HTTP answer (``http_status``); the envelope's ``code`` and
    ``message`` are kept when it had one (e.g. 400 for a wrong code at
    confirm)."""


class NetworkError(AuthingMfaError):
    """Connect, DNS, TLS, reset, or a refused plain-http URL."""


class AuthingTimeoutError(AuthingMfaError, builtins.TimeoutError):
    """The request outlived the client's ``timeout`` option. Also the builtin
    ``TimeoutError`` (hence an ``OSError``), so generic timeout handling
    catches it."""


class DecodeError(AuthingMfaError):
    """A 2xx answer that is not a readable envelope, or a too large one."""


class IoError(AuthingMfaError, OSError):
    """A local file (a face photo) could not be read. Also an ``OSError``,
    like every other file error in Python; ``errno`` and ``filename`` are
    not set (the library reports a message only)."""


class CancelledError(AuthingMfaError):
    """The library reported an operation as cancelled. Cancelling the asyncio
    Task that awaits an ``*_async`` call raises ``asyncio.CancelledError`` as
    usual, not this: the binding cancels the native operation only then, so
    this class is for statuses seen through other routes."""


class ShutdownError(AuthingMfaError):
    """``authing_mfa.shutdown()`` was called: the call was stopped by it, or
    came after it (the library does not restart)."""


class WouldDeadlockError(AuthingMfaError):
    """A blocking call was made from a thread of the library's own runtime."""


class ForkedError(AuthingMfaError):
    """This process was forked (``os.fork()``, ``multiprocessing`` with the
    fork start method, gunicorn ``--preload``) after the library was first
    used, and this is the child: the library's I/O threads and connections
    belong to the parent, so every call that would use them raises this at
    once. Create clients only in the processes that use them (after the
    fork), or use the ``spawn``/``forkserver`` start method."""


class PanicError(AuthingMfaError):
    """A bug inside the library, caught at its boundary. Please report it."""


class LibraryNotFoundError(ImportError):
    """``libauthing_mfa`` could not be found or loaded; the message lists
    every place that was tried."""


_FAMILIES: Dict[int, Type[AuthingMfaError]] = {
    Status.ERR_NULL_ARGUMENT: InvalidArgumentError,
    Status.ERR_INVALID_UTF8: InvalidArgumentError,
    Status.ERR_INVALID_JSON: InvalidArgumentError,
    Status.ERR_INVALID_ARGUMENT: InvalidArgumentError,
    Status.ERR_API: ApiError,
    Status.ERR_HTTP_STATUS: HttpStatusError,
    Status.ERR_NETWORK: NetworkError,
    Status.ERR_TIMEOUT: AuthingTimeoutError,
    Status.ERR_DECODE: DecodeError,
    Status.ERR_IO: IoError,
    Status.ERR_CANCELLED: CancelledError,
    Status.ERR_SHUTDOWN: ShutdownError,
    Status.ERR_WOULD_DEADLOCK: WouldDeadlockError,
    Status.ERR_FORKED: ForkedError,
    Status.ERR_PANIC: PanicError,
}


def error_class(status_code: int) -> Type[AuthingMfaError]:
    """The exception class for a status value (the base class if unknown)."""
    return _FAMILIES.get(status_code, AuthingMfaError)


def _optional_int(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _optional_str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


def from_error_json(status_code: int, status_name: str, error: Any) -> AuthingMfaError:
    """Builds the exception for a failed call from its parsed error JSON
    (``None`` when the library sent none, which it does not do for the
    functions the binding calls, but the binding does not rely on it)."""
    fields: Dict[str, Any] = error if isinstance(error, dict) else {}
    message = fields.get("message")
    if not isinstance(message, str) or not message:
        message = f"the library answered {status_name}"
    status = fields.get("status")
    return error_class(status_code)(
        message,
        status=status if isinstance(status, str) else status_name,
        status_code=status_code,
        code=_optional_int(fields.get("code")),
        http_status=_optional_int(fields.get("httpStatus")),
        data=fields.get("data"),
        request_id=_optional_str(fields.get("requestId")),
    )


def local_error(status: Status, message: str) -> InvalidArgumentError:
    """An argument error detected by the binding before calling C, shaped as
    the library would have reported it."""
    return InvalidArgumentError(message, status=status.c_name, status_code=int(status))
