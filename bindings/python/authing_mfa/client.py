"""``Client``: one ``authing_mfa_client`` handle and the MFA operations.

Each operation is described once, in ``Client``'s operation table (a spec
per operation, decorated with ``operation``); its blocking method and its
``_async`` coroutine are both made from that description. ``_operation.py``
says how, and why a decorated ``def`` rather than a table of data.
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import threading
import urllib.parse
import weakref
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Mapping, Optional, Union

from . import _async, _ffi
from ._operation import Params, coroutine, operation
from .errors import ClientClosedError, Status, local_error
from .types import (
    Authenticator,
    EnrollFactorRequest,
    Factor,
    FactorToEnroll,
    LoginStatus,
    MfaTokenIntrospection,
    OtpVerification,
    RecoveryOutcome,
    ServerStatus,
    SignInResult,
    TotpAssociation,
    User,
    V3Status,
)

__all__ = ["Client", "StrPath"]

StrPath = Union[str, "os.PathLike[str]", bytes, "os.PathLike[bytes]"]
JsonObject = Dict[str, Any]

# Python keyword -> the JS SDK option name the library expects.
_OPTION_KEYS: Dict[str, str] = {
    "user_pool_id": "userPoolId",
    "app_id": "appId",
    "tenant_id": "tenantId",
    "app_host": "appHost",
    "host": "host",
    "lang": "lang",
    "timeout": "timeout",
    "request_from": "requestFrom",
    "token": "token",
    "allow_insecure_http": "allowInsecureHttp",
    "ca_cert_pem": "caCertPem",
    "max_response_bytes": "maxResponseBytes",
    "max_retries": "maxRetries",
    "public_key": "publicKey",
    "access_token": "accessToken",
    "app_secret": "appSecret",
    "token_end_point_auth_method": "tokenEndPointAuthMethod",
}


# The library's limit for `timeout` (one day, in milliseconds).
_MAX_TIMEOUT_MS = 86_400_000


def _timeout_millis(seconds: Any) -> Any:
    """The ``timeout`` option, seconds (float) -> the library's milliseconds,
    rounded up so that a positive timeout never becomes 0 ("no limit").
    Anything but a number is passed on unchanged for the library to refuse
    (``InvalidArgumentError`` with status ``AUTHING_MFA_ERR_INVALID_JSON``)."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        return seconds
    if not math.isfinite(seconds) or seconds < 0 or seconds * 1000 > _MAX_TIMEOUT_MS:
        raise local_error(
            Status.ERR_INVALID_ARGUMENT,
            f"options: `timeout` is in seconds and must be between 0 and {_MAX_TIMEOUT_MS // 1000}",
        )
    return math.ceil(seconds * 1000)


def _js_params(**pairs: Any) -> Optional[JsonObject]:
    """The JS argument object holding only the keys the caller gave (a
    ``None`` value means "not given", as ``undefined`` in JS); ``None`` when
    none was given, so the library applies the JS defaults, which the JS SDK
    does only when there is no argument at all."""
    params = {key: value for key, value in pairs.items() if value is not None}
    return params or None


def _dict(value: Optional[Mapping[str, Any]]) -> Any:
    """A mapping argument as the dict the JSON encoder takes; anything else
    (``None``: "not given") unchanged, for the library to refuse if it is
    not an object."""
    return dict(value) if isinstance(value, Mapping) else value


def _path(value: StrPath, what: str) -> str:
    # The library takes UTF-8 paths. os.fsdecode turns undecodable bytes into
    # lone surrogates, which _ffi.encode refuses as INVALID_UTF8 (checked
    # here so the message names the argument).
    path = os.fsdecode(os.fspath(value))
    _ffi.encode(path, what)
    return path


def _display_url(url: Any) -> str:
    """The base URL for ``repr``, without any ``user:password@`` part."""
    if not isinstance(url, str):
        return "?"
    parts = urllib.parse.urlsplit(url)
    if "@" in parts.netloc:
        parts = parts._replace(netloc=parts.netloc.rpartition("@")[2])
    return parts.geturl()


