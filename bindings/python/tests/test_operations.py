"""Every operation against the dev server, and the whole MFA story."""

from __future__ import annotations

import json
import pathlib
import uuid
from typing import Any, Callable, Dict

import pytest
from helpers import Dev, StubServer, envelope

from authing_mfa import ApiError, Client, HttpStatusError, InvalidArgumentError, totp_parse_uri


def test_the_whole_totp_story(dev: Dev, client: Client) -> None:
    user = dev.create_user()
    user_token = dev.user_token(user)
    client.set_token(user_token)
    assert client.get_mfa_authenticators() == []

    association = client.associate_mfa_authenticator()
    assert association["authenticator_type"] == "totp"
    assert association["qrcode_data_url"].startswith("data:image/png;base64,")
    parsed = totp_parse_uri(association["qrcode_uri"])
    assert parsed["secret"] == association["secret"]
    assert parsed["account"] == user["account"]
    secret, recovery = association["secret"], association["recovery_code"]
    # Not enforced, nor listed, until confirmed.
    assert client.get_mfa_authenticators() == []
    assert dev.login(user)["code"] == 200

    wrong = "000000" if dev.code(secret) != "000000" else "111111"
    with pytest.raises(HttpStatusError) as info:
        client.confirm_associate_mfa_authenticator(totp=wrong)
    assert (info.value.http_status, info.value.code) == (400, 400)
    assert info.value.message == "Security code error, please re-enter"

    confirmed = client.confirm_associate_mfa_authenticator(totp=dev.code(secret))
    assert confirmed == {"code": 200, "message": "TOTP MFA bound successfully"}
    (authenticator,) = client.get_mfa_authenticators()
    assert authenticator["authenticatorType"] == "totp"
    assert authenticator["secret"] == secret
    assert authenticator["userId"] == user["id"]
    assert authenticator["enable"] is True

    # Log in again: MFA is now required (the login is not a library call, so
    # the 1635 envelope is seen directly).
    login = dev.login(user)
    assert login["code"] == 1635 and login["data"]["totpMfaEnabled"] is True
    mfa_token = login["data"]["mfaToken"]
    code = dev.next_code(secret)
    logged_in = client.verify_totp_mfa(totp=code, mfa_token=mfa_token)
    assert logged_in["id"] == user["id"] and logged_in["token"]
    assert logged_in["username"] == user["account"]

    # The same code again (replay), even with a fresh mfaToken: 6001.
    with pytest.raises(ApiError) as replay:
        client.verify_totp_mfa(totp=code, mfa_token=dev.mfa_token(user))
    assert replay.value.code == 6001 and replay.value.http_status == 200
    assert replay.value.message == "Security code error, please re-enter"

    # The recovery code logs in once and is rotated.
    recovered = client.verify_totp_recovery_code(recovery_code=recovery, mfa_token=dev.mfa_token(user))
    assert recovered["user"]["id"] == user["id"] and recovered["user"]["token"]
    new_recovery = recovered["recoveryCode"]
    assert isinstance(new_recovery, str) and new_recovery != recovery
    with pytest.raises(ApiError) as used:
        client.verify_totp_recovery_code(recovery_code=recovery, mfa_token=dev.mfa_token(user))
    assert used.value.code == 6002
    assert (
        client.verify_totp_recovery_code(recovery_code=new_recovery, mfa_token=dev.mfa_token(user))["user"][
            "id"
        ]
        == user["id"]
    )

    # Unbind with the user token obtained through MFA.
    client.set_token(logged_in["token"])
    deleted = client.delete_mfa_authenticator()
    assert deleted == {"code": 200, "message": "TOTP MFA unbound successfully"}
    assert client.get_mfa_authenticators() == []
    assert dev.login(user)["code"] == 200


def test_get_authenticators_with_an_mfa_token(dev: Dev, client: Client, totp_user: Dict[str, Any]) -> None:
    mfa_token = dev.mfa_token(totp_user)
    (authenticator,) = client.get_mfa_authenticators(type="totp", mfa_token=mfa_token, source="SELF")
    assert authenticator["userId"] == totp_user["id"]
    # An mfaToken (first factor only) is never shown the secret: it would
    # pass the second factor. A user token reads it (test_generic_call).
    assert authenticator["secret"] == ""
    assert client.get_mfa_authenticators(type="totp", mfa_token=mfa_token, source="APPLICATION") == []


