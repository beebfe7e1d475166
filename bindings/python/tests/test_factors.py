"""Authing's v3 factor API (issue #13): sign_in_by_credentials and the
factor methods, against a local stub that answers as Authing's v3 API does
and records what the library sent. (The dev server's v3 endpoints come in a
later change; everything here is a stub.)"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest
from helpers import StubServer

from authing_mfa import ApiError, Client, InvalidArgumentError

Answer = Tuple[int, bytes]

TOKENS = {"access_token": "at-1", "id_token": "id-1", "token_type": "Bearer", "expire_in": 1209600}
FACTOR = {"factorId": "f1", "factorType": "OTP", "profile": {}}
ENROLL = {
    "enrollmentToken": "enr-1",
    "otpData": {"qrCodeUri": "otpauth://totp/x?secret=ABC", "qrCodeDataUrl": "data:,", "recoveryCode": "r-1"},
}


def v3(data: Any = None, status: int = 200, message: str = "ok", **extra: Any) -> bytes:
    answer: Dict[str, Any] = {"statusCode": status, "message": message, **extra}
    if data is not None:
        answer["data"] = data
    return json.dumps(answer).encode()


def v3_stub(failure: Optional[bytes] = None) -> Callable[..., Answer]:
    """Answers every v3 path as Authing does (or every request with
    ``failure``)."""

    def handler(method: str, path: str, headers: Dict[str, str], body: bytes) -> Answer:
        if failure is not None:
            return 200, failure
        route = path.split("?")[0]
        answers = {
            "/api/v3/signin": v3(TOKENS),
            "/api/v3/send-enroll-factor-request": v3(ENROLL),
            "/api/v3/enroll-factor": v3(message="enrolled"),
            "/api/v3/reset-factor": v3(message="reset"),
            "/api/v3/list-enrolled-factors": v3([FACTOR]),
            "/api/v3/get-factor": v3(FACTOR),
            "/api/v3/list-factors-to-enroll": v3([{"factorType": "SMS"}]),
            "/api/v3/mfa-totp-verify": v3({"verified": True}),
            "/mfa/token/introspection": json.dumps({"active": True, "userId": "u1"}).encode(),
        }
        if route in answers:
            return 200, answers[route]
        return 404, v3(status=404, message="no such path")

    return handler


def sent(server: StubServer) -> List[Tuple[str, str, Any]]:
    return [(r["method"], r["path"], json.loads(r["body"]) if r["body"] else None) for r in server.requests]


# Every factor call's arguments (sign-in and the introspection need no
# access token).
FACTOR_CALLS: Dict[str, Dict[str, Any]] = {
    "send_enroll_factor_request": {
        "factor_type": "SMS",
        "profile": {"phoneNumber": "13800000000", "phoneCountryCode": "+86"},
    },
    "enroll_factor": {"factor_type": "OTP", "enrollment_token": "enr-1", "enrollment_data": {"passCode": "1"}},
    "reset_factor": {"factor_id": "f1"},
    "list_enrolled_factors": {},
    "get_factor": {"factor_id": "f1"},
    "list_factors_to_enroll": {},
    "mfa_otp_verify": {"totp": "123456"},
}


def test_every_factor_call_sends_the_access_token_raw(stub_server: Callable[..., StubServer]) -> None:
    server = stub_server(v3_stub())
    with Client(app_host=server.url, app_id="app-1", user_pool_id="pool-1", access_token="at-0") as c:
        assert c.send_enroll_factor_request(factor_type="OTP") == ENROLL
        assert c.send_enroll_factor_request(
            factor_type="SMS", profile={"phoneNumber": "13800000000", "phoneCountryCode": "+86"}
        ) == ENROLL
        assert c.enroll_factor(
            factor_type="OTP", enrollment_token="enr-1", enrollment_data={"passCode": "123456"}
        ) == {"statusCode": 200, "message": "enrolled"}
        assert c.reset_factor(factor_id="f1") == {"statusCode": 200, "message": "reset"}
        assert c.list_enrolled_factors() == [FACTOR]
        assert c.get_factor(factor_id="f 1") == FACTOR
        assert c.list_factors_to_enroll() == [{"factorType": "SMS"}]
        assert c.mfa_otp_verify(totp="123456") == {"verified": True}
    assert sent(server) == [
        ("POST", "/api/v3/send-enroll-factor-request", {"factorType": "OTP"}),
        (
            "POST",
            "/api/v3/send-enroll-factor-request",
            {"factorType": "SMS", "profile": {"phoneNumber": "13800000000", "phoneCountryCode": "+86"}},
        ),
        (
            "POST",
            "/api/v3/enroll-factor",
            {"factorType": "OTP", "enrollmentToken": "enr-1", "enrollmentData": {"passCode": "123456"}},
        ),
        ("POST", "/api/v3/reset-factor", {"factorId": "f1"}),
        ("GET", "/api/v3/list-enrolled-factors", None),
        ("GET", "/api/v3/get-factor?factorId=f+1", None),  # a space as "+", as axios encodes it
        ("GET", "/api/v3/list-factors-to-enroll", None),
        ("POST", "/api/v3/mfa-totp-verify", {"totp": "123456"}),
    ]
    for request in server.requests:
        headers = request["headers"]
        # Raw, as authing-node-sdk sends it: no "Bearer ".
        assert headers["authorization"] == "at-0", request["path"]
        # Of the x-authing-* headers, v3 calls carry only the app ID.
        assert headers["x-authing-app-id"] == "app-1"
        assert "x-authing-userpool-id" not in headers


def test_sign_in_keeps_the_access_token_for_the_factor_calls(stub_server: Callable[..., StubServer]) -> None:
    server = stub_server(v3_stub())
    with Client(app_host=server.url, app_id="app-1", token="user-token") as c:
        tokens = c.sign_in_by_credentials(
            connection="PASSWORD",
            password_payload={"email": "a@example.com", "password": "p@ss"},
            options={"scope": "openid profile"},
        )
        assert tokens == TOKENS
        assert c.list_enrolled_factors() == [FACTOR]
    (sign_in, listing) = server.requests
    assert (sign_in["method"], sign_in["path"]) == ("POST", "/api/v3/signin")
    assert json.loads(sign_in["body"]) == {
        "connection": "PASSWORD",
        "passwordPayload": {"email": "a@example.com", "password": "p@ss"},
        "options": {"scope": "openid profile"},
    }
    # A public client (no app secret): no client authentication, and the
    # user token is not a v3 credential.
    assert "authorization" not in sign_in["headers"]
    assert listing["headers"]["authorization"] == "at-1"


def test_sign_in_alias_and_coroutines(stub_server: Callable[..., StubServer]) -> None:
    server = stub_server(v3_stub())
    with Client(app_host=server.url) as c:

        async def flow() -> None:
            assert await c.sign_in_async(
                connection="PASSCODE", pass_code_payload={"phone": "13800000000", "passCode": "1234"}
            ) == TOKENS
            assert await c.get_factor_async(factor_id="f1") == FACTOR
            assert await c.mfa_otp_verify_async(totp="000000") == {"verified": True}

        asyncio.run(flow())
        assert c.sign_in(connection="PASSWORD", password_payload={"username": "bob", "password": "p"}) == TOKENS
    paths = [r["path"] for r in server.requests]
    assert paths == ["/api/v3/signin", "/api/v3/get-factor?factorId=f1", "/api/v3/mfa-totp-verify", "/api/v3/signin"]
    assert json.loads(server.requests[0]["body"]) == {
        "connection": "PASSCODE",
        "passCodePayload": {"phone": "13800000000", "passCode": "1234"},
    }
    assert [r["headers"].get("authorization") for r in server.requests[1:3]] == ["at-1", "at-1"]


def test_v3_failure_is_api_error_with_api_code_and_request_id(stub_server: Callable[..., StubServer]) -> None:
    failure = v3(status=400, message="x", apiCode=6001, requestId="req-1")
    server = stub_server(v3_stub(failure))
    with Client(app_host=server.url, access_token="at-0") as c:
        with pytest.raises(ApiError) as info:
            c.mfa_otp_verify(totp="123456")
        e = info.value
        assert (e.status, e.code, e.message, e.http_status, e.request_id) == (
            "AUTHING_MFA_ERR_API",
            6001,
            "x",
            200,
            "req-1",
        )

        async def coroutine() -> None:
            with pytest.raises(ApiError) as again:
                await c.list_enrolled_factors_async()
            assert again.value.code == 6001 and again.value.request_id == "req-1"

        asyncio.run(coroutine())
        # Without apiCode, the code is the statusCode.
        server2 = stub_server(v3_stub(v3(status=401, message="unauthorized", requestId="req-2")))
        with Client(app_host=server2.url) as c2:
            with pytest.raises(ApiError) as signin:
                c2.sign_in_by_credentials(connection="PASSWORD", password_payload={"account": "a", "password": "p"})
        assert (signin.value.code, signin.value.request_id) == (401, "req-2")
        # A failed sign-in keeps no token: a factor call is still refused.
        with Client(app_host=server2.url) as c2:
            with pytest.raises(ApiError):
                c2.sign_in(connection="PASSWORD")
            with pytest.raises(InvalidArgumentError):
                c2.list_enrolled_factors()


def test_a_v2_error_has_no_request_id(stub_server: Callable[..., StubServer]) -> None:
    server = stub_server(lambda m, p, h, b: (200, json.dumps({"code": 6001, "message": "wrong"}).encode()))
    with Client(app_host=server.url) as c:
        with pytest.raises(ApiError) as info:
            c.verify_totp_mfa(totp="1", mfa_token="m")
    assert info.value.code == 6001 and info.value.request_id is None


@pytest.mark.parametrize("name", sorted(FACTOR_CALLS))
def test_no_access_token_is_refused_before_any_request(
    stub_server: Callable[..., StubServer], name: str
) -> None:
    server = stub_server(v3_stub())
    # A user token is not an access token.
    with Client(app_host=server.url, token="user-token") as c:
        with pytest.raises(InvalidArgumentError) as info:
            getattr(c, name)(**FACTOR_CALLS[name])
        assert info.value.status == "AUTHING_MFA_ERR_INVALID_ARGUMENT"

        async def coroutine() -> None:
            with pytest.raises(InvalidArgumentError):
                await getattr(c, name + "_async")(**FACTOR_CALLS[name])

        asyncio.run(coroutine())
    assert server.requests == []


def test_set_access_token(stub_server: Callable[..., StubServer]) -> None:
    server = stub_server(v3_stub())
    with Client(app_host=server.url, access_token="at-0") as c:
        c.list_factors_to_enroll()
        c.set_access_token("at-2")
        c.list_factors_to_enroll()
        for cleared in (None, ""):
            c.set_access_token(cleared)
            with pytest.raises(InvalidArgumentError):
                c.list_factors_to_enroll()
            c.set_access_token("at-3")
        for bad in ("has space", "line\nbreak", "ünïcode"):
            with pytest.raises(InvalidArgumentError) as info:
                c.set_access_token(bad)
            assert info.value.status == "AUTHING_MFA_ERR_INVALID_ARGUMENT"
            assert bad not in info.value.message
        with pytest.raises(InvalidArgumentError) as utf8:
            c.set_access_token("\udcff")
        assert utf8.value.status == "AUTHING_MFA_ERR_INVALID_UTF8"
        # The refused tokens left the last good one in place.
        c.list_factors_to_enroll()
        # The user token is separate state: setting it leaves the access token.
        c.set_token("user-token")
        c.list_factors_to_enroll()
    assert [r["headers"]["authorization"] for r in server.requests] == ["at-0", "at-2", "at-3", "at-3"]
    with pytest.raises(InvalidArgumentError):
        Client(access_token="bad token")


def test_verify_mfa_token_sends_a_form_body_and_the_access_token(stub_server: Callable[..., StubServer]) -> None:
    server = stub_server(v3_stub())
    with Client(app_host=server.url, access_token="at-0", token="user-token") as c:
        assert c.verify_mfa_token(token="mfa-1") == {"active": True, "userId": "u1"}
        assert asyncio.run(c.verify_mfa_token_async(token="a b&c")) == {"active": True, "userId": "u1"}
    (first, second) = server.requests
    assert (first["method"], first["path"]) == ("POST", "/mfa/token/introspection")
    assert first["body"] == b"token=mfa-1"
    assert first["headers"]["content-type"].startswith("application/x-www-form-urlencoded")
    # The stored access token goes along, raw, as authing-node-sdk sends it
    # (include/authing_mfa.h, since cd4ce64/c41e70a); never the user token.
    assert first["headers"]["authorization"] == "at-0"
    assert second["body"] in (b"token=a+b%26c", b"token=a%20b%26c")


def test_app_secret_and_token_end_point_auth_method(stub_server: Callable[..., StubServer]) -> None:
    server = stub_server(v3_stub())
    # client_secret_post, the default with an app secret: in the body.
    with Client(app_host=server.url, app_id="app-1", app_secret="s3cret") as c:
        c.sign_in_by_credentials(connection="PASSWORD", password_payload={"account": "a", "password": "p"})
    with Client(
        app_host=server.url, app_id="app-1", app_secret="s3cret", token_end_point_auth_method="client_secret_basic"
    ) as c:
        c.sign_in_by_credentials(connection="PASSWORD", password_payload={"account": "a", "password": "p"})
    with Client(app_host=server.url, app_id="app-1", app_secret="s3cret", token_end_point_auth_method="none") as c:
        c.sign_in(connection="PASSWORD")
    post, basic, none = server.requests
    body = json.loads(post["body"])
    assert (body["client_id"], body["client_secret"]) == ("app-1", "s3cret")
    assert "authorization" not in post["headers"]
    assert "client_secret" not in json.loads(basic["body"])
    assert basic["headers"]["authorization"] == "Basic " + base64.b64encode(b"app-1:s3cret").decode()
    assert "client_secret" not in json.loads(none["body"]) and "authorization" not in none["headers"]
    with pytest.raises(InvalidArgumentError) as info:
        Client(token_end_point_auth_method="client_secret_basic")
    assert info.value.status == "AUTHING_MFA_ERR_INVALID_ARGUMENT"
    with pytest.raises(InvalidArgumentError):
        Client(app_secret="s", token_end_point_auth_method="private_key_jwt")
    with pytest.raises(TypeError, match="accessToken"):  # JS spellings are not keywords
        Client(access_token="a", accessToken="b")  # type: ignore[call-arg]


def test_call_by_js_name(stub_server: Callable[..., StubServer]) -> None:
    server = stub_server(v3_stub())
    with Client(app_host=server.url) as c:
        assert c.call("signIn", {"connection": "PASSWORD"}) == TOKENS
        assert c.call("listEnrolledFactors") == [FACTOR]
        with pytest.raises(InvalidArgumentError) as unknown:
            c.call("getFactor", {"factorId": "f", "bogus": 1})
        assert "bogus" in unknown.value.message
    assert [r["path"] for r in server.requests] == ["/api/v3/signin", "/api/v3/list-enrolled-factors"]
