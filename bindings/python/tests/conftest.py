"""Fixtures: the dev server (one per session), clients, stub servers, and
the MFA setup steps the tests share."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import threading
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest
from helpers import REPO, Dev, Handler, SilentServer, StubServer

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
    with Client(app_host=devserver_url, lang="en-US", timeout=15000) as c:
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
