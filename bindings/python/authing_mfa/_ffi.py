"""The ctypes layer: finds ``libauthing_mfa``, declares every C function of
``include/authing_mfa.h`` with its exact argument and result types, and owns
the two conversions that must be exactly right:

* strings in: ``str`` -> strict UTF-8 ``bytes`` (the binding refuses what C
  cannot carry, before calling it);
* strings out: a ``char *`` the library allocated is copied into a Python
  ``str`` and freed with ``authing_mfa_string_free`` exactly once.

Nothing else in the package touches ctypes pointers, except the two
callback bridges: ``_async`` (operation callbacks to asyncio) and ``_log``
(the log callback to :mod:`logging`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import sys
import threading
from ctypes import POINTER, c_char_p, c_int32, c_int64, c_void_p
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional, Tuple

from .errors import (
    AuthingMfaError,
    LibraryNotFoundError,
    Status,
    from_error_json,
    local_error,
)

# The binding speaks this version of the C API; 0.x minor versions may break
# the ABI, so major and minor must match the loaded library.
API_VERSION: Tuple[int, int] = (0, 1)

ENV_VAR = "AUTHING_MFA_LIB"

if sys.platform == "win32":  # pragma: no cover - the project ships Linux first
    LIBRARY_FILE = "authing_mfa.dll"
elif sys.platform == "darwin":  # pragma: no cover
    LIBRARY_FILE = "libauthing_mfa.dylib"
else:
    LIBRARY_FILE = "libauthing_mfa.so"

_PACKAGE_DIR = Path(__file__).resolve().parent
# bindings/python/authing_mfa -> the repository root, when the package runs
# from a source checkout (editable install, PYTHONPATH, tests in the repo).
_REPO_ROOT = _PACKAGE_DIR.parent.parent.parent

_CLIENT_P = c_void_p  # authing_mfa_client * (opaque)
_OP_P = c_void_p  # authing_mfa_op * (opaque)
_STR_OUT = POINTER(c_void_p)  # char ** : taken as void * so ctypes never converts (and loses) it

# void (*authing_mfa_callback)(void *user_data, authing_mfa_status, const char *json):
# the JSON is borrowed for the callback only. Taken as void * so the bridge
# copies it explicitly (ctypes.string_at) before anything else happens.
CALLBACK = ctypes.CFUNCTYPE(None, c_void_p, c_int32, c_void_p)
# void (*authing_mfa_log_callback)(void *user_data, int32_t level, const char *message):
# c_char_p copies the borrowed message into bytes before Python code runs.
LOG_CALLBACK = ctypes.CFUNCTYPE(None, c_void_p, c_int32, c_char_p)

# The one prototype of every operation's function:
#   authing_mfa_status f(const authing_mfa_client *client, const char *params_json,
#                        char **out_json, char **err_json);
# Those functions are not listed here: each is named once, by the operation
# table in client.py (see _operation.py), which declares it with
# declare_operation() when the package is imported.
_OPERATION_ARGS = [_CLIENT_P, c_char_p, _STR_OUT, _STR_OUT]

# (name, argtypes, restype) for every function of the header (the operations'
# ones appended by declare_operation).
_PROTOTYPES: List[Tuple[str, List[Any], Any]] = [
    ("authing_mfa_version", [], c_char_p),  # static string: c_char_p copies, never free
    ("authing_mfa_operations", [], c_char_p),  # static JSON string: c_char_p copies, never free
    ("authing_mfa_status_name", [c_int32], c_char_p),  # static string
    ("authing_mfa_string_free", [c_void_p], None),
    ("authing_mfa_client_new", [c_char_p, POINTER(_CLIENT_P), _STR_OUT], c_int32),
    ("authing_mfa_client_free", [_CLIENT_P], None),
    ("authing_mfa_client_set_token", [_CLIENT_P, c_char_p], c_int32),
    ("authing_mfa_client_set_token_ex", [_CLIENT_P, c_char_p, _STR_OUT], c_int32),
    ("authing_mfa_client_set_access_token", [_CLIENT_P, c_char_p, _STR_OUT], c_int32),
    ("authing_mfa_client_set_current_user", [_CLIENT_P, c_char_p, _STR_OUT], c_int32),
    ("authing_mfa_client_get_current_user", [_CLIENT_P, _STR_OUT], c_int32),
    ("authing_mfa_client_clear_current_user", [_CLIENT_P], c_int32),
    ("authing_mfa_call", [_CLIENT_P, c_char_p, c_char_p, _STR_OUT, _STR_OUT], c_int32),
    ("authing_mfa_totp_generate", [c_char_p, c_int64, _STR_OUT, _STR_OUT], c_int32),
    ("authing_mfa_totp_parse_uri", [c_char_p, _STR_OUT, _STR_OUT], c_int32),
    ("authing_mfa_totp_generate_now", [c_char_p, _STR_OUT, _STR_OUT], c_int32),
    # The async API (used by _async.py). A CALLBACK object passed to
    # call_async must stay alive until it has fired: _async passes one
    # module-level object, alive as long as the process.
    ("authing_mfa_call_async", [_CLIENT_P, c_char_p, c_char_p, CALLBACK, c_void_p, POINTER(_OP_P)], c_int32),
    (
        "authing_mfa_call_async_ex",
        [_CLIENT_P, c_char_p, c_char_p, CALLBACK, c_void_p, POINTER(_OP_P), _STR_OUT],
        c_int32,
    ),
    ("authing_mfa_op_cancel", [_OP_P], None),
    ("authing_mfa_op_free", [_OP_P], None),
    ("authing_mfa_shutdown", [ctypes.c_uint32], c_int32),
    # Observability (used by _log.py); LOG_CALLBACK() (a NULL function pointer;
    # ctypes refuses None for this argument type) removes the callback.
    ("authing_mfa_set_log_callback", [c_int32, LOG_CALLBACK, c_void_p], c_int32),
    # Android's certificate verifier set-up (JNIEnv *, jobject Context): for
    # Python embedded in an Android app that holds both; elsewhere it only
    # checks its arguments. Declared so that the header and the binding agree.
    ("authing_mfa_android_init", [c_void_p, c_void_p, _STR_OUT], c_int32),
]

# Functions added after the first 0.1.0 builds: a library without them still
# loads (the blocking API is all this package needs).
_OPTIONAL = frozenset(
    {
        "authing_mfa_call_async",
        "authing_mfa_call_async_ex",
        "authing_mfa_client_set_token_ex",
        "authing_mfa_client_set_access_token",
        "authing_mfa_op_cancel",
        "authing_mfa_op_free",
        "authing_mfa_shutdown",
        "authing_mfa_set_log_callback",
        "authing_mfa_operations",
        "authing_mfa_android_init",
    }
)


def candidates() -> Iterator[Tuple[str, Optional[str]]]:
    """The places searched, in order, as ``(description, path or name)``; a
    ``None`` path means "nothing to try there" (kept for the error message).
    Lazy: the system search (which may run ``ldconfig``) only happens when
    the earlier places failed."""
    env = os.environ.get(ENV_VAR)
    if env:
        # An explicit choice is final: falling back to another copy would hide
        # a typo and test the wrong library.
        yield (f"${ENV_VAR}", env)
        return
    yield (f"${ENV_VAR}", None)
    yield ("next to the package", str(_PACKAGE_DIR / LIBRARY_FILE))
    in_checkout = (_REPO_ROOT / "Cargo.toml").is_file()
    for profile in ("debug", "release"):
        where = f"source checkout target/{profile}"
        yield (where, str(_REPO_ROOT / "target" / profile / LIBRARY_FILE) if in_checkout else None)
    yield ("system library path", ctypes.util.find_library("authing_mfa"))


class Library:
    """The loaded shared library with every prototype declared."""

    def __init__(self, cdll: ctypes.CDLL, path: str) -> None:
        self.cdll = cdll
        self.path = path
        for name, argtypes, restype in _PROTOTYPES:
            self.declare(name, argtypes, restype)

    def declare(self, name: str, argtypes: List[Any], restype: Any) -> None:
        """Sets one function's prototype; ``AttributeError`` when the library
        lacks it, unless it is one of ``_OPTIONAL``."""
        fn = getattr(self.cdll, name, None) if name in _OPTIONAL else getattr(self.cdll, name)
        if fn is None:
            return
        fn.argtypes = argtypes
        fn.restype = restype

    def __getattr__(self, name: str) -> Any:
        # lib.authing_mfa_call(...) etc. Looked up on every call (not bound
        # once) so a test can wrap a function, e.g. count string frees.
        return getattr(self.cdll, name)

    def __repr__(self) -> str:
        return f"<authing_mfa library {self.path!r}>"


_lock = threading.Lock()
_loaded: Optional[Library] = None


def _load() -> Library:
    tried: List[str] = []
    for where, path in candidates():
        if path is None:
            reason = "not set" if where.startswith("$") else "not found"
            if where.startswith("source checkout"):
                reason = "the package is not in a source checkout"
            tried.append(f"  {where}: {reason}")
            continue
        if os.sep in path and not os.path.exists(path):
            tried.append(f"  {where}: {path} (no such file)")
            continue
        try:
            cdll = ctypes.CDLL(path)
        except OSError as e:
            tried.append(f"  {where}: {path} ({e})")
            continue
        try:
            lib = Library(cdll, path)
        except AttributeError as e:
            tried.append(f"  {where}: {path} (not libauthing_mfa or too old: {e})")
            continue
        version = lib.authing_mfa_version().decode("ascii")
        if tuple(int(p) for p in version.split(".")[:2]) != API_VERSION:
            tried.append(
                f"  {where}: {path} (version {version}, this binding needs "
                f"{API_VERSION[0]}.{API_VERSION[1]}.x)"
            )
            continue
        return lib
    raise LibraryNotFoundError(
        f"cannot load {LIBRARY_FILE}. Build it with `cargo build -p authing-mfa` "
        f"or set {ENV_VAR} to its path. Tried:\n" + "\n".join(tried)
    )


def declare_operation(name: str) -> None:
    """Declares an operation's C function (``_OPERATION_ARGS``, returning a
    status), once however often it is named. The operation table does this
    while ``authing_mfa`` is imported, before anything can load the library;
    should the library be loaded already, the prototype is set on it at once
    (a function called without one would get its pointers truncated)."""
    with _lock:
        if any(declared == name for declared, _, _ in _PROTOTYPES):
            return
        _PROTOTYPES.append((name, _OPERATION_ARGS, c_int32))
        if _loaded is not None:
            _loaded.declare(name, _OPERATION_ARGS, c_int32)


def optional_function(name: str) -> Any:
    """A function of ``_OPTIONAL`` (looked up on every call, like the others),
    or ``NotImplementedError`` naming it when the loaded library predates it."""
    try:
        return getattr(lib(), name)
    except AttributeError:
        raise NotImplementedError(
            f"the loaded library ({lib().path}) has no {name}: it predates this part of the "
            "API; rebuild it with `cargo build -p authing-mfa`"
        ) from None


def has_function(name: str) -> bool:
    """Whether the loaded library has ``name`` (one of ``_OPTIONAL``)."""
    return hasattr(lib(), name)


def lib() -> Library:
    """The library, loaded on first use (so ``import authing_mfa`` works even
    before it is built, and the error comes where it is actionable)."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = _load()
    return _loaded


