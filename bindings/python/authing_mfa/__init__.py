"""Python binding of ``libauthing_mfa``, Authing's MFA client (the ``mfa``
module of the JavaScript SDK), over ctypes.

    from authing_mfa import Client, ApiError
    with Client(app_host="https://example.authing.cn", user_pool_id="...") as c:
        user = c.verify_totp_mfa(totp="123456", mfa_token=mfa_token)
        # or, in a coroutine:
        user = await c.verify_totp_mfa_async(totp="123456", mfa_token=mfa_token)

The shared library is found through ``$AUTHING_MFA_LIB``, then next to this
package (wheels bundle it), then ``target/debug`` and ``target/release`` of
a source checkout, then the system library path.
"""

from __future__ import annotations

from . import _ffi
from ._async import shutdown
from ._log import disable_logging, enable_logging
from .client import Client, StrPath
from .errors import (
    ApiError,
    AuthingMfaError,
    AuthingTimeoutError,
    CancelledError,
    ClientClosedError,
    DecodeError,
    HttpStatusError,
    InvalidArgumentError,
    IoError,
    LibraryNotFoundError,
    NetworkError,
    PanicError,
    ShutdownError,
    Status,
    WouldDeadlockError,
    ForkedError,
)
from .totp import totp_generate, totp_parse_uri

__version__ = "0.1.0"

__all__ = [
    "Client",
    "StrPath",
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
    "totp_generate",
    "totp_parse_uri",
    "version",
    "library_path",
    "enable_logging",
    "disable_logging",
    "shutdown",
]


def version() -> str:
    """The version of the loaded C library, e.g. ``"0.1.0"``."""
    raw: bytes = _ffi.lib().authing_mfa_version()  # a static string: never freed
    return raw.decode("ascii")


def library_path() -> str:
    """The path (or name) the C library was loaded from."""
    return _ffi.lib().path