def test_associate_during_the_mfa_stage(dev: Dev, client: Client) -> None:
    # Binding TOTP with only an mfaToken (a user whose policy requires MFA
    # before they have a user token): confirm must carry the mfaToken too.
    user = dev.create_user(email=f"{uuid.uuid4().hex[:8]}@example.com")
    dev.enable_factor(user["id"], "email")
    mfa_token = dev.mfa_token(user)
    association = client.assosicate_mfa_authenticator(
        authenticator_type="totp", mfa_token=mfa_token, source="SELF"
    )
    result = client.confirm_assosicate_mfa_authenticator(
        totp=dev.code(association["secret"]), authenticator_type="totp", source="SELF", mfa_token=mfa_token
    )
    assert result["code"] == 200
    assert dev.login(user)["data"]["totpMfaEnabled"] is True


def test_sms_second_factor(dev: Dev, client: Client) -> None:
    phone = "139" + str(uuid.uuid4().int)[:8]
    user = dev.create_user(phone=phone)
    other_phone = "138" + str(uuid.uuid4().int)[:8]
    dev.create_user(phone=other_phone)
    dev.enable_factor(user["id"], "sms")
    mfa_token = dev.mfa_token(user)
    assert client.phone_or_email_bindable(mfa_token=mfa_token, phone=phone) is True
    assert client.phone_or_email_bindable(mfa_token=mfa_token, phone=other_phone) is False
    dev.ok("POST", "/api/v2/sms/send", {"phone": phone})
    code = dev.outbox(phone)[-1]["code"]
    with pytest.raises(ApiError) as wrong:
        client.verify_app_sms_mfa(phone=phone, code="x" + code, mfa_token=mfa_token, phone_country_code="+86")
    assert wrong.value.code == 2001
    logged_in = client.verify_app_sms_mfa(
        phone=phone, code=code, mfa_token=mfa_token, phone_country_code="+86"
    )
    assert logged_in["id"] == user["id"] and logged_in["token"] and logged_in["phoneVerified"] is True


def test_email_second_factor(dev: Dev, client: Client) -> None:
    email = f"py-{uuid.uuid4().hex[:10]}@example.com"
    user = dev.create_user(email=email)
    dev.enable_factor(user["id"], "email")
    mfa_token = dev.mfa_token(user)
    assert client.phone_or_email_bindable(mfa_token=mfa_token, email=email) is True
    dev.ok("POST", "/api/v2/email/send", {"email": email})
    code = dev.outbox(email)[-1]["code"]
    logged_in = client.verify_app_email_mfa(email=email, code=code, mfa_token=mfa_token)
    assert logged_in["id"] == user["id"] and logged_in["token"] and logged_in["emailVerified"] is True
    with pytest.raises(ApiError) as reused:  # codes are single-use
        client.verify_app_email_mfa(email=email, code=code, mfa_token=dev.mfa_token(user))
    assert reused.value.code == 2001


def test_face_by_url(dev: Dev, client: Client) -> None:
    user = dev.create_user()
    client.set_token(dev.user_token(user))
    photo = "https://example.com/face-" + uuid.uuid4().hex + ".jpg"
    with pytest.raises(ApiError) as mismatch:
        client.associate_face_by_url(base_face=photo, compare_face=photo + "?other")
    assert mismatch.value.code == 6010
    bound = client.associate_face_by_url(base_face=photo, compare_face=photo)
    assert bound["id"] == user["id"]
    login = dev.login(user)
    assert login["code"] == 1635 and login["data"]["faceMfaEnabled"] is True
    with pytest.raises(ApiError) as failed:
        client.verify_face_mfa(photo=photo + "?not-me", mfa_token=login["data"]["mfaToken"])
    assert failed.value.code == 6012
    logged_in = client.verify_face_mfa(photo=photo, mfa_token=login["data"]["mfaToken"])
    assert logged_in["id"] == user["id"] and logged_in["token"]


def test_face_by_local_file(dev: Dev, client: Client, tmp_path: pathlib.Path) -> None:
    face = tmp_path / "face.jpg"
    face.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg " + uuid.uuid4().bytes)
    other = tmp_path / "other.png"
    other.write_bytes(b"\x89PNG another face " + uuid.uuid4().bytes)
    user = dev.create_user()
    client.set_token(dev.user_token(user))
    # Two different files: both are uploaded and compared (they differ).
    with pytest.raises(ApiError) as mismatch:
        client.associate_face_by_local_file(base_face=face, compare_face=str(other))
    assert mismatch.value.code == 6010
    # One PathLike, used for both photos, as in the JS SDK; bytes paths work too.
    assert client.associate_face_by_local_file(base_face=face)["id"] == user["id"]
    assert client.associate_face_by_local_file(base_face=bytes(face), compare_face=face)["id"] == user["id"]
    # Verify with an upload of the same bytes (the dev server's stand-in for
    # face recognition: identical bytes match).
    key = dev.upload(face.read_bytes(), "face.jpg")
    mfa_token = dev.mfa_token(user)
    assert client.verify_face_mfa(photo=key, mfa_token=mfa_token)["id"] == user["id"]


