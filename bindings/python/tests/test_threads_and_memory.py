"""One client from many threads, close() racing with calls, and memory:
every library string is freed exactly once."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, List, Optional

import pytest
from helpers import Dev, SilentServer, StubServer, envelope

import authing_mfa
from authing_mfa import AuthingTimeoutError, Client, ClientClosedError, InvalidArgumentError, totp_generate


def test_one_client_from_many_threads(dev: Dev, devserver_url: str) -> None:
    # A user without MFA, so its login gives a user token directly.
    plain = dev.create_user()
    token = dev.user_token(plain)
    errors: List[BaseException] = []

    with Client(app_host=devserver_url, lang="en-US", token=token) as c:

        def work(i: int) -> int:
            done = 0
            for j in range(20):
                if j % 3 == 0:
                    assert c.get_mfa_authenticators() == []
                elif j % 3 == 1:
                    assert totp_generate("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59) == "287082"
                else:
                    with pytest.raises(InvalidArgumentError):
                        c.call("noSuchMethod")
                done += 1
            return done

        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = [pool.submit(work, i) for i in range(8)]
            for f in futures:
                try:
                    assert f.result(timeout=120) == 20
                except BaseException as e:  # collect, to report all at once
                    errors.append(e)
    assert errors == []


def test_token_changes_are_safe_during_calls(stub_server: Callable[..., StubServer]) -> None:
    server = stub_server(lambda m, p, h, b: (200, envelope(200, "ok", [])))
    with Client(app_host=server.url, token="tok-0") as c:
        stop = threading.Event()

        def flip() -> None:
            i = 0
            while not stop.is_set():
                c.set_token(f"tok-{i % 2}")
                c.set_current_user({"id": "u", "token": f"tok-{i % 2}"})
                i += 1
                time.sleep(0)  # yield the GIL so the calls make progress

        flipper = threading.Thread(target=flip)
        flipper.start()
        try:
            for _ in range(50):
                assert c.get_mfa_authenticators() == []
        finally:
            stop.set()
            flipper.join()
    # Always one of the two tokens, never none or a torn value.
    seen = {r["headers"].get("authorization") for r in server.requests}
    assert seen <= {"Bearer tok-0", "Bearer tok-1"} and seen


def test_blocking_calls_release_the_gil(silent_server: SilentServer) -> None:
    # Four 800 ms timeouts in four threads: in parallel they take about 0.8 s;
    # if the GIL were held during the C call they would take 3.2 s.
    with Client(app_host=silent_server.url, timeout=0.8) as c:

        def hang(_: int) -> str:
            try:
                c.get_mfa_authenticators()
            except AuthingTimeoutError as e:
                return e.status
            return "no error"

        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(hang, range(4)))
        elapsed = time.monotonic() - start
    assert results == ["AUTHING_MFA_ERR_TIMEOUT"] * 4
    assert elapsed < 2.5, elapsed


def test_close_waits_for_calls_in_flight(
    silent_server: SilentServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = authing_mfa._ffi.lib()
    real_free = lib.cdll.authing_mfa_client_free
    events: List[str] = []

    def recording_free(handle: int) -> None:
        events.append("free")
        real_free(handle)

    monkeypatch.setattr(lib, "authing_mfa_client_free", recording_free, raising=False)
    c = Client(app_host=silent_server.url, timeout=1.0)
    outcome: List[str] = []

    def in_flight() -> None:
        try:
            c.get_mfa_authenticators()
        except AuthingTimeoutError:
            outcome.append("timeout")
            events.append("call returned")

    thread = threading.Thread(target=in_flight)
    thread.start()
    while not silent_server.accepted:  # the request is really in flight
        time.sleep(0.01)
    c.close()  # must not free the handle under the running call
    events.append("close returned")
    thread.join()
    assert outcome == ["timeout"]
    assert events == ["call returned", "free", "close returned"]
    with pytest.raises(ClientClosedError):
        c.get_mfa_authenticators()


# ------------------------------------------------------------------ memory


def test_each_result_and_error_string_is_freed_exactly_once(
    dev: Dev, devserver_url: str, free_counter: List[Optional[int]]
) -> None:
    token = dev.user_token(dev.create_user())
    with Client(app_host=devserver_url, token=token) as c:
        free_counter.clear()
        for _ in range(100):
            c.get_mfa_authenticators()
        assert len(free_counter) == 100 and all(free_counter)  # the result JSON, once per call
        free_counter.clear()
        for _ in range(100):
            with pytest.raises(InvalidArgumentError):
                c.call("noSuchMethod")
        assert len(free_counter) == 100 and all(free_counter)  # the error JSON, once per call
        free_counter.clear()
        for _ in range(10):
            c.get_current_user()
            totp_generate("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59)
        assert len(free_counter) == 20 and all(free_counter)


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")
def test_rss_stays_flat_over_thousands_of_large_strings(stub_server: Callable[..., StubServer]) -> None:
    # Large strings make a leak obvious against allocator noise: the loops
    # below pass 125 MiB (local state) and 50 MiB (network answers) of
    # library strings through Python.
    big_user = {"id": "u", "blob": "x" * (128 * 1024)}
    big_list = [{"id": str(i), "blob": "y" * 2048} for i in range(256)]  # about 520 KiB per answer
    server = stub_server(lambda m, p, h, b: (200, envelope(200, "ok", big_list)))
    with Client(app_host=server.url) as c:
        c.set_current_user(big_user)
        for _ in range(100):  # warm up the allocators
            c.get_current_user()
        for _ in range(5):
            c.get_mfa_authenticators()
        before = _rss_bytes()
        for _ in range(1000):
            assert (c.get_current_user() or {})["id"] == "u"
        for _ in range(100):
            assert len(c.get_mfa_authenticators()) == 256
        grown = _rss_bytes() - before
    assert grown < 16 * 1024 * 1024, f"RSS grew by {grown / 2**20:.1f} MiB"
