"""enable_logging()/disable_logging() (the library's log callback bridged to
the logging module) and shutdown() (process-wide and final: in a child)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import textwrap
from typing import Any, Callable, Dict, Iterator, List

import pytest
from helpers import Dev, HangingServer, StubServer, envelope

import authing_mfa
from authing_mfa import ApiError, Client, WouldDeadlockError, _async, _log


@pytest.fixture
def lines(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The library's lines, through the default ``authing_mfa`` logger;
    logging is switched off again afterwards (it is process-wide)."""
    caplog.set_level(logging.DEBUG, logger="authing_mfa")
    authing_mfa.enable_logging()
    try:
        yield caplog
    finally:
        authing_mfa.disable_logging()


def _ours(caplog: pytest.LogCaptureFixture, name: str = "authing_mfa") -> List[logging.LogRecord]:
    return [r for r in caplog.records if r.name == name]


def test_log_lines_never_contain_secrets(
    dev: Dev, devserver_url: str, totp_user: Dict[str, Any], lines: pytest.LogCaptureFixture
) -> None:
    user_token = dev.user_token(dev.create_user())
    mfa_token = dev.mfa_token(totp_user)
    code = dev.next_code(totp_user["secret"])
    with Client(app_host=devserver_url, lang="en-US", token=user_token) as c:
        assert c.get_mfa_authenticators() == []
        assert asyncio.run(c.get_mfa_authenticators_async()) == []
        logged_in = c.verify_totp_mfa(totp=code, mfa_token=mfa_token)
        # a fresh mfaToken: the first one completed a login and is spent
        fresh_mfa_token = dev.mfa_token(totp_user)
        with pytest.raises(ApiError):  # the replay: a failed request
            asyncio.run(c.verify_totp_mfa_async(totp=code, mfa_token=fresh_mfa_token))
        with pytest.raises(ApiError):
            c.verify_totp_recovery_code(recovery_code=totp_user["recovery_code"] + "x", mfa_token=fresh_mfa_token)

    records = _ours(lines)
    text = "\n".join(r.getMessage() for r in records)
    for secret in (
        user_token,
        mfa_token,
        fresh_mfa_token,
        code,
        totp_user["secret"],
        totp_user["recovery_code"],
        logged_in["token"],
    ):
        assert secret not in text
    heads = [r for r in records if r.levelno == logging.DEBUG]
    # The header lines of the calls with a token, blocking and async alike.
    assert sum("authorization: Bearer <redacted>" in r.getMessage() for r in heads) == 5, text
    assert all(r.getMessage().startswith(("GET ", "POST ")) for r in heads)
    infos = [r.getMessage() for r in records if r.levelno == logging.INFO]
    assert len(infos) == 3 and all(" -> ok in " in m for m in infos), infos
    warnings = [r.getMessage() for r in records if r.levelno == logging.WARNING]
    assert len(warnings) == 2 and all("AUTHING_MFA_ERR_API (code 600" in m for m in warnings), warnings


