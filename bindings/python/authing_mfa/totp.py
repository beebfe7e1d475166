"""TOTP helpers of the library (for tests, tools and automation)."""

from __future__ import annotations

import json
import math
from typing import Any, Dict, Optional, Union

from . import _ffi
from .errors import Status, local_error

__all__ = ["totp_generate", "totp_parse_uri"]

_INT64_MAX = 2**63 - 1


def totp_generate(secret: str, unix_time: Optional[Union[int, float]] = None) -> str:
    """The 6-digit code (SHA1, 30 s, as Authing issues them) for a base32
    ``secret`` at ``unix_time`` (seconds since the epoch, e.g. ``time.time()``;
    ``None`` = now, from the system clock)."""
    data = _ffi.encode(secret, "secret")
    lib = _ffi.lib()
    if unix_time is None:
        return _ffi.call_returning_string(lib.authing_mfa_totp_generate_now, data)
    if isinstance(unix_time, bool) or not isinstance(unix_time, (int, float)):
        raise local_error(Status.ERR_INVALID_ARGUMENT, "unix_time must be an int or a float")
    if isinstance(unix_time, float) and not math.isfinite(unix_time):
        raise local_error(Status.ERR_INVALID_ARGUMENT, "unix_time must be finite")
    seconds = math.floor(unix_time)
    # ctypes would wrap an out-of-range value silently; negative ones are
    # left to the library, which refuses them.
    if not -_INT64_MAX - 1 <= seconds <= _INT64_MAX:
        raise local_error(Status.ERR_INVALID_ARGUMENT, "unix_time is out of range")
    return _ffi.call_returning_string(lib.authing_mfa_totp_generate, data, seconds)


def totp_parse_uri(uri: str) -> Dict[str, Any]:
    """Parses an ``otpauth://totp/...`` URI (Authing's ``qrcode_uri``) into
    ``{"secret", "issuer", "account", "digits", "period", "algorithm"}``."""
    data = _ffi.encode(uri, "uri")
    result: Dict[str, Any] = json.loads(
        _ffi.call_returning_string(_ffi.lib().authing_mfa_totp_parse_uri, data)
    )
    return result