def test_generic_call(dev: Dev, client: Client, totp_user: Dict[str, Any]) -> None:
    mfa_token = dev.mfa_token(totp_user)
    listed = client.call("getMfaAuthenticators", {"type": "totp", "mfaToken": mfa_token})
    assert [a["userId"] for a in listed] == [totp_user["id"]]
    user = client.call("verifyTotpMfa", {"totp": dev.next_code(totp_user["secret"]), "mfaToken": mfa_token})
    assert user["id"] == totp_user["id"]
    client.set_token(user["token"])
    assert client.call("getMfaAuthenticators")[0]["secret"] == totp_user["secret"]
    assert client.call("deleteMfaAuthenticator", {})["code"] == 200


def test_no_argument_means_the_js_defaults_and_only_given_keys_are_sent(
    stub_server: Callable[..., StubServer],
) -> None:
    # phoneOrEmailBindable must answer a boolean; the others take anything.
    server = stub_server(lambda m, p, h, b: (200, envelope(200, "ok", p.endswith("/check") or [])))
    with Client(app_host=server.url) as c:
        c.get_mfa_authenticators()
        c.get_mfa_authenticators(mfa_token="m")
        c.get_mfa_authenticators(source="APPLICATION", type=None)
        c.associate_mfa_authenticator()
        c.associate_mfa_authenticator(mfa_token="m")
        c.confirm_associate_mfa_authenticator(totp="123456")
        c.verify_app_sms_mfa(phone="1", code="2", mfa_token="m")
        c.phone_or_email_bindable(mfa_token="m", email="e@x.y")
        c.associate_face_by_url(base_face="a", compare_face="b")
    sent = [(r["method"], r["path"], json.loads(r["body"]) if r["body"] else None) for r in server.requests]
    assert sent == [
        ("GET", "/api/v2/mfa/authenticator?type=totp&source=SELF", None),
        ("GET", "/api/v2/mfa/authenticator", None),
        ("GET", "/api/v2/mfa/authenticator?source=APPLICATION", None),
        ("POST", "/api/v2/mfa/totp/associate", {"authenticator_type": "totp", "source": "SELF"}),
        ("POST", "/api/v2/mfa/totp/associate", {}),
        ("POST", "/api/v2/mfa/totp/associate/confirm", {"totp": "123456"}),
        ("POST", "/api/v2/applications/mfa/sms/verify", {"phone": "1", "code": "2"}),
        ("POST", "/api/v2/applications/mfa/check", {"email": "e@x.y"}),
        ("POST", "/api/v2/mfa/face/associate", {"photoA": "a", "photoB": "b", "isExternal": True}),
    ]


def test_results_pass_unknown_fields_through(stub_server: Callable[..., StubServer]) -> None:
    user = {"id": "u", "arn": "a", "userPoolId": "p", "token": "t", "brandNew": {"x": [1, None, "é"]}}
    server = stub_server(lambda m, p, h, b: (200, envelope(200, "ok", user)))
    with Client(app_host=server.url) as c:
        assert c.verify_totp_mfa(totp="1", mfa_token="m") == user


@pytest.mark.parametrize(
    "method,params,status,word",
    [
        ("noSuchMethod", None, "AUTHING_MFA_ERR_INVALID_ARGUMENT", "noSuchMethod"),
        (
            "verifyTotpMfa",
            {"totp": "1", "mfaToken": "m", "bogusKey": 1},
            "AUTHING_MFA_ERR_INVALID_ARGUMENT",
            "bogusKey",
        ),
        ("verifyTotpMfa", {"totp": "1"}, "AUTHING_MFA_ERR_INVALID_ARGUMENT", "mfaToken"),
        ("verifyTotpMfa", {"totp": 123456, "mfaToken": "m"}, "AUTHING_MFA_ERR_INVALID_JSON", "totp"),
        ("deleteMfaAuthenticator", {"anything": True}, "AUTHING_MFA_ERR_INVALID_ARGUMENT", "anything"),
    ],
)
def test_argument_errors(client: Client, method: str, params: Any, status: str, word: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        client.call(method, params)
    assert info.value.status == status
    assert word in info.value.message
    assert info.value.code is None and info.value.http_status is None