# Every Client, for the fork handler below (weak: it keeps none alive).
_live_clients: "weakref.WeakSet[Client]" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """In a forked child only the forking thread exists. Another thread of
    the parent may have been inside a call on a client at the fork (an async
    call's ``call_async`` runs under ``_use``), so the child could find that
    client's lock held, or a call counted in flight, for good: ``close()``
    would wait forever, at exit included. Every client starts the child with
    a fresh lock and no call in flight (the library refuses the child's
    calls anyway: ``ForkedError``)."""
    for client in list(_live_clients):
        client._cond = threading.Condition()
        client._in_flight = 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class Client:
    """An Authing MFA client (the ``mfa`` part of the JS SDK's
    ``AuthenticationClient``).

    Options are keyword arguments, in snake_case (``user_pool_id``,
    ``app_host``, ...); any other keyword is a ``TypeError`` (so a typo such
    as ``app_hots=`` fails at once). ``None`` means "not given".
    ``timeout`` is the time limit of each request in **seconds** (a float:
    ``timeout=2.5``; ``0`` or ``None``: the library's default), as every
    duration of this package (``shutdown(timeout=...)`` too); the library's
    C API takes milliseconds, the conversion is done here. ``public_key``
    (JS ``publicKey``) is the
    RSA public key (PEM or base64 DER) password logins encrypt with; without
    it the key of ``GET /api/v2/.well-known`` is fetched once per client. A
    key that is not a usable RSA public key is an ``InvalidArgumentError``
    here. ``access_token`` (JS ``accessToken``) is the v3 access token the
    factor methods send (as ``set_access_token``); ``app_secret`` and
    ``token_end_point_auth_method`` (``"client_secret_post"``, the default
    with an app secret; ``"client_secret_basic"``; ``"none"``, the default
    without) say how ``sign_in_by_credentials`` authenticates the
    application: a native app should hold no secret, so leave both out.
    ``"client_secret_basic"`` without ``app_secret`` is an
    ``InvalidArgumentError``, as is a value the library refuses (an
    unsupported ``lang``, a ``timeout`` over a day, ...).

    The client owns a native handle: use it as a context manager or call
    ``close()``; it is also freed when garbage-collected. One client may be
    used from many threads at once; ``close()`` waits for blocking calls in
    flight (async ones need no waiting: the library lets them finish).

    Every operation comes twice: ``verify_totp_mfa(...)`` blocks its thread
    (the GIL is released meanwhile); ``await verify_totp_mfa_async(...)`` is
    a coroutine for asyncio that never blocks the loop. Both may be mixed on
    one client; the token state is shared.
    """

    def __init__(
        self,
        *,
        user_pool_id: Optional[str] = None,
        app_id: Optional[str] = None,
        tenant_id: Optional[str] = None,
        app_host: Optional[str] = None,
        host: Optional[str] = None,
        lang: Optional[str] = None,
        timeout: Optional[float] = None,
        request_from: Optional[str] = None,
        token: Optional[str] = None,
        allow_insecure_http: Optional[bool] = None,
        ca_cert_pem: Optional[str] = None,
        max_response_bytes: Optional[int] = None,
        max_retries: Optional[int] = None,
        public_key: Optional[str] = None,
        access_token: Optional[str] = None,
        app_secret: Optional[str] = None,
        token_end_point_auth_method: Optional[str] = None,
    ) -> None:
        # Set first: __del__ runs even when __init__ raises.
        self._handle: Optional[int] = None
        self._cond = threading.Condition()
        self._in_flight = 0
        _live_clients.add(self)

        given = {
            "user_pool_id": user_pool_id,
            "app_id": app_id,
            "tenant_id": tenant_id,
            "app_host": app_host,
            "host": host,
            "lang": lang,
            "timeout": None if timeout is None else _timeout_millis(timeout),
            "request_from": request_from,
            "token": token,
            "allow_insecure_http": allow_insecure_http,
            "ca_cert_pem": ca_cert_pem,
            "max_response_bytes": max_response_bytes,
            "max_retries": max_retries,
            "public_key": public_key,
            "access_token": access_token,
            "app_secret": app_secret,
            "token_end_point_auth_method": token_end_point_auth_method,
        }
        options: JsonObject = {}
        for name, value in given.items():
            if value is not None:
                options[_OPTION_KEYS[name]] = value

        base = options.get("appHost") or options.get("host") or "https://core.authing.cn"
        self._base_url = _display_url(base)

        payload = _ffi.encode_json(options, "client options") if options else None
        lib = _ffi.lib()
        out = ctypes.c_void_p()
        with _ffi.OutString() as err:
            status = lib.authing_mfa_client_new(payload, ctypes.byref(out), err.ref)
            if status != Status.OK:
                raise _ffi.error_for(status, err.take())
        self._handle = out.value

    # ------------------------------------------------------------ lifecycle

    @contextmanager
    def _use(self) -> Iterator[int]:
        """The live handle for the duration of one call. Counting calls in
        flight lets ``close()`` wait for them: ``authing_mfa_client_free``
        must not race with other calls on the same client."""
        with self._cond:
            handle = self._handle
            if handle is None:
                raise ClientClosedError(
                    "the client is closed",
                    status=Status.ERR_NULL_ARGUMENT.c_name,
                    status_code=int(Status.ERR_NULL_ARGUMENT),
                )
            self._in_flight += 1
        try:
            yield handle
        finally:
            with self._cond:
                self._in_flight -= 1
                if self._in_flight == 0:
                    self._cond.notify_all()

    def close(self) -> None:
        """Frees the native client. New calls then raise
        ``ClientClosedError``; blocking calls already running in other
        threads finish first (this waits for them). Async calls in flight are
        not waited for: the library keeps what they need, and they complete
        (or are cancelled) as usual. Idempotent."""
        with self._cond:
            handle = self._handle
            if handle is None:
                return
            self._handle = None
            while self._in_flight:
                self._cond.wait()
        _ffi.lib().authing_mfa_client_free(handle)

    @property
    def closed(self) -> bool:
        return self._handle is None

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        # Fallback only: no call can be in flight (it would hold a reference
        # to self). Guarded because at interpreter exit module globals may
        # already be gone; leaking then is harmless.
        try:
            handle = self._handle
            if handle is not None:
                self._handle = None
                _ffi.lib().authing_mfa_client_free(handle)
        except Exception:
            pass

    def __repr__(self) -> str:
        # The base URL only: never the token or any other option value.
        state = "closed" if self.closed else "open"
        return f"<authing_mfa.Client {self._base_url!r} {state}>"

    # ---------------------------------------------------------- token state

    def set_token(self, token: Optional[str]) -> None:
        """Sets the user token (JS ``setToken``); ``None`` or ``""`` clears it."""
        data = None if token is None else _ffi.encode(token, "token")
        if _ffi.has_function("authing_mfa_client_set_token_ex"):
            with self._use() as handle, _ffi.OutString() as err:
                status = _ffi.lib().authing_mfa_client_set_token_ex(handle, data, err.ref)
                if status != Status.OK:
                    raise _ffi.error_for(status, err.take())
            return
        # A library older than the _ex function: no error JSON to tell why.
        with self._use() as handle:
            status = _ffi.lib().authing_mfa_client_set_token(handle, data)
        _ffi.check(
            status, "the token cannot be sent in an HTTP header (spaces, control or non-ASCII characters)"
        )

    def set_access_token(self, access_token: Optional[str]) -> None:
        """Sets the v3 access token (authing-node-sdk ``setAccessToken``),
        which the v3 factor methods (``send_enroll_factor_request``,
        ``list_enrolled_factors``, ...) send raw in ``authorization``;
        ``None`` or ``""`` clears it. ``sign_in_by_credentials`` sets it from
        its answer, the ``access_token`` option at creation. A token HTTP
        headers cannot carry raises ``InvalidArgumentError``."""
        data = None if access_token is None else _ffi.encode(access_token, "access_token")
        function = _ffi.optional_function("authing_mfa_client_set_access_token")
        with self._use() as handle, _ffi.OutString() as err:
            status = function(handle, data, err.ref)
            if status != Status.OK:
                raise _ffi.error_for(status, err.take())

    def set_current_user(self, user: Mapping[str, Any]) -> None:
        """Stores the current user (JS ``setCurrentUser``); its ``token``
        becomes the user token, and a user without one clears it."""
        payload = _ffi.encode_json(dict(user), "user")
        with self._use() as handle, _ffi.OutString() as err:
            status = _ffi.lib().authing_mfa_client_set_current_user(handle, payload, err.ref)
            if status != Status.OK:
                raise _ffi.error_for(status, err.take())

    def get_current_user(self) -> Optional[User]:
        """The user given to ``set_current_user`` (or from local state), or ``None``."""
        with self._use() as handle:
            text = _ffi.call_returning_string(
                _ffi.lib().authing_mfa_client_get_current_user, handle, with_error=False
            )
        user: Optional[User] = json.loads(text)
        return user

    def clear_current_user(self) -> None:
        """Forgets the current user and the token (JS ``logout``, locally only)."""
        with self._use() as handle:
            status = _ffi.lib().authing_mfa_client_clear_current_user(handle)
        _ffi.check(status, "clearing the current user failed")

    # ------------------------------------------------------- generic calls

    def _op(self, function: str, params: Optional[Mapping[str, Any]]) -> Any:
        """Runs one operation with its C function (blocking)."""
        payload = None if params is None else _ffi.encode_json(dict(params), "params")
        with self._use() as handle:
            text = _ffi.call_returning_string(getattr(_ffi.lib(), function), handle, payload)
        return json.loads(text)

    def call(self, method: str, params: Optional[Mapping[str, Any]] = None) -> Any:
        """Calls an operation by its JS method name with its JS argument
        object (``None`` = no argument), e.g.
        ``call("verifyTotpMfa", {"totp": code, "mfaToken": t})``."""
        name = _ffi.encode(method, "method")
        payload = None if params is None else _ffi.encode_json(dict(params), "params")
        with self._use() as handle:
            text = _ffi.call_returning_string(_ffi.lib().authing_mfa_call, handle, name, payload)
        return json.loads(text)

    # The coroutines run on the library's own I/O threads
    # (authing_mfa_call_async) and never block the event loop. Cancelling the
    # awaiting Task cancels the request and raises asyncio.CancelledError as
    # usual (a request already sent may still have been processed by the
    # server: a cancelled verify may have used up a code).

    async def _op_async(self, method: str, params: Optional[Mapping[str, Any]]) -> Any:
        """Runs one operation by its JS name, as a coroutine."""
        name = _ffi.encode(method, "method")
        payload = None if params is None else _ffi.encode_json(dict(params), "params")
        return await _async.call(self._use, name, payload)

    async def call_async(self, method: str, params: Optional[Mapping[str, Any]] = None) -> Any:
        """``call()`` as a coroutine: ``await client.call_async("verifyTotpMfa",
        {"totp": code, "mfaToken": t})``."""
        return await self._op_async(method, params)

    # ----------------------------------------------------------- operations
    #
    # The operation table: each operation is described once, by a spec (see
    # _operation.py). The decorator gives the JS name (what the coroutine
    # sends to authing_mfa_call_async), the C function (what the blocking
    # method calls) and the result type; the def gives the method's name,
    # keyword-only parameters, defaults and docstring, and its body builds
    # the JS argument object. `operation` turns it into the blocking method;
    # the line after it derives the `_async` coroutine, with the same
    # arguments, result and exceptions.
    #
    # To add an operation: one spec here and its `_async` line; its C
    # function is declared from the table. tests/test_operation_list.py
    # fails until every operation of the library has its row.

    @operation("getMfaAuthenticators", "authing_mfa_get_authenticators", returns=List[Authenticator])
    def get_mfa_authenticators(
        self, *, type: Optional[str] = None, mfa_token: Optional[str] = None, source: Optional[str] = None
    ) -> Params:
        """Lists the user's authenticators (JS ``getMfaAuthenticators``).
        Without any argument the JS defaults ``type="totp", source="SELF"``
        are sent; with some, only those."""
        return _js_params(type=type, mfaToken=mfa_token, source=source)

    get_mfa_authenticators_async = coroutine(get_mfa_authenticators)

    @operation("associateMfaAuthenticator", "authing_mfa_associate_authenticator", returns=TotpAssociation)
    def associate_mfa_authenticator(
        self,
        *,
        authenticator_type: Optional[str] = None,
        mfa_token: Optional[str] = None,
        source: Optional[str] = None,
    ) -> Params:
        """Starts binding TOTP (JS ``assosicateMfaAuthenticator``): returns
        ``{authenticator_type, secret, qrcode_uri, qrcode_data_url, recovery_code}``."""
        return _js_params(authenticatorType=authenticator_type, mfaToken=mfa_token, source=source)

    associate_mfa_authenticator_async = coroutine(associate_mfa_authenticator)
    # The JS SDK's spelling, so code ported from JavaScript reads across.
    assosicate_mfa_authenticator = associate_mfa_authenticator
    assosicate_mfa_authenticator_async = associate_mfa_authenticator_async

    @operation("deleteMfaAuthenticator", "authing_mfa_delete_authenticator", returns=ServerStatus)
    def delete_mfa_authenticator(self) -> Params:
        """Unbinds TOTP with the user token; returns the server's ``{code, message}``."""
        return None

    delete_mfa_authenticator_async = coroutine(delete_mfa_authenticator)

    @operation(
        "confirmAssociateMfaAuthenticator",
        "authing_mfa_confirm_associate_authenticator",
        returns=ServerStatus,
    )
    def confirm_associate_mfa_authenticator(
        self,
        *,
        totp: str,
        authenticator_type: Optional[str] = None,
        source: Optional[str] = None,
        mfa_token: Optional[str] = None,
    ) -> Params:
        """Confirms the binding with a first code (JS
        ``confirmAssosicateMfaAuthenticator``); returns ``{code, message}``.
        A wrong code raises ``HttpStatusError`` (HTTP 400, code 400)."""
        return _js_params(totp=totp, authenticatorType=authenticator_type, source=source, mfaToken=mfa_token)

    confirm_associate_mfa_authenticator_async = coroutine(confirm_associate_mfa_authenticator)
    confirm_assosicate_mfa_authenticator = confirm_associate_mfa_authenticator
    confirm_assosicate_mfa_authenticator_async = confirm_associate_mfa_authenticator_async

    @operation("verifyTotpMfa", "authing_mfa_verify_totp", returns=User)
    def verify_totp_mfa(self, *, totp: str, mfa_token: str) -> Params:
        """The second factor with a TOTP code; returns the user with its
        ``token``. A wrong or replayed code raises ``ApiError`` code 6001."""
        return _js_params(totp=totp, mfaToken=mfa_token)

    verify_totp_mfa_async = coroutine(verify_totp_mfa)

    @operation("verifyTotpRecoveryCode", "authing_mfa_verify_totp_recovery_code", returns=RecoveryOutcome)
    def verify_totp_recovery_code(self, *, recovery_code: str, mfa_token: str) -> Params:
        """The second factor with the recovery code; returns
        ``{"user": ..., "recoveryCode": <the new code>}`` (the old one is
        dead). A wrong code raises ``ApiError`` code 6002."""
        return _js_params(recoveryCode=recovery_code, mfaToken=mfa_token)

    verify_totp_recovery_code_async = coroutine(verify_totp_recovery_code)

    @operation("verifyAppSmsMfa", "authing_mfa_verify_app_sms", returns=User)
    def verify_app_sms_mfa(
        self, *, phone: str, code: str, mfa_token: str, phone_country_code: Optional[str] = None
    ) -> Params:
        """The second factor with an SMS code; returns the user with ``token``."""
        return _js_params(phone=phone, code=code, mfaToken=mfa_token, phoneCountryCode=phone_country_code)

    verify_app_sms_mfa_async = coroutine(verify_app_sms_mfa)

    @operation("verifyAppEmailMfa", "authing_mfa_verify_app_email", returns=User)
    def verify_app_email_mfa(self, *, email: str, code: str, mfa_token: str) -> Params:
        """The second factor with an email code; returns the user with ``token``."""
        return _js_params(email=email, code=code, mfaToken=mfa_token)

    verify_app_email_mfa_async = coroutine(verify_app_email_mfa)

    @operation("phoneOrEmailBindable", "authing_mfa_phone_or_email_bindable", returns=bool)
    def phone_or_email_bindable(
        self, *, mfa_token: str, phone: Optional[str] = None, email: Optional[str] = None
    ) -> Params:
        """Whether the phone and/or email can be bound as a second factor."""
        return _js_params(phone=phone, email=email, mfaToken=mfa_token)

    phone_or_email_bindable_async = coroutine(phone_or_email_bindable)

    @operation("associateFaceByUrl", "authing_mfa_associate_face_by_url", returns=User)
    def associate_face_by_url(
        self, *, base_face: str, compare_face: str, mfa_token: Optional[str] = None
    ) -> Params:
        """Binds face MFA from two image URLs; returns the user."""
        return _js_params(baseFace=base_face, compareFace=compare_face, mfaToken=mfa_token)

    associate_face_by_url_async = coroutine(associate_face_by_url)

    # The C API runs associateFaceByLocalFile and associateFaceByBlob with one
    # function: a native program has files, not browser blobs.
    @operation(
        "associateFaceByLocalFile",
        "authing_mfa_associate_face_by_files",
        returns=User,
        async_note="the files are read on a library thread, not on the event loop",
    )
    def associate_face_by_local_file(
        self, *, base_face: StrPath, compare_face: Optional[StrPath] = None, mfa_token: Optional[str] = None
    ) -> Params:
        """Binds face MFA from local image files (uploaded first); without
        ``compare_face`` the base image is used twice. A file that cannot be
        read raises ``IoError`` before anything is sent."""
        return _js_params(
            baseFace=_path(base_face, "base_face"),
            compareFace=None if compare_face is None else _path(compare_face, "compare_face"),
            mfaToken=mfa_token,
        )

    associate_face_by_local_file_async = coroutine(associate_face_by_local_file)

    @operation("verifyFaceMfa", "authing_mfa_verify_face", returns=User)
    def verify_face_mfa(self, *, photo: str, mfa_token: str) -> Params:
        """The second factor with a face photo (an uploaded key or URL);
        returns the user with ``token``."""
        return _js_params(photo=photo, mfaToken=mfa_token)

    verify_face_mfa_async = coroutine(verify_face_mfa)

    # ------------------------------------------- the first factor (issue #12)
    #
    # The logins that lead to the MFA stage, and the calls around them. A
    # login that needs a second factor raises ApiError with code 1635 (the
    # user's own MFA) or 1636 (the application's MFA policy), and its `data`
    # as the server sent it: `e.data["mfaToken"]` is what the verify methods
    # above take. A successful login becomes the current user
    # (`get_current_user()`), its token the user token.

    @operation("loginByEmail", "authing_mfa_login_by_email", returns=User)
    def login_by_email(
        self,
        *,
        email: str,
        password: str,
        auto_register: Optional[bool] = None,
        captcha_code: Optional[str] = None,
        client_ip: Optional[str] = None,
        custom_data: Optional[Mapping[str, Any]] = None,
        context: Optional[Mapping[str, Any]] = None,
        params: Optional[Any] = None,
    ) -> Params:
        """The first factor with email and password (JS ``loginByEmail``):
        returns the user with its ``token``, who becomes the current user.
        The password is RSA-encrypted before it is sent (the ``public_key``
        option, else the server's ``/api/v2/.well-known`` key); one too long
        for RSA raises ``InvalidArgumentError`` before any request. A user
        who must pass a second factor raises ``ApiError`` with ``code`` 1635
        (the user's MFA) or 1636 (the application's), and ``data["mfaToken"]``
        for ``verify_totp_mfa`` and the other verify methods. ``custom_data``
        and ``context`` are dicts; ``params`` is the SDK's deprecated
        predecessor of ``custom_data``."""
        return _js_params(
            email=email,
            password=password,
            autoRegister=auto_register,
            captchaCode=captcha_code,
            clientIp=client_ip,
            customData=_dict(custom_data),
            context=_dict(context),
            params=params,
        )

    login_by_email_async = coroutine(login_by_email)

    @operation("loginByUsername", "authing_mfa_login_by_username", returns=User)
    def login_by_username(
        self,
        *,
        username: str,
        password: str,
        auto_register: Optional[bool] = None,
        captcha_code: Optional[str] = None,
        client_ip: Optional[str] = None,
        custom_data: Optional[Mapping[str, Any]] = None,
        context: Optional[Mapping[str, Any]] = None,
        params: Optional[Any] = None,
    ) -> Params:
        """The first factor with username and password (JS
        ``loginByUsername``), as ``login_by_email``: returns the user with
        ``token`` (the current user from then on); a second factor needed
        raises ``ApiError`` code 1635/1636 with ``data["mfaToken"]``."""
        return _js_params(
            username=username,
            password=password,
            autoRegister=auto_register,
            captchaCode=captcha_code,
            clientIp=client_ip,
            customData=_dict(custom_data),
            context=_dict(context),
            params=params,
        )

    login_by_username_async = coroutine(login_by_username)

    @operation("loginByPhonePassword", "authing_mfa_login_by_phone_password", returns=User)
    def login_by_phone_password(
        self,
        *,
        phone: str,
        password: str,
        auto_register: Optional[bool] = None,
        captcha_code: Optional[str] = None,
        client_ip: Optional[str] = None,
        custom_data: Optional[Mapping[str, Any]] = None,
        context: Optional[Mapping[str, Any]] = None,
        params: Optional[Any] = None,
    ) -> Params:
        """The first factor with phone number and password (JS
        ``loginByPhonePassword``), as ``login_by_email``: returns the user
        with ``token``; a second factor needed raises ``ApiError`` code
        1635/1636 with ``data["mfaToken"]``."""
        return _js_params(
            phone=phone,
            password=password,
            autoRegister=auto_register,
            captchaCode=captcha_code,
            clientIp=client_ip,
            customData=_dict(custom_data),
            context=_dict(context),
            params=params,
        )

    login_by_phone_password_async = coroutine(login_by_phone_password)

    @operation("loginByPhoneCode", "authing_mfa_login_by_phone_code", returns=User)
    def login_by_phone_code(
        self,
        *,
        phone: str,
        code: str,
        phone_country_code: Optional[str] = None,
        client_ip: Optional[str] = None,
        custom_data: Optional[Mapping[str, Any]] = None,
        context: Optional[Mapping[str, Any]] = None,
        params: Optional[Any] = None,
    ) -> Params:
        """The first factor with phone number and SMS code (JS
        ``loginByPhoneCode``; send the code with ``send_sms_code(phone=...,
        scene="login")``): returns the user with ``token``, who becomes the
        current user. A second factor needed raises ``ApiError`` code
        1635/1636 with ``data["mfaToken"]``."""
        return _js_params(
            phone=phone,
            code=code,
            phoneCountryCode=phone_country_code,
            clientIp=client_ip,
            customData=_dict(custom_data),
            context=_dict(context),
            params=params,
        )

    login_by_phone_code_async = coroutine(login_by_phone_code)

    @operation("loginByEmailCode", "authing_mfa_login_by_email_code", returns=User)
    def login_by_email_code(
        self,
        *,
        email: str,
        code: str,
        phone_country_code: Optional[str] = None,
        client_ip: Optional[str] = None,
        custom_data: Optional[Mapping[str, Any]] = None,
        context: Optional[Mapping[str, Any]] = None,
        params: Optional[Any] = None,
    ) -> Params:
        """The first factor with email and emailed code (JS
        ``loginByEmailCode``; send the code with ``send_email(email=...,
        scene="LOGIN_VERIFY_CODE")``). No token is sent, as in the SDK.
        Returns the user with ``token``, who becomes the current user; a
        second factor needed raises ``ApiError`` code 1635/1636 with
        ``data["mfaToken"]``."""
        return _js_params(
            email=email,
            code=code,
            phoneCountryCode=phone_country_code,
            clientIp=client_ip,
            customData=_dict(custom_data),
            context=_dict(context),
            params=params,
        )

    login_by_email_code_async = coroutine(login_by_email_code)

    @operation("sendSmsCode", "authing_mfa_send_sms_code", returns=Any)
    def send_sms_code(
        self, *, phone: str, phone_country_code: Optional[str] = None, scene: Optional[str] = None
    ) -> Params:
        """Sends a one-time code by SMS (JS ``sendSmsCode``); ``scene`` is
        ``"mfa-verify"`` for the MFA stage (then ``verify_app_sms_mfa``),
        ``"login"`` for ``login_by_phone_code``, ... Returns the server's
        ``data`` (the SDK declares ``{code, message}`` but returns ``data``).
        Failures raise ``ApiError`` with the server's code."""
        return _js_params(phone=phone, phoneCountryCode=phone_country_code, scene=scene)

    send_sms_code_async = coroutine(send_sms_code)

    @operation("sendEmail", "authing_mfa_send_email", returns=ServerStatus)
    def send_email(self, *, email: str, scene: str) -> Params:
        """Sends a one-time code by email (JS ``sendEmail``); ``scene`` is
        ``"MFA_VERIFY_CODE"`` for the MFA stage (then
        ``verify_app_email_mfa``), ``"LOGIN_VERIFY_CODE"`` for
        ``login_by_email_code``, ... Returns the server's ``{message,
        code}``."""
        return _js_params(email=email, scene=scene)

    send_email_async = coroutine(send_email)

    @operation("logout", "authing_mfa_logout", returns=ServerStatus)
    def logout(self) -> Params:
        """Logs out on the server with the user token (JS ``logout``):
        returns the server's ``{code, message}``; the current user and token
        are cleared only then (kept when it fails). ``clear_current_user()``
        forgets them locally without a request."""
        return None

    logout_async = coroutine(logout)

    @operation("checkLoginStatus", "authing_mfa_check_login_status", returns=LoginStatus)
    def check_login_status(self, *, token: Optional[str] = None) -> Params:
        """Whether a token is valid (JS ``checkLoginStatus``): returns
        ``{code, message, status, exp, iat, data}`` as the server sent it.
        Without ``token`` the server checks the stored user token."""
        return _js_params(token=token)

    check_login_status_async = coroutine(check_login_status)

    # ------------------------------------- Authing's v3 factor API (issue #13)
    #
    # authing-node-sdk's AuthenticationClient calls. They carry the v3 access
    # token (from sign_in_by_credentials, the access_token option or
    # set_access_token) raw in `authorization`, not the user token; without
    # one they raise InvalidArgumentError before any request. A v3 failure
    # (statusCode other than 200) raises ApiError with `code` the answer's
    # apiCode (else its statusCode) and `request_id` its requestId: quote it
    # to Authing's support. (The v3 SDK returns such failures instead.)

    @operation("signInByCredentials", "authing_mfa_sign_in", returns=SignInResult)
    def sign_in_by_credentials(
        self,
        *,
        connection: str,
        password_payload: Optional[Mapping[str, Any]] = None,
        pass_code_payload: Optional[Mapping[str, Any]] = None,
        options: Optional[Mapping[str, Any]] = None,
    ) -> Params:
        """Signs in through the v3 API (JS ``signInByCredentials``, also
        ``sign_in``): ``connection`` is ``"PASSWORD"`` (with
        ``password_payload={"email" | "username" | "phone" | "account": ...,
        "password": ...}``) or ``"PASSCODE"`` (with ``pass_code_payload=
        {"email" | "phone": ..., "passCode": ..., "phoneCountryCode"?}``);
        ``options`` is the SDK's ``SignInOptionsDto`` as a dict. Returns the
        answer's ``data`` (``{access_token, id_token, token_type, expire_in,
        ...}``); its ``access_token`` becomes the client's access token for
        the factor methods. The application authenticates as the
        ``token_end_point_auth_method`` option says."""
        return _js_params(
            connection=connection,
            passwordPayload=_dict(password_payload),
            passCodePayload=_dict(pass_code_payload),
            options=_dict(options),
        )

    sign_in_by_credentials_async = coroutine(sign_in_by_credentials)
    # The library's alias (JS `signIn`).
    sign_in = sign_in_by_credentials
    sign_in_async = sign_in_by_credentials_async

    @operation(
        "sendEnrollFactorRequest", "authing_mfa_send_enroll_factor_request", returns=EnrollFactorRequest
    )
    def send_enroll_factor_request(
        self, *, factor_type: str, profile: Optional[Mapping[str, Any]] = None
    ) -> Params:
        """Starts enrolling an MFA factor (JS ``sendEnrollFactorRequest``)
        with the access token: ``factor_type`` is ``"OTP"``, ``"SMS"``,
        ``"EMAIL"`` or ``"FACE"``; ``profile`` ``{"phoneNumber",
        "phoneCountryCode"?}`` for SMS, ``{"email"}`` for EMAIL (the server
        sends the code). Returns ``{enrollmentToken (valid one minute),
        otpData?: {qrCodeUri, qrCodeDataUrl, recoveryCode}}``."""
        return _js_params(factorType=factor_type, profile=_dict(profile))

    send_enroll_factor_request_async = coroutine(send_enroll_factor_request)

    @operation("enrollFactor", "authing_mfa_enroll_factor", returns=V3Status)
    def enroll_factor(
        self, *, factor_type: str, enrollment_token: str, enrollment_data: Mapping[str, Any]
    ) -> Params:
        """Enrolls the factor (JS ``enrollFactor``) with the
        ``enrollment_token`` of ``send_enroll_factor_request`` and
        ``enrollment_data`` ``{"passCode": ...}`` (OTP, SMS, EMAIL) or
        ``{"photo": ..., "isExternalPhoto": ...}`` (FACE). Returns
        ``{"statusCode": 200, "message": ...}`` (the answer has no data)."""
        return _js_params(
            factorType=factor_type, enrollmentToken=enrollment_token, enrollmentData=_dict(enrollment_data)
        )

    enroll_factor_async = coroutine(enroll_factor)

    @operation("resetFactor", "authing_mfa_reset_factor", returns=V3Status)
    def reset_factor(self, *, factor_id: str) -> Params:
        """Unbinds an enrolled factor by its ID (JS ``resetFactor``), with
        the access token. Returns ``{"statusCode": 200, "message": ...}``."""
        return _js_params(factorId=factor_id)

    reset_factor_async = coroutine(reset_factor)

    @operation("listEnrolledFactors", "authing_mfa_list_enrolled_factors", returns=List[Factor])
    def list_enrolled_factors(self) -> Params:
        """The user's enrolled factors (JS ``listEnrolledFactors``), with the
        access token: ``[{factorId, factorType, profile}]``."""
        return None

    list_enrolled_factors_async = coroutine(list_enrolled_factors)

    @operation("getFactor", "authing_mfa_get_factor", returns=Factor)
    def get_factor(self, *, factor_id: str) -> Params:
        """One enrolled factor (JS ``getFactor``), with the access token:
        ``{factorId, factorType, profile}``."""
        return _js_params(factorId=factor_id)

    get_factor_async = coroutine(get_factor)

    @operation("listFactorsToEnroll", "authing_mfa_list_factors_to_enroll", returns=List[FactorToEnroll])
    def list_factors_to_enroll(self) -> Params:
        """The factors the application enables that the user has not
        enrolled (JS ``listFactorsToEnroll``), with the access token:
        ``[{factorType}]``."""
        return None

    list_factors_to_enroll_async = coroutine(list_factors_to_enroll)

    @operation("mfaOtpVerify", "authing_mfa_otp_verify", returns=OtpVerification)
    def mfa_otp_verify(self, *, totp: str) -> Params:
        """Checks a code of the user's OTP factor (JS ``mfaOtpVerify``; the
        path is ``/api/v3/mfa-totp-verify``), with the access token:
        ``{"verified": True | False}``."""
        return _js_params(totp=totp)

    mfa_otp_verify_async = coroutine(mfa_otp_verify)

    @operation("verifyMfaToken", "authing_mfa_verify_mfa_token", returns=MfaTokenIntrospection)
    def verify_mfa_token(self, *, token: str) -> Params:
        """Introspects an mfaToken (JS ``verifyMfaToken``): sends the form
        body ``token=<mfaToken>`` to ``/mfa/token/introspection`` (the SDK
        forgets the body); it needs no token (the stored access token, if
        any, goes along as the SDK sends it). Returns the answer as it is:
        ``{active, userPoolId?, userId?, exp?, iat?}``."""
        return _js_params(token=token)

    verify_mfa_token_async = coroutine(verify_mfa_token)
