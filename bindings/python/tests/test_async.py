"""The asyncio API (the ``*_async`` coroutines over authing_mfa_call_async):
every operation against the dev server, same requests and errors as the
blocking API, concurrency, cancellation, and the op handle's lifetime."""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import random
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from typing import Any, Callable, Coroutine, Dict, List, Tuple, Type

import pytest
from conftest import OpTracker
from helpers import Dev, HangingServer, StubServer, envelope

import authing_mfa
from authing_mfa import (
    ApiError,
    AuthingMfaError,
    AuthingTimeoutError,
    Client,
    ClientClosedError,
    HttpStatusError,
    InvalidArgumentError,
    IoError,
    NetworkError,
    Status,
    totp_parse_uri,
)

# ------------------------------------------------------------ the dev server


def test_the_whole_totp_story_async(dev: Dev, client: Client, op_tracker: OpTracker) -> None:
    async def story() -> None:
        user = dev.create_user()
        client.set_token(dev.user_token(user))
        assert await client.get_mfa_authenticators_async() == []

        association = await client.associate_mfa_authenticator_async()
        assert totp_parse_uri(association["qrcode_uri"])["secret"] == association["secret"]
        secret, recovery = association["secret"], association["recovery_code"]

        wrong = "000000" if dev.code(secret) != "000000" else "111111"
        with pytest.raises(HttpStatusError) as info:
            await client.confirm_associate_mfa_authenticator_async(totp=wrong)
        assert (info.value.http_status, info.value.code) == (400, 400)

        confirmed = await client.confirm_assosicate_mfa_authenticator_async(totp=dev.code(secret))
        assert confirmed == {"code": 200, "message": "TOTP MFA bound successfully"}
        (authenticator,) = await client.get_mfa_authenticators_async()
        assert authenticator["secret"] == secret and authenticator["enable"] is True

        login = dev.login(user)
        assert login["code"] == 1635
        code = dev.next_code(secret)
        logged_in = await client.verify_totp_mfa_async(totp=code, mfa_token=login["data"]["mfaToken"])
        assert logged_in["id"] == user["id"] and logged_in["token"]

        with pytest.raises(ApiError) as replay:  # the same code again
            await client.verify_totp_mfa_async(totp=code, mfa_token=dev.mfa_token(user))
        assert (replay.value.code, replay.value.http_status) == (6001, 200)
        assert replay.value.message == "Security code error, please re-enter"
        assert replay.value.status == "AUTHING_MFA_ERR_API"

        recovered = await client.verify_totp_recovery_code_async(
            recovery_code=recovery, mfa_token=dev.mfa_token(user)
        )
        assert recovered["user"]["id"] == user["id"] and recovered["recoveryCode"] != recovery
        with pytest.raises(ApiError) as used:
            await client.verify_totp_recovery_code_async(
                recovery_code=recovery, mfa_token=dev.mfa_token(user)
            )
        assert used.value.code == 6002

        client.set_token(logged_in["token"])
        deleted = await client.delete_mfa_authenticator_async()
        assert deleted == {"code": 200, "message": "TOTP MFA unbound successfully"}
        assert await client.get_mfa_authenticators_async() == []
        assert dev.login(user)["code"] == 200

    asyncio.run(story())
    op_tracker.settle()
    assert len(op_tracker.made) == 11
    assert op_tracker.statuses() == {Status.OK, Status.ERR_API, Status.ERR_HTTP_STATUS}


def test_mfa_stage_operations_async(dev: Dev, client: Client) -> None:
    async def run() -> None:
        # Associate with an mfaToken only, and list with it.
        user = dev.create_user(email=f"{uuid.uuid4().hex[:8]}@example.com")
        dev.enable_factor(user["id"], "email")
        mfa_token = dev.mfa_token(user)
        association = await client.assosicate_mfa_authenticator_async(
            authenticator_type="totp", mfa_token=mfa_token, source="SELF"
        )
        confirmed = await client.confirm_associate_mfa_authenticator_async(
            totp=dev.code(association["secret"]),
            authenticator_type="totp",
            source="SELF",
            mfa_token=mfa_token,
        )
        assert confirmed["code"] == 200
        listed = await client.get_mfa_authenticators_async(type="totp", mfa_token=mfa_token, source="SELF")
        # Listed, but an mfaToken is never shown the secret: it would pass
        # the second factor.
        assert [(a["userId"], a["secret"]) for a in listed] == [(user["id"], "")]
        assert (
            await client.get_mfa_authenticators_async(type="totp", mfa_token=mfa_token, source="APPLICATION")
            == []
        )

    asyncio.run(run())


