"""The first factor (issue #12): the logins that lead to the MFA stage and
the calls around them, against a local stub that answers as Authing does
and records what the library sent."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest
from helpers import Dev, StubServer, envelope

from authing_mfa import ApiError, Client, InvalidArgumentError, NetworkError

# A fixed 1024-bit RSA public key (SPKI PEM), made once with
# `openssl genrsa 1024 | openssl rsa -pubout`. The stub serves it as the
# /api/v2/.well-known key; its private half is not kept, so the tests check
# the ciphertext's shape (the modulus's length), not its plaintext.
TEST_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDH5clphRH/2U6p4OQL9DgBg2Cg
w4+drgm0vqXC/hM9UIkGAkdDc5tkDQW0nN18cNKhfsPfC5maYt+jgUbjWY8j78oz
xXiEjXWdnlUQYQXNudRcpC9/QBCQl9a0KiH4bhVR1ItvoXXA0r5TZBq8XnnMz/UY
DXKPM2iqH8z34OkbnwIDAQAB
-----END PUBLIC KEY-----
"""
MODULUS_BYTES = 128

USER = {"id": "u1", "token": "tok"}

# The GraphQL answer of a login that needs a second factor: HTTP 200, the
# error object in errors[0].message (the JS SDK's GraphqlClient reads it so).
MFA_REQUIRED = {
    "data": None,
    "errors": [{"message": {"code": 1635, "message": "请输入二次认证安全码", "data": {"mfaToken": "m"}}}],
}

Answer = Tuple[int, bytes]


def authing_stub(graphql: Optional[Callable[[Dict[str, Any]], Any]] = None) -> Callable[..., Answer]:
    """A handler answering as Authing: the RSA key at /.well-known, a GraphQL
    answer made by ``graphql(body)`` (default: the root field of the
    document's operation with ``USER``), and REST envelopes elsewhere."""

    def answer_graphql(body: Dict[str, Any]) -> Any:
        root = document(body).split()[-1]  # "mutation loginByEmail" -> loginByEmail
        return {"data": {root: USER}}

    make = graphql or answer_graphql

    def handler(method: str, path: str, headers: Dict[str, str], body: bytes) -> Answer:
        if path == "/api/v2/.well-known":
            return 200, envelope(200, "ok", {"publicKey": TEST_PUBLIC_KEY})
        if path == "/graphql/v2":
            return 200, json.dumps(make(json.loads(body))).encode()
        if path.startswith("/api/v2/logout"):
            return 200, envelope(200, "logged out")
        if path == "/api/v2/login/email-code":
            return 200, envelope(200, "ok", USER)
        if path == "/api/v2/sms/send":
            return 200, envelope(200, "sent", {"sent": True})
        return 404, envelope(404, "no such path")

    return handler


def document(body: Dict[str, Any]) -> str:
    """The GraphQL document's operation, e.g. ``"mutation loginByEmail"``
    (the SDK's documents start with blank lines)."""
    query: str = body["query"]
    return " ".join(query.split("(", 1)[0].split())


def sent(server: StubServer) -> List[Tuple[str, str, Any]]:
    return [(r["method"], r["path"], json.loads(r["body"]) if r["body"] else None) for r in server.requests]


def check_encrypted(value: Any, clear: str) -> None:
    """An RSA ciphertext of the test key in standard base64, not the clear text."""
    assert isinstance(value, str) and value != clear
    assert len(base64.b64decode(value, validate=True)) == MODULUS_BYTES


def test_login_by_email_sends_the_sdks_input_with_an_encrypted_password(
    stub_server: Callable[..., StubServer],
) -> None:
    server = stub_server(authing_stub())
    with Client(app_host=server.url) as c:
        assert c.get_current_user() is None
        user = c.login_by_email(
            email="a@example.com",
            password="p@ssw0rd",
            auto_register=True,
            custom_data={"school": "x", "age": 3},
            context={"source": "py"},
        )
        assert user == USER
        # The logged-in user is the current user, its token the user token.
        assert c.get_current_user() == USER
        c.check_login_status()
    (well_known, login, check) = server.requests
    assert (well_known["method"], well_known["path"]) == ("GET", "/api/v2/.well-known")
    assert (login["method"], login["path"]) == ("POST", "/graphql/v2")
    body = json.loads(login["body"])
    assert document(body) == "mutation loginByEmail"
    assert list(body["variables"]) == ["input"]
    data = body["variables"]["input"]
    # The JS SDK's keys, in its order (AC:567-577).
    assert list(data) == ["email", "password", "autoRegister", "params", "context"]
    assert data["email"] == "a@example.com" and data["autoRegister"] is True
    check_encrypted(data["password"], "p@ssw0rd")
    assert json.loads(data["params"]) == [{"key": "school", "value": "x"}, {"key": "age", "value": 3}]
    assert json.loads(data["context"]) == {"source": "py"}
    assert b"p@ssw0rd" not in login["body"]
    assert "authorization" not in login["headers"]  # no user token yet
    # The next call carries the new user token.
    assert check["headers"]["authorization"] == "Bearer tok"


