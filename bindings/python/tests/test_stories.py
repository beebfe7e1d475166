"""The first factor and Authing's v3 factor API against the dev server, as an
application meets them (issues #12 and #13), mirroring
devserver/tests/story_via_library.rs:

- v2: ``login_by_email`` -> bind TOTP -> ``login_by_email`` raises 1635 with
  ``data["mfaToken"]`` -> ``verify_totp_mfa`` -> ``logout``;
- v3: ``sign_in_by_credentials`` -> ``list_factors_to_enroll`` ->
  ``send_enroll_factor_request`` OTP -> ``enroll_factor`` with a real code ->
  ``list_enrolled_factors`` -> ``mfa_otp_verify`` -> v2's ``login_by_email``
  of the same user raises 1635 -> ``verify_mfa_token`` -> ``reset_factor``
  -> v2's login needs no second factor.
"""

from __future__ import annotations

import uuid
from typing import Any, Dict

import pytest
from helpers import Dev

from authing_mfa import ApiError, Client, InvalidArgumentError, totp_generate, totp_parse_uri


def _email_user(dev: Dev) -> Dict[str, Any]:
    return dev.create_user(email=f"py-story-{uuid.uuid4().hex[:12]}@example.com")


def _no_secrets(error: BaseException, *secrets: str) -> None:
    """An error's text (str, repr, args) holds none of the secrets."""
    for text in (str(error), repr(error), repr(error.args)):
        for secret in secrets:
            assert secret not in text, (secret, text)


def test_v2_login_by_email_then_totp_second_factor_and_logout(dev: Dev, devserver_url: str) -> None:
    user = _email_user(dev)
    with Client(app_host=devserver_url, lang="en-US", timeout=15000) as c:
        logged_in = c.login_by_email(email=user["email"], password=user["password"])
        assert logged_in["id"] == user["id"] and logged_in["email"] == user["email"]
        assert logged_in["token"]
        assert c.get_current_user() == logged_in, "the login set the current user"

        # Bound with the login's user token.
        association = c.associate_mfa_authenticator()
        secret = association["secret"]
        assert c.confirm_associate_mfa_authenticator(totp=dev.code(secret))["code"] == 200

        wrong_password = f"wrong-{uuid.uuid4().hex[:8]}"
        with pytest.raises(ApiError) as wrong:
            c.login_by_email(email=user["email"], password=wrong_password)
        assert wrong.value.code == 2333
        _no_secrets(wrong.value, wrong_password)

        with pytest.raises(ApiError) as stage:
            c.login_by_email(email=user["email"], password=user["password"])
        assert (stage.value.code, stage.value.http_status) == (1635, 200)
        assert stage.value.message == "Please enter the secondary authentication security code"
        mfa_token = stage.value.data["mfaToken"]
        assert isinstance(mfa_token, str) and mfa_token.count(".") == 2
        _no_secrets(stage.value, mfa_token, user["password"])

        # A fresh code: a later step than the confirm's (no replay).
        verified = c.verify_totp_mfa(totp=dev.next_code(secret), mfa_token=mfa_token)
        assert verified["id"] == user["id"] and verified["token"]
        c.set_current_user(verified)

        assert c.logout()["code"] == 200
        assert c.get_current_user() is None, "cleared once the server agreed"
        with pytest.raises(ApiError) as after:
            c.get_mfa_authenticators()
        assert after.value.code == 2020


def test_v3_factor_story_shares_users_with_v2(dev: Dev, devserver_url: str) -> None:
    user = _email_user(dev)
    login = {"email": user["email"], "password": user["password"]}
    # A public client: no app_secret.
    with Client(app_host=devserver_url, app_id="py-story-v3", lang="en-US", timeout=15000) as c, Client(
        app_host=devserver_url, lang="en-US", timeout=15000
    ) as v2:
        with pytest.raises(InvalidArgumentError):
            c.list_enrolled_factors()  # no access token yet

        wrong_password = f"wrong-{uuid.uuid4().hex[:8]}"
        with pytest.raises(ApiError) as wrong:
            c.sign_in_by_credentials(
                connection="PASSWORD", password_payload={"email": user["email"], "password": wrong_password}
            )
        assert wrong.value.code == 2333 and wrong.value.request_id
        _no_secrets(wrong.value, wrong_password)

        signed = c.sign_in_by_credentials(connection="PASSWORD", password_payload=login)
        assert isinstance(signed["access_token"], str) and signed["token_type"] == "bearer"

        # The client keeps the access token: the factor calls need no more.
        assert any(f["factorType"] == "OTP" for f in c.list_factors_to_enroll())
        assert c.list_enrolled_factors() == []

        request = c.send_enroll_factor_request(factor_type="OTP", profile={})
        enrollment_token = request["enrollmentToken"]
        parsed = totp_parse_uri(request["otpData"]["qrCodeUri"])
        assert parsed["account"] == user["email"]
        secret = parsed["secret"]
        enrolled = c.enroll_factor(
            factor_type="OTP",
            enrollment_token=enrollment_token,
            enrollment_data={"passCode": totp_generate(secret, dev.now())},
        )
        assert enrolled["statusCode"] == 200
        # An enrollment token is single use; the error holds neither it nor the code.
        with pytest.raises(ApiError) as spent:
            c.enroll_factor(
                factor_type="OTP", enrollment_token=enrollment_token, enrollment_data={"passCode": "135791"}
            )
        assert spent.value.request_id
        _no_secrets(spent.value, enrollment_token, "135791")

        (otp,) = c.list_enrolled_factors()
        assert otp["factorType"] == "OTP"
        assert c.get_factor(factor_id=otp["factorId"])["factorId"] == otp["factorId"]
        assert all(f["factorType"] != "OTP" for f in c.list_factors_to_enroll())

        # A fresh code, one step on (the enrolment's step is spent).
        code = dev.next_code(secret)
        assert c.mfa_otp_verify(totp=code) == {"verified": True}
        assert c.mfa_otp_verify(totp=code) == {"verified": False}, "a replay"

        # The factor bound through v3 is the one v2's login asks for.
        with pytest.raises(ApiError) as stage:
            v2.login_by_email(**login)
        assert stage.value.code == 1635
        mfa_token = stage.value.data["mfaToken"]
        _no_secrets(stage.value, mfa_token)
        introspected = c.verify_mfa_token(token=mfa_token)
        assert introspected["active"] is True and introspected["userId"] == user["id"]
        assert c.verify_mfa_token(token="not.an.mfatoken") == {"active": False}

        assert c.reset_factor(factor_id=otp["factorId"])["statusCode"] == 200
        assert c.list_enrolled_factors() == []
        with pytest.raises(ApiError) as gone:
            c.reset_factor(factor_id=otp["factorId"])
        assert gone.value.request_id

        again = v2.login_by_email(**login)  # no second factor after the reset
        assert again["id"] == user["id"] and again["token"]