def test_sms_and_email_second_factors_async(dev: Dev, client: Client) -> None:
    async def run() -> None:
        phone = "139" + str(uuid.uuid4().int)[:8]
        user = dev.create_user(phone=phone)
        dev.enable_factor(user["id"], "sms")
        mfa_token = dev.mfa_token(user)
        assert await client.phone_or_email_bindable_async(mfa_token=mfa_token, phone=phone) is True
        dev.ok("POST", "/api/v2/sms/send", {"phone": phone})
        code = dev.outbox(phone)[-1]["code"]
        with pytest.raises(ApiError) as wrong:
            await client.verify_app_sms_mfa_async(phone=phone, code="x" + code, mfa_token=mfa_token)
        assert wrong.value.code == 2001
        by_sms = await client.verify_app_sms_mfa_async(
            phone=phone, code=code, mfa_token=mfa_token, phone_country_code="+86"
        )
        assert by_sms["id"] == user["id"] and by_sms["phoneVerified"] is True

        email = f"py-{uuid.uuid4().hex[:10]}@example.com"
        user = dev.create_user(email=email)
        dev.enable_factor(user["id"], "email")
        mfa_token = dev.mfa_token(user)
        assert await client.phone_or_email_bindable_async(mfa_token=mfa_token, email=email) is True
        dev.ok("POST", "/api/v2/email/send", {"email": email})
        code = dev.outbox(email)[-1]["code"]
        by_email = await client.verify_app_email_mfa_async(email=email, code=code, mfa_token=mfa_token)
        assert by_email["id"] == user["id"] and by_email["emailVerified"] is True

    asyncio.run(run())


def test_face_operations_async(dev: Dev, client: Client, tmp_path: pathlib.Path) -> None:
    async def run() -> None:
        user = dev.create_user()
        client.set_token(dev.user_token(user))
        photo = "https://example.com/face-" + uuid.uuid4().hex + ".jpg"
        with pytest.raises(ApiError) as mismatch:
            await client.associate_face_by_url_async(base_face=photo, compare_face=photo + "?other")
        assert mismatch.value.code == 6010
        assert (await client.associate_face_by_url_async(base_face=photo, compare_face=photo))["id"] == user[
            "id"
        ]
        login = dev.login(user)
        logged_in = await client.verify_face_mfa_async(photo=photo, mfa_token=login["data"]["mfaToken"])
        assert logged_in["id"] == user["id"] and logged_in["token"]

        face = tmp_path / "face.jpg"
        face.write_bytes(b"\xff\xd8\xff\xe0 a face " + uuid.uuid4().bytes)
        assert (await client.associate_face_by_local_file_async(base_face=face))["id"] == user["id"]
        bound = await client.associate_face_by_local_file_async(base_face=bytes(face), compare_face=str(face))
        assert bound["id"] == user["id"]
        with pytest.raises(IoError) as missing:
            await client.associate_face_by_local_file_async(base_face=tmp_path / "missing.jpg")
        assert missing.value.status == "AUTHING_MFA_ERR_IO"

    asyncio.run(run())


def test_generic_call_async(dev: Dev, client: Client, totp_user: Dict[str, Any]) -> None:
    async def run() -> None:
        mfa_token = dev.mfa_token(totp_user)
        listed = await client.call_async("getMfaAuthenticators", {"type": "totp", "mfaToken": mfa_token})
        assert [a["userId"] for a in listed] == [totp_user["id"]]
        user = await client.call_async(
            "verifyTotpMfa", {"totp": dev.next_code(totp_user["secret"]), "mfaToken": mfa_token}
        )
        assert user["id"] == totp_user["id"]
        client.set_token(user["token"])
        assert (await client.call_async("getMfaAuthenticators"))[0]["secret"] == totp_user["secret"]
        assert (await client.call_async("deleteMfaAuthenticator", {}))["code"] == 200

    asyncio.run(run())


# ------------------------------------------- same requests, same errors


