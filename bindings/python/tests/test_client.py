"""Client options, lifecycle (context manager, close, use after close,
__del__), token state, and how Python strings reach C."""

from __future__ import annotations

import asyncio
import gc
import json
from typing import Any, Callable, Dict, List, Optional

import pytest
from helpers import StubServer, envelope

import authing_mfa
from authing_mfa import Client, ClientClosedError, InvalidArgumentError, Status

# Every public operation, called with plausible arguments (used where only
# the client state matters, not the server's answer).
OPERATIONS: Dict[str, Callable[[Client], Any]] = {
    "get_mfa_authenticators": lambda c: c.get_mfa_authenticators(),
    "associate_mfa_authenticator": lambda c: c.associate_mfa_authenticator(),
    "assosicate_mfa_authenticator": lambda c: c.assosicate_mfa_authenticator(),
    "delete_mfa_authenticator": lambda c: c.delete_mfa_authenticator(),
    "confirm_associate_mfa_authenticator": lambda c: c.confirm_associate_mfa_authenticator(totp="123456"),
    "verify_totp_mfa": lambda c: c.verify_totp_mfa(totp="123456", mfa_token="t"),
    "verify_totp_recovery_code": lambda c: c.verify_totp_recovery_code(recovery_code="r", mfa_token="t"),
    "verify_app_sms_mfa": lambda c: c.verify_app_sms_mfa(phone="1", code="2", mfa_token="t"),
    "verify_app_email_mfa": lambda c: c.verify_app_email_mfa(email="a@b.c", code="2", mfa_token="t"),
    "phone_or_email_bindable": lambda c: c.phone_or_email_bindable(mfa_token="t", phone="1"),
    "associate_face_by_url": lambda c: c.associate_face_by_url(base_face="u", compare_face="u"),
    "associate_face_by_local_file": lambda c: c.associate_face_by_local_file(base_face="/nonexistent"),
    "verify_face_mfa": lambda c: c.verify_face_mfa(photo="p", mfa_token="t"),
    "login_by_email": lambda c: c.login_by_email(email="a@b.c", password="p"),
    "login_by_username": lambda c: c.login_by_username(username="u", password="p"),
    "login_by_phone_password": lambda c: c.login_by_phone_password(phone="1", password="p"),
    "login_by_phone_code": lambda c: c.login_by_phone_code(phone="1", code="2"),
    "login_by_email_code": lambda c: c.login_by_email_code(email="a@b.c", code="2"),
    "send_sms_code": lambda c: c.send_sms_code(phone="1"),
    "send_email": lambda c: c.send_email(email="a@b.c", scene="MFA_VERIFY_CODE"),
    "logout": lambda c: c.logout(),
    "check_login_status": lambda c: c.check_login_status(),
    "sign_in_by_credentials": lambda c: c.sign_in_by_credentials(connection="PASSWORD"),
    "sign_in": lambda c: c.sign_in(connection="PASSWORD"),
    "send_enroll_factor_request": lambda c: c.send_enroll_factor_request(factor_type="OTP"),
    "enroll_factor": lambda c: c.enroll_factor(
        factor_type="OTP", enrollment_token="e", enrollment_data={"passCode": "1"}
    ),
    "reset_factor": lambda c: c.reset_factor(factor_id="f"),
    "list_enrolled_factors": lambda c: c.list_enrolled_factors(),
    "get_factor": lambda c: c.get_factor(factor_id="f"),
    "list_factors_to_enroll": lambda c: c.list_factors_to_enroll(),
    "mfa_otp_verify": lambda c: c.mfa_otp_verify(totp="123456"),
    "verify_mfa_token": lambda c: c.verify_mfa_token(token="m"),
    "set_access_token": lambda c: c.set_access_token("abc"),
    "call": lambda c: c.call("getMfaAuthenticators"),
    "set_token": lambda c: c.set_token("abc"),
    "set_current_user": lambda c: c.set_current_user({"id": "x"}),
    "get_current_user": lambda c: c.get_current_user(),
    "clear_current_user": lambda c: c.clear_current_user(),
}


def recording_server(stub_server: Callable[..., StubServer], data: Any = None) -> StubServer:
    return stub_server(lambda method, path, headers, body: (200, envelope(200, "ok", data)))


