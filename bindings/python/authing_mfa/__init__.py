"""Python binding of ``libauthing_mfa``, Authing's MFA client (the ``mfa``
module of the JavaScript SDK), over ctypes.

    from authing_mfa import Client, ApiError
    with Client(app_host="https://example.authing.cn", user_pool_id="...") as c:
        user = c.verify_totp_mfa(totp="123456", mfa_token=mfa_token)
        # or, in a coroutine:
        user = await c.verify_totp_mfa_async(totp="123456", mfa_token=mfa_token)

Results are plain dicts; their shapes are the ``TypedDict``s of
``authing_mfa.types`` (``User``, ``Authenticator``, ...), for type checkers.

The shared library is found through ``$AUTHING_MFA_LIB``, then next to this
package (wheels bundle it), then ``target/debug`` and ``target/release`` of
a source checkout, then the system library path.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

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
from .types import (
    Authenticator,
    MfaErrorData,
    RecoveryOutcome,
    ServerStatus,
    TotpAssociation,
    User,
)

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
    "User",
    "Authenticator",
    "TotpAssociation",
    "RecoveryOutcome",
    "ServerStatus",
    "MfaErrorData",
    "totp_generate",
    "totp_parse_uri",
    "version",
    "library_path",
    "operations",
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


def operations() -> List[Dict[str, Any]]:
    """The operations the loaded C library runs (``authing_mfa_operations``),
    one dict each in the JS SDK's order::

        {"name": "verifyTotpMfa", "aliases": [],
         "cFunction": "authing_mfa_verify_totp", "keys": ["totp", "mfaToken"]}

    ``name`` and ``aliases`` are what ``Client.call`` accepts, ``keys`` the
    keys its parameter object may hold. Every operation has a ``Client``
    method named ``name`` in snake_case (and ``<name>_async``), except
    ``associateFaceByBlob``, which ``associate_face_by_local_file`` runs (a
    native program has files, not browser blobs). A fresh list each call.
    A library older than this function raises ``NotImplementedError``."""
    raw: bytes = _ffi.optional_function("authing_mfa_operations")()  # static: never freed
    parsed: List[Dict[str, Any]] = json.loads(raw.decode("utf-8"))
    return parsed