def _every_operation(c: Client) -> List[Tuple[Callable[[], Any], Callable[[], Any]]]:
    """(blocking call, coroutine factory) pairs with identical arguments."""
    return [
        (lambda: c.get_mfa_authenticators(), lambda: c.get_mfa_authenticators_async()),
        (
            lambda: c.get_mfa_authenticators(type="totp", mfa_token="m", source="APPLICATION"),
            lambda: c.get_mfa_authenticators_async(type="totp", mfa_token="m", source="APPLICATION"),
        ),
        (lambda: c.associate_mfa_authenticator(), lambda: c.associate_mfa_authenticator_async()),
        (
            lambda: c.assosicate_mfa_authenticator(authenticator_type="totp", mfa_token="m", source="SELF"),
            lambda: c.assosicate_mfa_authenticator_async(
                authenticator_type="totp", mfa_token="m", source="SELF"
            ),
        ),
        (lambda: c.delete_mfa_authenticator(), lambda: c.delete_mfa_authenticator_async()),
        (
            lambda: c.confirm_associate_mfa_authenticator(totp="1", authenticator_type="totp", mfa_token="m"),
            lambda: c.confirm_associate_mfa_authenticator_async(
                totp="1", authenticator_type="totp", mfa_token="m"
            ),
        ),
        (
            lambda: c.verify_totp_mfa(totp="1", mfa_token="m"),
            lambda: c.verify_totp_mfa_async(totp="1", mfa_token="m"),
        ),
        (
            lambda: c.verify_totp_recovery_code(recovery_code="r", mfa_token="m"),
            lambda: c.verify_totp_recovery_code_async(recovery_code="r", mfa_token="m"),
        ),
        (
            lambda: c.verify_app_sms_mfa(phone="1", code="2", mfa_token="m", phone_country_code="+86"),
            lambda: c.verify_app_sms_mfa_async(phone="1", code="2", mfa_token="m", phone_country_code="+86"),
        ),
        (
            lambda: c.verify_app_email_mfa(email="a@b.c", code="2", mfa_token="m"),
            lambda: c.verify_app_email_mfa_async(email="a@b.c", code="2", mfa_token="m"),
        ),
        (
            lambda: c.phone_or_email_bindable(mfa_token="m", phone="1", email="a@b.c"),
            lambda: c.phone_or_email_bindable_async(mfa_token="m", phone="1", email="a@b.c"),
        ),
        (
            lambda: c.associate_face_by_url(base_face="a", compare_face="b", mfa_token="m"),
            lambda: c.associate_face_by_url_async(base_face="a", compare_face="b", mfa_token="m"),
        ),
        (
            lambda: c.verify_face_mfa(photo="p", mfa_token="m"),
            lambda: c.verify_face_mfa_async(photo="p", mfa_token="m"),
        ),
        (
            lambda: c.call("verifyTotpMfa", {"totp": "2", "mfaToken": "n"}),
            lambda: c.call_async("verifyTotpMfa", {"totp": "2", "mfaToken": "n"}),
        ),
    ]


def test_async_sends_exactly_what_the_blocking_api_sends(
    stub_server: Callable[..., StubServer], tmp_path: pathlib.Path
) -> None:
    def answer(method: str, path: str, headers: Dict[str, str], body: bytes) -> Tuple[int, bytes]:
        if path.startswith("/api/v2/upload"):
            return 200, envelope(200, "ok", {"key": "face-key", "url": "https://x/face-key"})
        return 200, envelope(200, "ok", path.endswith("/check") or {"id": "u"})

    server = stub_server(answer)
    face = tmp_path / "face.jpg"
    face.write_bytes(b"face bytes")

    def sent() -> List[Tuple[str, str, Any, Any]]:
        requests = [
            (r["method"], r["path"], r["headers"].get("authorization"), r["body"]) for r in server.requests
        ]
        server.requests.clear()
        return requests

    with Client(app_host=server.url, token="user-token") as c:
        pairs = _every_operation(c)
        pairs.append(
            (
                lambda: c.associate_face_by_local_file(base_face=face),
                lambda: c.associate_face_by_local_file_async(base_face=face),
            )
        )
        blocking = [call() for call, _ in pairs]
        by_blocking = sent()

        async def run() -> List[Any]:
            return [await make() for _, make in pairs]

        by_async = asyncio.run(run())
    # Multipart boundaries are random: compare the upload requests by shape.
    by_async_sent = sent()
    assert len(by_blocking) == len(by_async_sent) == len(pairs) + 1
    for a, b in zip(by_blocking, by_async_sent):
        if a[1].startswith("/api/v2/upload"):
            assert a[:3] == b[:3] and b"face bytes" in a[3] and b"face bytes" in b[3]
        else:
            assert a == b
    assert by_async == blocking


