"""Fixtures: the dev server (one per session), clients, stub servers, and
the MFA setup steps the tests share."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Set

import pytest
from helpers import REPO, Dev, Handler, HangingServer, SilentServer, StubServer

import authing_mfa
from authing_mfa import Client


def _devserver_binary() -> Path:
    env = os.environ.get("AUTHING_MFA_DEVSERVER")
    path = Path(env) if env else REPO / "target" / "debug" / "authing-mfa-devserver"
    if not path.is_file():
        # A failure, not a skip: a suite that silently skips its server tests
        # would pass without testing anything.
        pytest.fail(f"dev server not found at {path}: run `cargo build -p authing-mfa-devserver`")
    return path


@pytest.fixture(scope="session")
def devserver_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Starts one dev server for the session; it exits when its stdin closes,
    so a crashed test run cannot leave it behind. Set
    AUTHING_MFA_DEVSERVER_LOG=<file> to keep its request log there."""
    keep = os.environ.get("AUTHING_MFA_DEVSERVER_LOG")
    log = Path(keep) if keep else tmp_path_factory.mktemp("devserver") / "stderr.log"
    quiet = [] if keep else ["--quiet"]
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            [str(_devserver_binary()), "--port", "0", "--exit-on-stdin-close", *quiet],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
        )
    assert proc.stdout is not None and proc.stdin is not None
    lines: "queue.Queue[bytes]" = queue.Queue()
    threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True).start()  # type: ignore[union-attr]
    try:
        first = lines.get(timeout=30).decode().strip()
    except queue.Empty:
        proc.kill()
        pytest.fail(f"dev server printed no URL in 30 s; stderr: {log.read_text(errors='replace')}")
    if not first.startswith("http://127.0.0.1:"):
        proc.kill()
        pytest.fail(
            f"dev server's first line is not its URL: {first!r}; stderr: {log.read_text(errors='replace')}"
        )
    try:
        yield first
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def dev(devserver_url: str) -> Dev:
    return Dev(devserver_url)


@pytest.fixture
def client(devserver_url: str) -> Iterator[Client]:
    with Client(app_host=devserver_url, lang="en-US", timeout=15.0) as c:
        yield c


@pytest.fixture
def totp_user(dev: Dev, client: Client) -> Dict[str, Any]:
    """A user with TOTP MFA bound and confirmed through the library; the
    client holds no token afterwards. Returns the user with ``secret`` and
    ``recovery_code``."""
    user = dev.create_user()
    client.set_token(dev.user_token(user))
    association = client.associate_mfa_authenticator()
    client.confirm_associate_mfa_authenticator(totp=dev.code(association["secret"]))
    client.clear_current_user()
    return {**user, "secret": association["secret"], "recovery_code": association["recovery_code"]}


@pytest.fixture
def stub_server() -> Iterator[Callable[..., StubServer]]:
    servers: List[StubServer] = []

    def make(handler: Handler, content_type: str = "application/json") -> StubServer:
        server = StubServer(handler, content_type)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL where nothing listens (connection refused)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def free_counter(monkeypatch: pytest.MonkeyPatch) -> List[Optional[int]]:
    """Records every pointer given to authing_mfa_string_free (the real
    function still runs)."""
    lib = authing_mfa._ffi.lib()
    real = lib.cdll.authing_mfa_string_free
    freed: List[Optional[int]] = []

    def counting_free(ptr: Optional[int]) -> None:
        freed.append(ptr)
        real(ptr)

    monkeypatch.setattr(lib, "authing_mfa_string_free", counting_free, raising=False)
    return freed


@pytest.fixture
def hanging_server() -> Iterator[HangingServer]:
    server = HangingServer()
    yield server
    server.close()


class OpTracker:
    """Watches the native side of async calls through the library functions
    the binding calls (each looked up on every call, so they can be wrapped):
    which op handles authing_mfa_call_async(_ex) made, which ones
    authing_mfa_op_free freed, and the status each callback delivered. Every
    free is checked as it happens: the handle must be live (made, not yet
    freed) and its callback must already have fired."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from authing_mfa import _async

        self.lock = threading.Lock()
        self.made: Dict[int, int] = {}  # call id -> op handle
        self.live: Dict[int, int] = {}  # op handle -> call id, until freed
        self.freed: List[int] = []  # op handles, in order
        self.fired: Dict[int, int] = {}  # call id -> status the callback got
        self.errors: List[str] = []
        lib = authing_mfa._ffi.lib()
        real_call_async = lib.cdll.authing_mfa_call_async
        real_call_async_ex = lib.cdll.authing_mfa_call_async_ex
        real_free = lib.cdll.authing_mfa_op_free
        real_complete = _async._complete

        def record(status: int, call_id: int, out: Any) -> int:
            op = out._obj.value  # the c_void_p that byref() points to
            if status == 0:
                with self.lock:
                    self.made[call_id] = op
                    self.live[op] = call_id
            return status

        def call_async(handle: Any, method: Any, params: Any, cb: Any, call_id: int, out: Any) -> int:
            return record(real_call_async(handle, method, params, cb, call_id, out), call_id, out)

        def call_async_ex(
            handle: Any, method: Any, params: Any, cb: Any, call_id: int, out: Any, err: Any
        ) -> int:
            return record(real_call_async_ex(handle, method, params, cb, call_id, out, err), call_id, out)

        def op_free(op: int) -> None:
            with self.lock:
                call_id = self.live.pop(op, None)
                if call_id is None:
                    self.errors.append(f"free of an op that is not live: {op:#x}")
                elif call_id not in self.fired:
                    self.errors.append(f"op of call {call_id} freed before its callback fired")
                self.freed.append(op)
            real_free(op)

        def complete(call_id: int, status: int, text: bytes) -> None:
            with self.lock:
                if call_id in self.fired:
                    self.errors.append(f"callback of call {call_id} fired twice")
                self.fired[call_id] = status
            real_complete(call_id, status, text)

        monkeypatch.setattr(lib, "authing_mfa_call_async", call_async, raising=False)
        monkeypatch.setattr(lib, "authing_mfa_call_async_ex", call_async_ex, raising=False)
        monkeypatch.setattr(lib, "authing_mfa_op_free", op_free, raising=False)
        monkeypatch.setattr(_async, "_complete", complete)

    def settle(self, timeout: float = 10.0) -> None:
        """Waits until every call made has had its callback and its handle
        freed, then checks the books: each handle freed exactly once."""
        from authing_mfa import _async

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                done = not self.live and set(self.fired) >= set(self.made)
            if done and _async.live_operations() == 0:
                break
            time.sleep(0.01)
        with self.lock:
            assert self.errors == []
            assert self.live == {}, f"{len(self.live)} op handles never freed"
            assert set(self.fired) >= set(self.made), "callbacks that never fired"
            assert len(self.freed) == len(self.made)
        assert _async.live_operations() == 0

    def statuses(self) -> Set[int]:
        with self.lock:
            return {self.fired[i] for i in self.made}


@pytest.fixture
def op_tracker(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpTracker]:
    tracker = OpTracker(monkeypatch)
    yield tracker
    tracker.settle()