def test_login_defaults_and_the_other_password_logins(stub_server: Callable[..., StubServer]) -> None:
    server = stub_server(authing_stub())
    with Client(app_host=server.url) as c:
        c.login_by_email(email="a@example.com", password="pw")
        c.login_by_username(username="bob", password="pw", captcha_code="c", client_ip="10.0.0.1")
        c.login_by_phone_password(phone="13800000000", password="pw", auto_register=False, captcha_code="c")
    methods = [(r["method"], r["path"]) for r in server.requests]
    # The key is fetched once per client.
    assert methods == [("GET", "/api/v2/.well-known")] + [("POST", "/graphql/v2")] * 3
    bodies = [json.loads(r["body"]) for r in server.requests[1:]]
    inputs = [b["variables"]["input"] for b in bodies]
    assert [document(b) for b in bodies] == [
        "mutation loginByEmail",
        "mutation loginByUsername",
        "mutation loginByPhonePassword",
    ]
    # autoRegister defaults to false; params and context are null when not given.
    assert [list(i) for i in inputs] == [
        ["email", "password", "autoRegister", "params", "context"],
        ["username", "password", "autoRegister", "captchaCode", "clientIp", "params", "context"],
        # captchaCode before autoRegister here, as in the SDK (AC:843-853).
        ["phone", "password", "captchaCode", "autoRegister", "params", "context"],
    ]
    assert inputs[0]["autoRegister"] is False and inputs[0]["params"] is None and inputs[0]["context"] is None
    assert inputs[1]["username"] == "bob" and inputs[1]["clientIp"] == "10.0.0.1"
    assert inputs[2]["phone"] == "13800000000" and inputs[2]["autoRegister"] is False
    for i in inputs:
        check_encrypted(i["password"], "pw")
    # Two encryptions of one password differ (PKCS#1 v1.5 padding is random).
    assert inputs[1]["password"] != inputs[2]["password"]


def test_code_logins_send_codes_and_email_code_goes_without_a_token(
    stub_server: Callable[..., StubServer],
) -> None:
    server = stub_server(authing_stub())
    with Client(app_host=server.url, token="old-token") as c:
        assert c.login_by_phone_code(phone="13800000000", code="1234", phone_country_code="+86") == USER
        assert c.login_by_email_code(email="a@example.com", code="5678", custom_data={"k": "v"}) == USER
        assert c.get_current_user() == USER
    (phone, email) = server.requests
    phone_input = json.loads(phone["body"])["variables"]["input"]
    assert document(json.loads(phone["body"])) == "mutation loginByPhoneCode"
    assert list(phone_input) == ["phone", "code", "phoneCountryCode", "params", "context"]
    assert (phone_input["code"], phone_input["phoneCountryCode"]) == ("1234", "+86")
    assert phone["headers"]["authorization"] == "Bearer old-token"
    assert (email["method"], email["path"]) == ("POST", "/api/v2/login/email-code")
    body = json.loads(email["body"])
    assert list(body) == ["email", "code", "params", "context"]
    assert body["code"] == "5678" and json.loads(body["params"]) == [{"key": "k", "value": "v"}]
    assert "authorization" not in email["headers"]  # the SDK's unSetToken


def test_a_second_factor_needed_raises_api_error_1635_with_the_mfa_token(
    stub_server: Callable[..., StubServer],
) -> None:
    server = stub_server(authing_stub(lambda body: MFA_REQUIRED))
    with Client(app_host=server.url) as c:
        with pytest.raises(ApiError) as info:
            c.login_by_email(email="a@example.com", password="pw")
        assert info.value.code == 1635
        assert info.value.data == {"mfaToken": "m"} and info.value.data["mfaToken"] == "m"
        assert info.value.message == "请输入二次认证安全码"
        assert info.value.status == "AUTHING_MFA_ERR_API"
        # The mfaToken is data: never printed.
        assert "mfaToken" not in str(info.value) and "mfaToken" not in repr(info.value)
        # No user: the current user is unchanged.
        assert c.get_current_user() is None

        async def both() -> None:
            with pytest.raises(ApiError) as again:
                await c.login_by_username_async(username="bob", password="pw")
            assert again.value.code == 1635 and again.value.data["mfaToken"] == "m"

        asyncio.run(both())


def test_application_mfa_1636_over_rest(stub_server: Callable[..., StubServer]) -> None:
    data = {"mfaToken": "m2", "applicationMfa": [{"mfaPolicy": "SMS", "sort": 1, "status": 1}]}
    server = stub_server(lambda m, p, h, b: (200, envelope(1636, "需要二次认证", data)))
    with Client(app_host=server.url) as c:
        with pytest.raises(ApiError) as info:
            c.login_by_email_code(email="a@example.com", code="1")
    assert info.value.code == 1636 and info.value.data == data