@pytest.mark.parametrize(
    "answer,exception,code,http_status",
    [
        ((200, envelope(6001, "Incorrect security code")), ApiError, 6001, 200),
        ((200, envelope(1635, "MFA required", {"mfaToken": "mfa-secret"})), ApiError, 1635, 200),
        ((400, envelope(400, "Incorrect security code, please try again")), HttpStatusError, 400, 400),
        ((502, b"<html>bad gateway</html>"), HttpStatusError, None, 502),
        ((200, b"not json"), authing_mfa.DecodeError, None, 200),
    ],
)
def test_async_errors_are_the_blocking_errors(
    stub_server: Callable[..., StubServer],
    answer: Tuple[int, bytes],
    exception: Type[AuthingMfaError],
    code: Any,
    http_status: int,
) -> None:
    server = stub_server(lambda m, p, h, b: answer)
    with Client(app_host=server.url, max_retries=0) as c:
        with pytest.raises(exception) as blocking:
            c.verify_totp_mfa(totp="1", mfa_token="m")
        with pytest.raises(exception) as coroutine:
            asyncio.run(c.verify_totp_mfa_async(totp="1", mfa_token="m"))
    a, b = blocking.value, coroutine.value
    assert type(a) is type(b)
    assert (b.status, b.code, b.http_status) == (a.status, code, http_status)
    assert (b.message, b.data, b.status_code) == (a.message, a.data, a.status_code)
    assert str(b) == str(a) and repr(b) == repr(a)
    assert "mfa-secret" not in str(b) + repr(b)


def test_async_local_errors(closed_port_url: str, tmp_path: pathlib.Path, op_tracker: OpTracker) -> None:
    async def run(c: Client) -> None:
        # Refused by authing_mfa_call_async itself: the callback never fires.
        with pytest.raises(InvalidArgumentError) as unknown:
            await c.call_async("noSuchMethod")
        assert unknown.value.status == "AUTHING_MFA_ERR_INVALID_ARGUMENT"
        assert "noSuchMethod" in unknown.value.message
        # Refused by the binding before C.
        with pytest.raises(InvalidArgumentError) as surrogate:
            await c.verify_totp_mfa_async(totp="\ud800", mfa_token="m")
        assert surrogate.value.status == "AUTHING_MFA_ERR_INVALID_UTF8"
        with pytest.raises(InvalidArgumentError) as nul:
            await c.call_async("verify\0TotpMfa")
        assert nul.value.status == "AUTHING_MFA_ERR_INVALID_ARGUMENT"
        # Accepted, then failed through the callback.
        with pytest.raises(InvalidArgumentError) as bad_key:
            await c.call_async("verifyTotpMfa", {"totp": "1", "mfaToken": "m", "bogusKey": 1})
        assert "bogusKey" in bad_key.value.message
        with pytest.raises(NetworkError):
            await c.get_mfa_authenticators_async()
        with pytest.raises(IoError):
            await c.associate_face_by_local_file_async(base_face=tmp_path / "nope.jpg")

    with Client(app_host=closed_port_url, max_retries=0) as c:
        asyncio.run(run(c))
    c.close()
    with pytest.raises(ClientClosedError):
        asyncio.run(c.get_mfa_authenticators_async())
    op_tracker.settle()
    # Only the three accepted calls made op handles.
    assert len(op_tracker.made) == 3
    assert op_tracker.statuses() == {Status.ERR_INVALID_ARGUMENT, Status.ERR_NETWORK, Status.ERR_IO}


def test_timeout_option_applies_to_async_calls(hanging_server: HangingServer) -> None:
    with Client(app_host=hanging_server.url, timeout=0.3) as c:
        start = time.monotonic()
        with pytest.raises(AuthingTimeoutError) as info:
            asyncio.run(c.get_mfa_authenticators_async())
    assert info.value.status == "AUTHING_MFA_ERR_TIMEOUT"
    assert time.monotonic() - start < 5