def test_options_in_snake_case_reach_the_wire(stub_server: Callable[..., StubServer]) -> None:
    server = recording_server(stub_server, [])
    with Client(
        app_host=server.url + "/",
        user_pool_id="pool-1",
        app_id="app-1",
        tenant_id="tenant-1",
        lang="en-US",
        request_from="py-test",
        token="user-token",
        timeout=5.0,
        max_response_bytes=1 << 20,
    ) as c:
        assert c.get_mfa_authenticators() == []
    (request,) = server.requests
    headers = request["headers"]
    assert request["method"] == "GET"
    assert request["path"] == "/api/v2/mfa/authenticator?type=totp&source=SELF"
    assert headers["x-authing-userpool-id"] == "pool-1"
    assert headers["x-authing-app-id"] == "app-1"
    assert headers["x-authing-app-tenant-id"] == "tenant-1"
    assert headers["x-authing-lang"] == "en-US"
    assert headers["x-authing-request-from"] == "py-test"
    assert headers["authorization"] == "Bearer user-token"


def test_max_retries_option(stub_server: Callable[..., StubServer]) -> None:
    server = stub_server(lambda m, p, h, b: (503, envelope(503, "busy")))
    for retries, requests in ((0, 1), (1, 2)):
        server.requests.clear()
        with Client(app_host=server.url, max_retries=retries) as c:
            with pytest.raises(authing_mfa.HttpStatusError):
                c.get_mfa_authenticators()
        assert len(server.requests) == requests


def test_defaults_of_options_not_given(stub_server: Callable[..., StubServer]) -> None:
    server = recording_server(stub_server, [])
    with Client(app_host=server.url, user_pool_id="pool-2", app_id="app-2", request_from="py") as c:
        c.get_mfa_authenticators()
    headers = server.requests[0]["headers"]
    assert headers["x-authing-userpool-id"] == "pool-2"
    assert headers["x-authing-app-id"] == "app-2"
    assert headers["x-authing-request-from"] == "py"
    assert headers["x-authing-lang"] == "zh-CN"  # the default
    assert "authorization" not in headers  # no token given


@pytest.mark.parametrize("keyword", ["app_hots", "appHost", "user_pool", "timeout_ms"])
def test_unknown_option_is_a_type_error(keyword: str) -> None:
    # Explicit keywords only: a typo (or a JS spelling) fails at the call,
    # naming the keyword, before the library is asked anything.
    with pytest.raises(TypeError, match=keyword):
        Client(**{keyword: "x"})


def test_timeout_is_in_seconds() -> None:
    from authing_mfa.client import _timeout_millis

    assert _timeout_millis(2.5) == 2500
    assert _timeout_millis(0.0001) == 1  # a positive timeout never becomes "none"
    assert _timeout_millis(0) == 0
    assert _timeout_millis(86400) == 86_400_000
    for bad in (-1, float("nan"), float("inf"), 86400.5):
        with pytest.raises(InvalidArgumentError, match="in seconds"):
            Client(timeout=bad)