def test_level_selects_what_the_library_sends(
    stub_server: Callable[..., StubServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = stub_server(
        lambda m, p, h, b: (200, envelope(6001, "bad") if b"bad" in b else envelope(200, "ok", {"id": "u"}))
    )
    caplog.set_level(logging.DEBUG, logger="authing_mfa")
    with Client(app_host=server.url) as c:
        try:
            seen = {}
            for level in (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR):
                caplog.clear()
                authing_mfa.enable_logging(level)
                c.verify_totp_mfa(totp="good", mfa_token="m")
                with pytest.raises(ApiError):
                    asyncio.run(c.verify_totp_mfa_async(totp="bad", mfa_token="m"))
                seen[level] = sorted({r.levelno for r in _ours(caplog)})
        finally:
            authing_mfa.disable_logging()
        caplog.clear()
        c.verify_totp_mfa(totp="good", mfa_token="m")  # after disable_logging: nothing
        assert _ours(caplog) == []
        authing_mfa.disable_logging()  # idempotent
    assert seen == {
        logging.DEBUG: [logging.DEBUG, logging.INFO, logging.WARNING],
        logging.INFO: [logging.INFO, logging.WARNING],
        logging.WARNING: [logging.WARNING],
        logging.ERROR: [],
    }


def test_library_levels_map_to_logging_levels(lines: pytest.LogCaptureFixture) -> None:
    # Through the real C callback object (a ctypes thunk), with every level
    # the header defines; the library itself sends no ERROR lines today.
    for level in (1, 2, 3, 4, 9):
        _log._C_LOG_CALLBACK(None, level, f"line {level}".encode())
    assert [(r.levelno, r.getMessage()) for r in _ours(lines)] == [
        (logging.ERROR, "line 1"),
        (logging.WARNING, "line 2"),
        (logging.INFO, "line 3"),
        (logging.DEBUG, "line 4"),
        (logging.DEBUG, "line 9"),
    ]


def test_custom_logger(stub_server: Callable[..., StubServer], caplog: pytest.LogCaptureFixture) -> None:
    server = stub_server(lambda m, p, h, b: (200, envelope(200, "ok", [])))
    caplog.set_level(logging.DEBUG)
    mine = logging.getLogger("myapp.mfa")
    authing_mfa.enable_logging(logging.INFO, logger=mine)
    try:
        with Client(app_host=server.url) as c:
            c.get_mfa_authenticators()
    finally:
        authing_mfa.disable_logging()
    assert [r.levelno for r in _ours(caplog, "myapp.mfa")] == [logging.INFO]
    assert _ours(caplog) == []


def test_a_failing_logger_never_breaks_a_call(
    stub_server: Callable[..., StubServer], capfd: pytest.CaptureFixture[str]
) -> None:
    server = stub_server(lambda m, p, h, b: (200, envelope(200, "ok", [])))
    broken = logging.getLogger("authing_mfa.test.broken")
    broken.setLevel(logging.DEBUG)
    calls: List[str] = []

    def explode(record: logging.LogRecord) -> bool:
        calls.append(record.getMessage())
        raise RuntimeError("a filter that fails")

    broken.addFilter(explode)
    authing_mfa.enable_logging(logger=broken)
    try:
        with Client(app_host=server.url) as c:
            assert c.get_mfa_authenticators() == []
            assert asyncio.run(c.get_mfa_authenticators_async()) == []
    finally:
        authing_mfa.disable_logging()
        broken.removeFilter(explode)
    assert len(calls) == 4  # the filter ran (and raised) for every line
    err = capfd.readouterr().err
    assert "a filter that fails" not in err and "Exception ignored" not in err


def test_changing_logging_from_a_log_handler_is_refused(
    stub_server: Callable[..., StubServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = stub_server(lambda m, p, h, b: (200, envelope(200, "ok", [])))
    caplog.set_level(logging.DEBUG, logger="authing_mfa")
    refused: List[BaseException] = []

    class Reentrant(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            for change in (authing_mfa.disable_logging, lambda: authing_mfa.enable_logging(logging.INFO)):
                try:
                    change()
                except BaseException as e:
                    refused.append(e)

    handler = Reentrant()
    logger = logging.getLogger("authing_mfa")
    logger.addHandler(handler)
    authing_mfa.enable_logging(logging.INFO)
    try:
        with Client(app_host=server.url) as c:
            c.get_mfa_authenticators()
            asyncio.run(c.get_mfa_authenticators_async())
    finally:
        logger.removeHandler(handler)
        authing_mfa.disable_logging()
    assert len(refused) == 4 and all(isinstance(e, WouldDeadlockError) for e in refused), refused
    assert isinstance(refused[0], WouldDeadlockError)
    assert refused[0].status == "AUTHING_MFA_ERR_WOULD_DEADLOCK"
    # Still enabled at INFO all along: both calls were logged.
    assert len(_ours(caplog)) == 2


def test_enable_logging_argument_checks() -> None:
    with pytest.raises(TypeError):
        authing_mfa.enable_logging("DEBUG")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        authing_mfa.enable_logging(True)


# ---------------------------------------------------------------- shutdown


def test_shutdown_timeout_conversion() -> None:
    # Checked before the library is called (this process must keep working).
    assert [_async._millis(t) for t in (0, 0.0001, 0.3, 1.5, 2, 1e12, float("inf"))] == [
        0,
        1,
        300,
        1500,
        2000,
        0xFFFFFFFF,
        0xFFFFFFFF,
    ]
    for bad in (-1, -0.001, float("nan")):
        with pytest.raises(ValueError):
            authing_mfa.shutdown(bad)
    for wrong in ("1", None, True):
        with pytest.raises(TypeError):
            authing_mfa.shutdown(wrong)  # type: ignore[arg-type]
    with Client() as c:  # the library still works
        assert c.get_current_user() is None


_SHUTDOWN_CHILD = """
import asyncio, json, logging, sys, threading, time
import authing_mfa
from authing_mfa import Client, ShutdownError, WouldDeadlockError, _async

hang_url, ok_url = sys.argv[1], sys.argv[2]
report = {}

# 1. From a library thread (a log handler during an async call): refused,
#    and nothing is done.
class ShutdownFromHandler(logging.Handler):
    def emit(self, record):
        try:
            authing_mfa.shutdown(1)
            report.setdefault("from handler", []).append("returned")
        except BaseException as e:
            report.setdefault("from handler", []).append(type(e).__name__)

logger = logging.getLogger("authing_mfa.child")
logger.addHandler(ShutdownFromHandler())
logger.setLevel(logging.INFO)
ok = Client(app_host=ok_url)
authing_mfa.enable_logging(logging.INFO, logger=logger)
asyncio.run(ok.get_mfa_authenticators_async())
authing_mfa.disable_logging()
report["still working"] = asyncio.run(ok.get_mfa_authenticators_async())

# 2. The real thing, with an async and a blocking call in flight.
hang = Client(app_host=hang_url, timeout=60.0)
blocking = {}
def block():
    try:
        hang.get_mfa_authenticators()
        blocking["outcome"] = "returned"
    except BaseException as e:
        blocking["outcome"] = type(e).__name__

async def main():
    task = asyncio.create_task(hang.verify_totp_mfa_async(totp="1", mfa_token="m"))
    thread = threading.Thread(target=block)
    thread.start()
    await asyncio.sleep(0.5)  # both requests are in flight
    report["live before"] = _async.live_operations()
    start = time.monotonic()
    await asyncio.get_running_loop().run_in_executor(None, authing_mfa.shutdown, 5.0)
    report["shutdown took"] = time.monotonic() - start
    try:
        await task
        report["async"] = "returned"
    except ShutdownError as e:
        report["async"] = [type(e).__name__, e.status]
    thread.join(10)
    report["blocking"] = blocking.get("outcome")

asyncio.run(main())

# After: everything that needs the network is refused at once.
for name, call in [
    ("new client", lambda: Client()),
    ("blocking call", lambda: ok.get_mfa_authenticators()),
    ("async call", lambda: asyncio.run(ok.get_mfa_authenticators_async())),
]:
    try:
        call()
        report[name] = "returned"
    except ShutdownError as e:
        report[name] = e.status
authing_mfa.shutdown(1)  # idempotent
report["totp"] = authing_mfa.totp_generate("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59)
report["live after"] = _async.live_operations()
print(json.dumps(report))
"""


def test_shutdown_is_process_wide_and_final(
    hanging_server: HangingServer, stub_server: Callable[..., StubServer]
) -> None:
    server = stub_server(lambda m, p, h, b: (200, envelope(200, "ok", [])))
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_SHUTDOWN_CHILD), hanging_server.url, server.url],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report.pop("shutdown took") < 2
    assert report == {
        "from handler": ["WouldDeadlockError"],
        "still working": [],
        "live before": 1,
        "async": ["ShutdownError", "AUTHING_MFA_ERR_SHUTDOWN"],
        "blocking": "ShutdownError",
        "new client": "AUTHING_MFA_ERR_SHUTDOWN",
        "blocking call": "AUTHING_MFA_ERR_SHUTDOWN",
        "async call": "AUTHING_MFA_ERR_SHUTDOWN",
        "totp": "287082",
        "live after": 0,
    }
    assert len(hanging_server.received) == 2  # both calls were really in flight