# ---------------------------------------------------------------- concurrency


def test_many_concurrent_coroutines_on_one_client(
    stub_server: Callable[..., StubServer], op_tracker: OpTracker
) -> None:
    # Each answer takes 200 ms; 100 calls in series would take 20 s.
    def slow(method: str, path: str, headers: Dict[str, str], body: bytes) -> Tuple[int, bytes]:
        time.sleep(0.2)
        if path.endswith("/totp/verify"):
            totp = json.loads(body)["totp"]
            if totp.startswith("bad"):
                return 200, envelope(6001, "Incorrect security code")
            return 200, envelope(200, "ok", {"id": totp})
        return 200, envelope(200, "ok", [])

    server = stub_server(slow)  # its listen backlog is 128 (helpers.StubServer)

    async def run(c: Client) -> Tuple[List[Any], float]:
        ticks = 0

        async def ticker() -> None:  # the loop must stay responsive meanwhile
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        tick_task = asyncio.create_task(ticker())
        calls: List[Coroutine[Any, Any, Any]] = []
        for i in range(100):
            if i % 3 == 0:
                calls.append(c.verify_totp_mfa_async(totp=f"ok-{i}", mfa_token="m"))
            elif i % 3 == 1:
                calls.append(c.verify_totp_mfa_async(totp=f"bad-{i}", mfa_token="m"))
            else:
                calls.append(c.get_mfa_authenticators_async())
        start = time.monotonic()
        results = await asyncio.gather(*calls, return_exceptions=True)
        elapsed = time.monotonic() - start
        tick_task.cancel()
        assert ticks >= 5, "the event loop was blocked"
        return results, elapsed

    with Client(app_host=server.url, timeout=20.0) as c:
        results, elapsed = asyncio.run(run(c))
    for i, result in enumerate(results):
        if i % 3 == 0:
            assert result == {"id": f"ok-{i}"}  # each result reached its own caller
        elif i % 3 == 1:
            assert isinstance(result, ApiError) and result.code == 6001
        else:
            assert result == []
    assert elapsed < 8, f"100 calls of 200 ms took {elapsed:.1f} s: not concurrent"
    op_tracker.settle()
    assert len(op_tracker.made) == 100