def test_async_login_sets_the_current_user(stub_server: Callable[..., StubServer]) -> None:
    server = stub_server(authing_stub())
    with Client(app_host=server.url, public_key=TEST_PUBLIC_KEY) as c:
        user = asyncio.run(c.login_by_phone_password_async(phone="1", password="pw"))
        assert user == USER and c.get_current_user() == USER
    # The public_key option: no .well-known request.
    assert [(r["method"], r["path"]) for r in server.requests] == [("POST", "/graphql/v2")]


def test_public_key_option(stub_server: Callable[..., StubServer]) -> None:
    server = stub_server(authing_stub())
    with Client(app_host=server.url, public_key=TEST_PUBLIC_KEY) as c:
        c.login_by_username(username="bob", password="pw")
    (login,) = server.requests
    check_encrypted(json.loads(login["body"])["variables"]["input"]["password"], "pw")
    with pytest.raises(InvalidArgumentError) as info:
        Client(public_key="not a key")
    assert "publicKey" in info.value.message
    with pytest.raises(TypeError, match="publicKey"):  # JS spellings are not keywords
        Client(public_key=TEST_PUBLIC_KEY, publicKey=TEST_PUBLIC_KEY)  # type: ignore[call-arg]


def test_too_long_a_password_is_refused_before_any_request(stub_server: Callable[..., StubServer]) -> None:
    server = stub_server(authing_stub())
    password = "x" * 600
    with Client(app_host=server.url) as c:
        for login in (
            lambda: c.login_by_email(email="a@example.com", password=password),
            lambda: c.login_by_username(username="bob", password=password),
            lambda: c.login_by_phone_password(phone="1", password=password),
        ):
            with pytest.raises(InvalidArgumentError) as info:
                login()
            assert "password" in info.value.message and password not in info.value.message
    assert server.requests == []


def test_argument_errors_name_the_key(closed_port_url: str) -> None:
    with Client(app_host=closed_port_url, max_retries=0) as c:
        with pytest.raises(InvalidArgumentError) as missing:
            c.call("loginByEmail", {"email": "a@example.com"})
        assert "password" in missing.value.message
        with pytest.raises(InvalidArgumentError) as unknown:
            c.call("loginByEmail", {"email": "a@example.com", "password": "p", "bogus": 1})
        assert "bogus" in unknown.value.message
        with pytest.raises(InvalidArgumentError) as not_an_object:
            c.login_by_email(email="a", password="p", custom_data="x")  # type: ignore[arg-type]
        assert "customData" in not_an_object.value.message
        # Valid arguments reach the network (refused here).
        with pytest.raises(NetworkError):
            c.login_by_email(email="a@example.com", password="p")


def test_send_sms_code_send_email_logout_and_check_login_status(stub_server: Callable[..., StubServer]) -> None:
    status = {"code": 200, "message": "ok", "status": True, "exp": 2, "iat": 1, "data": {"id": "u1"}}

    def graphql(body: Dict[str, Any]) -> Any:
        if document(body) == "mutation sendEmail":
            return {"data": {"sendEmail": {"message": "sent", "code": 200}}}
        return {"data": {"checkLoginStatus": status}}

    server = stub_server(authing_stub(graphql))
    with Client(app_host=server.url, app_id="app-1") as c:
        assert c.send_sms_code(phone="13800000000", scene="mfa-verify") == {"sent": True}
        assert c.send_sms_code(phone="13800000000", phone_country_code="+86", scene="login") == {"sent": True}
        assert c.send_email(email="a@example.com", scene="MFA_VERIFY_CODE") == {"message": "sent", "code": 200}
        assert c.check_login_status(token="t1") == status
        c.set_current_user(USER)
        assert c.logout() == {"code": 200, "message": "logged out"}
        assert c.get_current_user() is None
    requests = sent(server)
    assert requests[0] == ("POST", "/api/v2/sms/send", {"phone": "13800000000", "scene": "mfa-verify"})
    assert requests[1] == (
        "POST",
        "/api/v2/sms/send",
        {"phone": "13800000000", "phoneCountryCode": "+86", "scene": "login"},
    )
    assert requests[2][:2] == ("POST", "/graphql/v2")
    assert requests[2][2]["variables"] == {"email": "a@example.com", "scene": "MFA_VERIFY_CODE"}
    assert document(requests[3][2]) == "query checkLoginStatus"
    assert requests[3][2]["variables"] == {"token": "t1"}
    assert requests[4] == ("GET", "/api/v2/logout?app_id=app-1", None)
    assert server.requests[4]["headers"]["authorization"] == "Bearer tok"


def test_logout_refused_keeps_the_user(stub_server: Callable[..., StubServer]) -> None:
    server = stub_server(lambda m, p, h, b: (200, envelope(2020, "not logged in")))
    with Client(app_host=server.url) as c:
        c.set_current_user(USER)
        with pytest.raises(ApiError) as info:
            asyncio.run(c.logout_async())
        assert info.value.code == 2020
        assert c.get_current_user() == USER


def test_send_sms_code_against_the_dev_server(dev: Dev, client: Client) -> None:
    phone = "137" + str(uuid.uuid4().int)[:8]
    client.send_sms_code(phone=phone, scene="mfa-verify")
    assert len(dev.outbox(phone)) == 1