@pytest.mark.parametrize(
    "options,status",
    [
        ({"lang": "fr-FR"}, "AUTHING_MFA_ERR_INVALID_ARGUMENT"),
        ({"app_host": "not a url"}, "AUTHING_MFA_ERR_INVALID_ARGUMENT"),
        ({"timeout": "soon"}, "AUTHING_MFA_ERR_INVALID_JSON"),
        ({"timeout": 10**12}, "AUTHING_MFA_ERR_INVALID_ARGUMENT"),
        ({"user_pool_id": "bad\nheader"}, "AUTHING_MFA_ERR_INVALID_ARGUMENT"),
        ({"user_pool_id": "\udcff"}, "AUTHING_MFA_ERR_INVALID_UTF8"),
        ({"user_pool_id": float("nan")}, "AUTHING_MFA_ERR_INVALID_JSON"),
        ({"user_pool_id": b"bytes"}, "AUTHING_MFA_ERR_INVALID_JSON"),
    ],
)
def test_bad_options(options: Dict[str, Any], status: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        Client(**options)
    assert info.value.status == status


def test_default_client_does_not_touch_the_network() -> None:
    with Client() as c:
        assert repr(c) == "<authing_mfa.Client 'https://core.authing.cn' open>"
        assert c.get_current_user() is None


def test_context_manager_closes(free_client_counter: List[int]) -> None:
    with Client() as c:
        assert not c.closed
    assert c.closed
    assert len(free_client_counter) == 1
    c.close()  # idempotent: no second free
    assert len(free_client_counter) == 1
    assert repr(c).endswith("closed>")


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_method_after_close_raises(name: str) -> None:
    c = Client()
    c.close()
    with pytest.raises(ClientClosedError) as info:
        OPERATIONS[name](c)
    assert isinstance(info.value, InvalidArgumentError) and isinstance(info.value, ValueError)
    assert info.value.status == "AUTHING_MFA_ERR_NULL_ARGUMENT"
    assert "closed" in str(info.value)


def test_garbage_collection_frees_the_handle(free_client_counter: List[int]) -> None:
    c = Client()
    handle = c._handle
    del c
    gc.collect()
    assert free_client_counter == [handle]


def test_failed_construction_frees_nothing_and_leaks_no_error(
    free_client_counter: List[int], free_counter: List[Optional[int]]
) -> None:
    with pytest.raises(InvalidArgumentError):
        Client(lang="xx")
    gc.collect()
    assert free_client_counter == []
    assert len(free_counter) == 1 and free_counter[0]  # the error JSON, freed once


def test_repr_never_shows_the_token() -> None:
    with Client(app_host="http://127.0.0.1:9", token="very-secret-token", user_pool_id="p") as c:
        c.set_current_user({"id": "u", "token": "another-secret"})
        assert "secret" not in repr(c)
        assert "secret" not in str(c)
    with Client(app_host="http://admin:hunter2@127.0.0.1:9/") as c:
        assert repr(c) == "<authing_mfa.Client 'http://127.0.0.1:9/' open>"


def test_token_state() -> None:
    with Client() as c:
        user = {
            "id": "u1",
            "username": "alice",
            "token": "tok-1",
            "extra": {"nested": [1, 2]},
            "名字": "爱丽丝",
        }
        c.set_current_user(user)
        assert c.get_current_user() == user
        c.clear_current_user()
        assert c.get_current_user() is None
        c.set_token("tok-2")
        c.set_token(None)
        c.set_token("")


def test_a_bad_token_is_refused_with_the_librarys_message() -> None:
    # authing_mfa_client_set_token_ex gives the error JSON: the message is
    # the library's (the binding's own fallback words it differently), and
    # it never quotes the token.
    with Client(app_host="http://127.0.0.1:1") as c:
        for bad in ["a b", "tab\there", "caf\u00e9"]:
            with pytest.raises(InvalidArgumentError) as info:
                c.set_token(bad)
            assert info.value.status == "AUTHING_MFA_ERR_INVALID_ARGUMENT"
            assert "contains characters not allowed in an HTTP header" in info.value.message
            assert bad not in str(info.value) + repr(info.value)


def test_a_library_without_the_ex_functions_still_gets_clear_refusals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A library built before authing_mfa_client_set_token_ex and
    # authing_mfa_call_async_ex: the binding falls back to the plain
    # functions and words the refusal itself.
    from authing_mfa import _ffi

    real = _ffi.has_function
    old = {"authing_mfa_client_set_token_ex", "authing_mfa_call_async_ex"}
    monkeypatch.setattr(_ffi, "has_function", lambda name: name not in old and real(name))
    with Client(app_host="http://127.0.0.1:1") as c:
        with pytest.raises(InvalidArgumentError) as info:
            c.set_token("a b")
        assert info.value.status == "AUTHING_MFA_ERR_INVALID_ARGUMENT"
        assert "cannot be sent in an HTTP header" in info.value.message
        assert "a b" not in str(info.value)
        c.set_token("fine.token")
        with pytest.raises(InvalidArgumentError) as unknown:
            asyncio.run(c.call_async("noSuchMethod"))
        assert unknown.value.message == "unknown method `noSuchMethod`"


def test_set_token_and_current_user_drive_the_authorization_header(
    stub_server: Callable[..., StubServer],
) -> None:
    server = recording_server(stub_server, [])
    with Client(app_host=server.url) as c:
        c.set_token("tok-a")
        c.get_mfa_authenticators()
        c.set_current_user({"id": "u", "token": "tok-b"})
        c.get_mfa_authenticators()
        c.set_current_user({"id": "u"})  # a user without token clears it, as in JS
        c.get_mfa_authenticators()
        c.set_token("tok-c")
        c.clear_current_user()
        c.get_mfa_authenticators()
        c.get_mfa_authenticators(mfa_token="mfa-t")  # the mfaToken wins
    sent = [r["headers"].get("authorization") for r in server.requests]
    assert sent == ["Bearer tok-a", "Bearer tok-b", None, None, "Bearer mfa-t"]


@pytest.mark.parametrize("token", ["has space", "new\nline", "非ascii"])
def test_set_token_refuses_what_http_cannot_carry(token: str) -> None:
    with Client() as c:
        with pytest.raises(InvalidArgumentError) as info:
            c.set_token(token)
        assert info.value.status == "AUTHING_MFA_ERR_INVALID_ARGUMENT"
        assert token not in str(info.value)


@pytest.mark.parametrize(
    "user,status",
    [
        ({"id": "u", "token": 5}, "AUTHING_MFA_ERR_INVALID_JSON"),
        ({"id": "u", "token": "a b"}, "AUTHING_MFA_ERR_INVALID_ARGUMENT"),
        ({"id": object()}, "AUTHING_MFA_ERR_INVALID_JSON"),
    ],
)
def test_set_current_user_errors(user: Dict[str, Any], status: str) -> None:
    with Client() as c:
        with pytest.raises(InvalidArgumentError) as info:
            c.set_current_user(user)
        assert info.value.status == status


def test_lone_surrogate_is_refused_before_c(
    free_counter: List[Optional[int]], stub_server: Callable[..., StubServer]
) -> None:
    # Our choice: a str that UTF-8 cannot encode never reaches the library;
    # the error has the status the library would give (INVALID_UTF8).
    server = recording_server(stub_server)
    with Client(app_host=server.url) as c:
        for call in (
            lambda: c.verify_totp_mfa(totp="12345\udc80", mfa_token="t"),
            lambda: c.set_token("tok\ud800"),
            lambda: c.call("verifyTotpMfa\udfff"),
            lambda: c.set_current_user({"name\ud800": 1}),
            lambda: c.associate_face_by_local_file(base_face=b"/tmp/\xff.jpg"),
        ):
            with pytest.raises(InvalidArgumentError) as info:
                call()
            assert info.value.status == "AUTHING_MFA_ERR_INVALID_UTF8"
            assert info.value.status_code == Status.ERR_INVALID_UTF8
            assert info.value.__cause__ is None  # the UnicodeEncodeError (holding the string) is not chained
    assert server.requests == []
    assert free_counter == []  # C was never called


def test_nul_in_a_c_string_is_refused() -> None:
    with Client() as c:
        with pytest.raises(InvalidArgumentError) as info:
            c.call("getMfaAuthenticators\0ignored")
        assert info.value.status == "AUTHING_MFA_ERR_INVALID_ARGUMENT"
        with pytest.raises(InvalidArgumentError):
            c.set_token("tok\0en")


def test_nul_inside_json_params_is_escaped_not_cut(stub_server: Callable[..., StubServer]) -> None:
    server = recording_server(stub_server, {"id": "u"})
    with Client(app_host=server.url) as c:
        c.verify_totp_mfa(totp="12\x0034", mfa_token="t")
    assert json.loads(server.requests[0]["body"]) == {"totp": "12\x0034"}


def test_non_ascii_params_are_sent_as_utf8(stub_server: Callable[..., StubServer]) -> None:
    server = recording_server(stub_server, True)
    with Client(app_host=server.url) as c:
        assert c.phone_or_email_bindable(mfa_token="t", email="用户@例子.中国") is True
    assert json.loads(server.requests[0]["body"].decode("utf-8")) == {"email": "用户@例子.中国"}


@pytest.fixture
def free_client_counter(monkeypatch: pytest.MonkeyPatch) -> List[int]:
    lib = authing_mfa._ffi.lib()
    real = lib.cdll.authing_mfa_client_free
    freed: List[int] = []

    def counting_free(handle: int) -> None:
        freed.append(handle)
        real(handle)

    monkeypatch.setattr(lib, "authing_mfa_client_free", counting_free, raising=False)
    return freed
