"""``os.fork()`` after the library was first used (gunicorn ``--preload``,
``multiprocessing`` with the fork start method): in the child every call
raises ``ForkedError`` at once (blocking and async alike), the calls that were
in flight at the fork are forgotten there rather than waited for, and nothing
the child does harms the parent. Each scenario runs in its own interpreter:
forking the pytest process itself would copy its threads' state too."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from helpers import REPO

SCENARIO = textwrap.dedent(
    r"""
    import asyncio, os, sys, threading, time
    sys.path.insert(0, os.path.join(sys.argv[1], "bindings", "python", "tests"))
    from helpers import StubServer, HangingServer, envelope
    import authing_mfa
    from authing_mfa import Client, ForkedError
    from authing_mfa._async import live_operations

    ok = StubServer(lambda m, p, h, b: (200, envelope(200, data=[{"id": "a1"}])))
    hang = HangingServer()
    client = Client(app_host=ok.url, token="t")
    assert client.get_mfa_authenticators() == [{"id": "a1"}]
    assert asyncio.run(client.get_mfa_authenticators_async()) == [{"id": "a1"}]

    # An async call in flight at the fork, on a loop in another thread.
    stuck = Client(app_host=hang.url, token="t", timeout=60.0)
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    pending = asyncio.run_coroutine_threadsafe(stuck.get_mfa_authenticators_async(), loop)
    hang.accepted.acquire(timeout=10)
    assert live_operations() == 1

    # Another thread inside a call on a client at the fork (as the loop's
    # thread is while call_async runs): in the child, that call is counted
    # in flight for good unless the binding resets it.
    busy = Client(app_host=ok.url, token="t")
    inside, release = threading.Event(), threading.Event()
    def hold():
        with busy._use():
            inside.set()
            release.wait()
    threading.Thread(target=hold, daemon=True).start()
    assert inside.wait(10)

    requests_before = len(ok.requests)
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            # The parent's call is not waited for here (exit would wait).
            if live_operations() != 0:
                code = 10
            started = time.monotonic()
            try:
                client.get_mfa_authenticators()
                code = code or 11
            except ForkedError as e:
                if e.status != "AUTHING_MFA_ERR_FORKED" or e.status_code != 19:
                    code = code or 12
            try:
                asyncio.run(client.get_mfa_authenticators_async())
                code = code or 13
            except ForkedError:
                pass
            try:
                Client(app_host=ok.url)
                code = code or 14
            except ForkedError:
                pass
            try:
                authing_mfa.shutdown(1.0)
                code = code or 15
            except ForkedError:
                pass
            try:
                busy.get_mfa_authenticators()
                code = code or 18
            except ForkedError:
                pass
            client.close()
            stuck.close()
            busy.close()  # must not wait for the parent's thread
            if time.monotonic() - started > 5:
                code = code or 16
        except BaseException as e:
            print("child:", repr(e), file=sys.stderr)
            code = code or 17
        # A normal exit: the atexit handlers run (and must not wait for the
        # parent's call).
        sys.stdout.flush()
        sys.exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status), status
    assert os.WEXITSTATUS(status) == 0, f"child step {os.WEXITSTATUS(status)} failed"
    assert len(ok.requests) == requests_before, "the child sent nothing"
    # The parent is unharmed, on the same client and connections.
    for _ in range(3):
        assert client.get_mfa_authenticators() == [{"id": "a1"}]
        assert asyncio.run(client.get_mfa_authenticators_async()) == [{"id": "a1"}]
    release.set()
    busy.close()
    pending.cancel()
    deadline = time.monotonic() + 10
    while live_operations() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert live_operations() == 0
    print("FORK-SCENARIO-OK")
    """
)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() on this platform")
def test_a_forked_child_gets_forked_error_and_leaves_the_parent_working() -> None:
    run = subprocess.run(
        [sys.executable, "-c", SCENARIO, str(REPO)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "FORK-SCENARIO-OK" in run.stdout, run.stdout + run.stderr