# ---------------------------------------------------------------- strings in


def encode(value: str, what: str) -> bytes:
    """A Python string as the NUL-terminated UTF-8 C expects.

    Refused here, before C sees them (the message names the argument, never
    its value, which may be a secret):
    * lone surrogates (``"\\ud800"``, or ``surrogateescape`` file names):
      not encodable as UTF-8 -> ``AUTHING_MFA_ERR_INVALID_UTF8``;
    * an embedded NUL: C would silently cut the string there ->
      ``AUTHING_MFA_ERR_INVALID_ARGUMENT``.
    """
    if not isinstance(value, str):
        raise local_error(Status.ERR_INVALID_ARGUMENT, f"{what} must be a str, not {type(value).__name__}")
    try:
        data = value.encode("utf-8")
    except UnicodeEncodeError:
        # `from None`: the UnicodeEncodeError holds the whole string.
        raise local_error(
            Status.ERR_INVALID_UTF8,
            f"{what} is not valid Unicode (lone surrogate); it cannot be sent as UTF-8",
        ) from None
    if b"\0" in data:
        raise local_error(Status.ERR_INVALID_ARGUMENT, f"{what} contains a NUL character")
    return data


def encode_json(value: Any, what: str) -> bytes:
    """JSON text for the library. ``ensure_ascii=False`` so that a lone
    surrogate is caught by ``encode`` (as ``\\udxxx`` escapes it would reach
    the library and come back as a less precise INVALID_JSON)."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as e:
        # json's messages name the type ("Object of type bytes ..."), never the value.
        raise local_error(Status.ERR_INVALID_JSON, f"{what} cannot be sent as JSON: {e}") from None
    return encode(text, what)


# --------------------------------------------------------------- strings out


class OutString:
    """A ``char **`` out-parameter for a string the library allocates.

    Use as a context manager: ``take()`` copies the string and frees it at
    once; whatever was not taken is freed when the block exits, whatever
    happened. The pointer is cleared before the free, so it is freed exactly
    once even if a later step raises.
    """

    __slots__ = ("ptr",)

    def __init__(self) -> None:
        self.ptr = c_void_p()

    @property
    def ref(self) -> Any:
        return ctypes.byref(self.ptr)

    def take(self) -> Optional[str]:
        addr = self.ptr.value
        if addr is None:
            return None
        self.ptr.value = None
        try:
            return ctypes.string_at(addr).decode("utf-8")
        finally:
            lib().authing_mfa_string_free(addr)

    def __enter__(self) -> "OutString":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.take()


def status_name(status: int) -> str:
    name = lib().authing_mfa_status_name(status)
    return name.decode("ascii") if name else "AUTHING_MFA_UNKNOWN_STATUS"


def error_for(status: int, error_json: Optional[str]) -> AuthingMfaError:
    """The exception for a failed call, from the error JSON it returned."""
    parsed: Any = None
    if error_json is not None:
        try:
            parsed = json.loads(error_json)
        except ValueError:
            parsed = None
    return from_error_json(status, status_name(status), parsed)


def call_returning_string(fn: Callable[..., int], *args: Any, with_error: bool = True) -> str:
    """Calls ``fn(*args, out, err)`` (or ``fn(*args, out)`` without an error
    out-parameter) and returns the string it produced, or raises the
    matching exception. Both strings are freed in every case."""
    with OutString() as out, OutString() as err:
        if with_error:
            status = fn(*args, out.ref, err.ref)
        else:
            status = fn(*args, out.ref)
        if status == Status.OK:
            result = out.take()
            if result is None:  # the library promises a string on success
                raise from_error_json(
                    int(Status.ERR_PANIC),
                    Status.ERR_PANIC.c_name,
                    {"message": "the library returned no result"},
                )
            return result
        raise error_for(status, err.take())


def check(status: int, message: str) -> None:
    """Raises for a failed call that has no error out-parameter; `message`
    says what the status means for that call."""
    if status != Status.OK:
        raise from_error_json(status, status_name(status), {"message": message})