def test_one_client_from_several_event_loops_in_threads(stub_server: Callable[..., StubServer]) -> None:
    server = stub_server(lambda m, p, h, b: (200, envelope(200, "ok", {"id": json.loads(b)["totp"]})))
    results: Dict[int, List[Any]] = {}

    with Client(app_host=server.url) as c:

        def thread(n: int) -> None:
            async def run() -> List[Any]:
                return list(
                    await asyncio.gather(
                        *(c.verify_totp_mfa_async(totp=f"{n}-{i}", mfa_token="m") for i in range(20))
                    )
                )

            results[n] = asyncio.run(run())

        threads = [threading.Thread(target=thread, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert {n: [r["id"] for r in rs] for n, rs in results.items()} == {
        n: [f"{n}-{i}" for i in range(20)] for n in range(4)
    }


def test_client_closed_while_async_calls_are_in_flight(stub_server: Callable[..., StubServer]) -> None:
    # The library keeps what in-flight operations need: close() neither
    # waits for them nor breaks them.
    def slow(*_: Any) -> Tuple[int, bytes]:
        time.sleep(0.3)
        return 200, envelope(200, "ok", [])

    server = stub_server(slow)

    async def run() -> List[Any]:
        c = Client(app_host=server.url)
        tasks = [asyncio.create_task(c.get_mfa_authenticators_async()) for _ in range(3)]
        await asyncio.sleep(0.05)  # the calls are accepted
        start = time.monotonic()
        c.close()
        assert time.monotonic() - start < 0.2
        with pytest.raises(ClientClosedError):
            await c.get_mfa_authenticators_async()
        return list(await asyncio.gather(*tasks))

    assert asyncio.run(run()) == [[], [], []]


# ----------------------------------------------------------------- cancelling


def test_cancelling_the_task_cancels_the_request(
    hanging_server: HangingServer, op_tracker: OpTracker
) -> None:
    async def run(c: Client) -> float:
        task = asyncio.create_task(c.get_mfa_authenticators_async())
        await asyncio.get_running_loop().run_in_executor(None, hanging_server.wait_for_request)
        assert not task.done()
        start = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.monotonic() - start

    with Client(app_host=hanging_server.url, timeout=60.0) as c:
        took = asyncio.run(run(c))
        assert took < 0.5
        # The native request was abandoned: the server sees its connection
        # closed long before the 60 s timeout, and the callback reported it.
        assert hanging_server.closed[0].wait(10), "the connection of the cancelled request stayed open"
        op_tracker.settle()
        assert list(op_tracker.fired.values()) == [Status.ERR_CANCELLED]


def test_wait_for_timeout_cancels_the_request(hanging_server: HangingServer, op_tracker: OpTracker) -> None:
    with Client(app_host=hanging_server.url, timeout=60.0) as c:
        start = time.monotonic()
        with pytest.raises(asyncio.TimeoutError):
            asyncio.run(asyncio.wait_for(c.verify_totp_mfa_async(totp="1", mfa_token="m"), 0.3))
        assert time.monotonic() - start < 5
        assert hanging_server.closed[0].wait(10)
        op_tracker.settle()
        assert list(op_tracker.fired.values()) == [Status.ERR_CANCELLED]


def test_tasks_left_pending_are_cancelled_by_asyncio_run(
    hanging_server: HangingServer, op_tracker: OpTracker
) -> None:
    # asyncio.run cancels the tasks still pending when main() returns: that
    # must reach the library too (nothing keeps waiting for 60 s).
    async def main(c: Client) -> None:
        for _ in range(3):
            asyncio.create_task(c.get_mfa_authenticators_async())
        await asyncio.sleep(0.2)

    with Client(app_host=hanging_server.url, timeout=60.0) as c:
        asyncio.run(main(c))
        op_tracker.settle()
    assert len(op_tracker.made) == 3
    assert op_tracker.statuses() == {Status.ERR_CANCELLED}


def test_cancel_racing_completion_has_exactly_one_outcome(
    stub_server: Callable[..., StubServer], op_tracker: OpTracker
) -> None:
    server = stub_server(lambda m, p, h, b: (200, envelope(200, "ok", [])))
    rounds = 400
    rng = random.Random(5)

    async def run(c: Client) -> Dict[str, int]:
        outcomes = {"result": 0, "cancelled": 0}
        for i in range(rounds):
            task = asyncio.create_task(c.get_mfa_authenticators_async())
            await asyncio.sleep(0)  # the task starts: the call is accepted
            # Then cancel at a point anywhere from "still in flight" to "the
            # answer is already posted to the loop" to "the task is done".
            if i % 10 == 9:
                await asyncio.wait([task], timeout=10)  # done: cancel() comes too late
            else:
                time.sleep(rng.random() * (0.003 if i % 3 else 0.015))
            task.cancel()
            try:
                result = await task
            except asyncio.CancelledError:
                outcomes["cancelled"] += 1
            else:
                assert result == []
                outcomes["result"] += 1
        return outcomes

    with Client(app_host=server.url) as c:
        outcomes = asyncio.run(run(c))
    assert outcomes["result"] + outcomes["cancelled"] == rounds
    # Both outcomes happened (every tenth round completes; most of the others
    # are cancelled).
    assert outcomes["result"] >= rounds // 10 and outcomes["cancelled"] > 0, outcomes
    op_tracker.settle()
    assert len(op_tracker.made) == rounds
    assert op_tracker.statuses() <= {Status.OK, Status.ERR_CANCELLED}
    native = list(op_tracker.fired.values())
    assert native.count(Status.ERR_CANCELLED) > 0
    # Some answers arrived, and were posted to the loop, while the loop slept:
    # the cancel came after the answer, and the answer was dropped.
    assert native.count(Status.OK) > outcomes["result"], (outcomes, native.count(Status.OK))


def test_callback_before_call_async_returns_frees_the_handle_once(
    stub_server: Callable[..., StubServer], op_tracker: OpTracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Make the callback always win the race against call_async's return (the
    # rare order in real life): the handle must still be freed exactly once.
    server = stub_server(lambda m, p, h, b: (200, envelope(200, "ok", [])))
    lib = authing_mfa._ffi.lib()
    tracked = lib.authing_mfa_call_async

    def slow_to_return(*args: Any) -> int:
        status: int = tracked(*args)
        call_id = args[4]
        deadline = time.monotonic() + 5
        while call_id not in op_tracker.fired and time.monotonic() < deadline:
            time.sleep(0.001)
        return status

    monkeypatch.setattr(lib, "authing_mfa_call_async", slow_to_return, raising=False)

    async def run(c: Client) -> List[Any]:
        return list(await asyncio.gather(*(c.get_mfa_authenticators_async() for _ in range(5))))

    with Client(app_host=server.url) as c:
        assert asyncio.run(run(c)) == [[]] * 5
    op_tracker.settle()
    assert len(op_tracker.made) == 5 and op_tracker.statuses() == {Status.OK}


def test_library_cancelled_status_without_task_cancellation_is_an_error() -> None:
    # ERR_CANCELLED only comes from authing_mfa_op_cancel, which the binding
    # calls only when the Task is cancelled; if it ever came otherwise, the
    # caller gets the library's CancelledError (an AuthingMfaError), not a
    # bogus asyncio cancellation.
    error = authing_mfa._ffi.error_for(
        Status.ERR_CANCELLED, '{"status":"AUTHING_MFA_ERR_CANCELLED","message":"the operation was cancelled"}'
    )
    assert isinstance(error, authing_mfa.CancelledError) and isinstance(error, AuthingMfaError)
    assert not isinstance(error, asyncio.CancelledError)


# ------------------------------------------------- a loop that goes away

_CHILD_PRELUDE = """
import asyncio, atexit, sys, time
# Registered before authing_mfa is imported, so it runs after the package's
# own exit handler (atexit is last-in, first-out).
atexit.register(lambda: print("at exit: live", _async.live_operations(), flush=True))
import authing_mfa
from authing_mfa import _async
"""


def _run_child(script: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _CHILD_PRELUDE + textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ),
    )


def test_callback_after_the_loop_was_closed_does_not_crash(hanging_server: HangingServer) -> None:
    # The answer (here a timeout) arrives after the loop that awaited it was
    # closed: the callback must drop it quietly and still free the handle.
    out = _run_child(
        f"""
        c = authing_mfa.Client(app_host={hanging_server.url!r}, timeout=0.5)
        loop = asyncio.new_event_loop()
        task = loop.create_task(c.get_mfa_authenticators_async())
        loop.run_until_complete(asyncio.sleep(0.2))
        loop.close()
        print("closed with live", _async.live_operations(), flush=True)
        deadline = time.monotonic() + 10
        while _async.live_operations() and time.monotonic() < deadline:
            time.sleep(0.01)
        print("after callback: live", _async.live_operations(), flush=True)
        """
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:3] == ["closed with live 1", "after callback: live 0", "at exit: live 0"]
    assert "Traceback" not in out.stderr and "Exception ignored" not in out.stderr, out.stderr


@pytest.mark.parametrize("timeout_ms,exit_after", [(400, 0.3), (400, 0.38), (400, 0.4), (60000, 0.2)])
def test_exit_with_calls_in_flight_is_clean(
    hanging_server: HangingServer, timeout_ms: int, exit_after: float
) -> None:
    # The process ends with calls in flight whose loop was closed: no library
    # thread may call into a finalizing interpreter (that crashes it, as this
    # test showed before the package cancelled its calls at exit). The exit
    # times put the calls' timeouts just after, or at, the exit.
    out = _run_child(
        f"""
        start = time.monotonic()
        c = authing_mfa.Client(app_host={hanging_server.url!r}, timeout={timeout_ms / 1000})
        loop = asyncio.new_event_loop()
        tasks = [loop.create_task(c.get_mfa_authenticators_async()) for _ in range(4)]
        loop.run_until_complete(asyncio.sleep(0.1))
        loop.close()
        print("exiting with live", _async.live_operations(), flush=True)
        time.sleep(max(0.0, {exit_after} - (time.monotonic() - start)))
        """
    )
    assert out.returncode == 0, (out.returncode, out.stderr)
    lines = out.stdout.split("\n")
    assert lines[0] == "exiting with live 4" and lines[1] == "at exit: live 0", out.stdout
    assert "Traceback" not in out.stderr and "Exception ignored" not in out.stderr, out.stderr
