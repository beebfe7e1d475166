"""Every error family, produced for real: by the dev server, by local stub
servers, or by the machine (closed port, missing file)."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import time
from typing import Any, Callable, Dict

import pytest
from helpers import Dev, SilentServer, StubServer, envelope

from authing_mfa import (
    ApiError,
    AuthingMfaError,
    AuthingTimeoutError,
    Client,
    DecodeError,
    HttpStatusError,
    InvalidArgumentError,
    IoError,
    NetworkError,
)


def test_mfa_required_carries_the_mfa_token_in_data(stub_server: Callable[..., StubServer]) -> None:
    # Authing answers 1635 (HTTP 200) with data.mfaToken when a call needs
    # the second factor; the dev server does so only at /__dev/login (not a
    # library call), so a stub plays Authing here.
    mfa_token = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.mfa"
    data = {"mfaToken": mfa_token, "totpMfaEnabled": True, "applicationMfa": []}
    server = stub_server(lambda m, p, h, b: (200, envelope(1635, "请完成多因素认证", data)))
    with Client(app_host=server.url) as c:
        try:
            c.get_mfa_authenticators()
        except ApiError as e:
            if e.code == 1635:
                caught = e.data["mfaToken"]
            assert (e.status, e.status_code, e.http_status, e.message) == (
                "AUTHING_MFA_ERR_API",
                10,
                200,
                "请完成多因素认证",
            )
            assert e.data == data
            assert mfa_token not in str(e) and mfa_token not in repr(e)
        else:
            pytest.fail("no ApiError")
    assert caught == mfa_token


def test_dev_server_login_needs_mfa(dev: Dev, totp_user: Dict[str, Any]) -> None:
    login = dev.login(totp_user)
    assert login["code"] == 1635 and login["data"]["mfaToken"]


def test_wrong_totp_is_6001_and_wrong_recovery_code_is_6002(
    dev: Dev, client: Client, totp_user: Dict[str, Any]
) -> None:
    mfa_token = dev.mfa_token(totp_user)
    current = dev.code(totp_user["secret"])
    wrong = f"{(int(current) + 1) % 1000000:06d}"
    with pytest.raises(ApiError) as totp:
        client.verify_totp_mfa(totp=wrong, mfa_token=mfa_token)
    assert (totp.value.code, totp.value.http_status, totp.value.data) == (6001, 200, None)
    with pytest.raises(ApiError) as recovery:
        client.verify_totp_recovery_code(recovery_code="0000-0000-0000-0000-0000-0000", mfa_token=mfa_token)
    assert recovery.value.code == 6002
    assert recovery.value.message == "Wrong recovery code, please re-enter"


def test_messages_follow_the_lang_option(devserver_url: str, dev: Dev, totp_user: Dict[str, Any]) -> None:
    with Client(app_host=devserver_url) as zh:  # zh-CN is the default
        with pytest.raises(ApiError) as info:
            zh.verify_totp_recovery_code(recovery_code="nope", mfa_token=dev.mfa_token(totp_user))
    assert info.value.code == 6002 and info.value.message == "恢复代码错误，请重新输入"
    assert str(info.value) == "恢复代码错误，请重新输入 [AUTHING_MFA_ERR_API, code 6002]"


def test_token_errors(dev: Dev, client: Client, totp_user: Dict[str, Any]) -> None:
    with pytest.raises(ApiError) as missing:
        client.get_mfa_authenticators()
    assert missing.value.code == 2020
    client.set_token("not.a.jwt")
    with pytest.raises(ApiError) as invalid:
        client.get_mfa_authenticators()
    assert invalid.value.code == 2207
    mfa_token = dev.mfa_token(totp_user)
    dev.advance(400)  # mfaTokens live 360 s on the dev server
    with pytest.raises(ApiError) as expired:
        client.verify_totp_mfa(totp=dev.code(totp_user["secret"]), mfa_token=mfa_token)
    assert expired.value.code == 2206


def test_http_status_error_keeps_envelope_or_not(stub_server: Callable[..., StubServer]) -> None:
    answers = {"/api/v2/mfa/totp/verify": (503, b"<html>maintenance</html>")}
    server = stub_server(lambda m, p, h, b: answers.get(p, (403, envelope(2207, "forbidden"))))
    with Client(app_host=server.url) as c:
        with pytest.raises(HttpStatusError) as plain:
            c.verify_totp_mfa(totp="1", mfa_token="m")
        assert (plain.value.http_status, plain.value.code, plain.value.status) == (
            503,
            None,
            "AUTHING_MFA_ERR_HTTP_STATUS",
        )
        with pytest.raises(HttpStatusError) as enveloped:
            c.get_mfa_authenticators()
        assert (enveloped.value.http_status, enveloped.value.code, enveloped.value.message) == (
            403,
            2207,
            "forbidden",
        )


def test_network_error_on_a_closed_port(closed_port_url: str) -> None:
    with Client(app_host=closed_port_url) as c:
        with pytest.raises(NetworkError) as info:
            c.get_mfa_authenticators()
    assert info.value.status == "AUTHING_MFA_ERR_NETWORK"
    assert info.value.code is None and info.value.http_status is None


def test_timeout(silent_server: SilentServer) -> None:
    with Client(app_host=silent_server.url, timeout=0.3) as c:
        start = time.monotonic()
        with pytest.raises(AuthingTimeoutError) as info:
            c.verify_totp_mfa(totp="123456", mfa_token="m")
        elapsed = time.monotonic() - start
    assert 0.25 <= elapsed < 10
    assert isinstance(info.value, TimeoutError)  # the builtin one too
    assert info.value.status == "AUTHING_MFA_ERR_TIMEOUT"
    try:  # the builtin except clause catches it as well
        raise info.value
    except TimeoutError:
        pass


def test_decode_error_on_non_json(stub_server: Callable[..., StubServer]) -> None:
    server = stub_server(lambda m, p, h, b: (200, b"<html>this is not JSON</html>"), content_type="text/html")
    with Client(app_host=server.url) as c:
        with pytest.raises(DecodeError) as info:
            c.get_mfa_authenticators()
    assert info.value.status == "AUTHING_MFA_ERR_DECODE" and info.value.http_status == 200


def test_decode_error_on_oversized_answer(stub_server: Callable[..., StubServer]) -> None:
    server = stub_server(lambda m, p, h, b: (200, envelope(200, "ok", ["x" * 1000] * 10)))
    with Client(app_host=server.url, max_response_bytes=1000) as c:
        with pytest.raises(DecodeError):
            c.get_mfa_authenticators()
    with Client(app_host=server.url, max_response_bytes=100_000) as c:
        assert len(c.get_mfa_authenticators()) == 10


def test_io_error_for_a_missing_face_file(
    tmp_path: pathlib.Path, stub_server: Callable[..., StubServer]
) -> None:
    server = stub_server(lambda m, p, h, b: (200, envelope(200, "ok", {"key": "k", "url": "u"})))
    present = tmp_path / "present.jpg"
    present.write_bytes(b"face")
    with Client(app_host=server.url, token="t") as c:
        for base, compare in ((tmp_path / "missing.jpg", None), (present, tmp_path / "missing.jpg")):
            with pytest.raises(IoError) as info:
                c.associate_face_by_local_file(base_face=base, compare_face=compare)
            assert isinstance(info.value, OSError)
            assert info.value.status == "AUTHING_MFA_ERR_IO"
    assert server.requests == []  # refused before anything was sent


def test_every_error_is_catchable_as_the_base_class(closed_port_url: str) -> None:
    with Client(app_host=closed_port_url) as c:
        for call in (lambda: c.get_mfa_authenticators(), lambda: c.call("nope")):
            with pytest.raises(AuthingMfaError):
                call()
    with pytest.raises(InvalidArgumentError):
        Client(lang="nope")


def test_shutdown_error_after_library_shutdown(closed_port_url: str) -> None:
    # authing_mfa_shutdown is process-wide and final: run it in a child.
    script = f"""
import authing_mfa
from authing_mfa import _ffi, ShutdownError
c = authing_mfa.Client(app_host={closed_port_url!r})
assert _ffi.lib().authing_mfa_shutdown(1000) == 0
try:
    c.get_mfa_authenticators()
except ShutdownError as e:
    assert e.status == "AUTHING_MFA_ERR_SHUTDOWN", e.status
    print("shutdown ok")
c.close()
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=dict(os.environ)
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "shutdown ok"
