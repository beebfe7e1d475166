"""Helpers shared by the tests: a small HTTP client for the dev server's
/__dev/ endpoints (plain urllib: they are not part of the library) and local
stub servers for failures the dev server cannot produce."""

from __future__ import annotations

import http.server
import json
import socket
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import authing_mfa

REPO = Path(__file__).resolve().parents[3]

# urllib must never go through a proxy from the environment: every request
# of the suite goes to 127.0.0.1.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Dev:
    """The dev server's control endpoints, through urllib."""

    def __init__(self, url: str) -> None:
        self.url = url

    def request(self, method: str, path: str, body: Any = None) -> Tuple[int, Dict[str, Any]]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with _OPENER.open(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, envelope = self.request(method, path, body)
        assert status == 200 and envelope.get("code") == 200, (path, status, envelope)
        return envelope.get("data")

    def create_user(self, **fields: Any) -> Dict[str, Any]:
        """A fresh user (unique names, so tests never collide); returns its
        fields with ``account`` and ``password`` added."""
        tag = uuid.uuid4().hex[:12]
        fields.setdefault("username", f"py-{tag}")
        fields.setdefault("password", f"pw-{tag}")
        user = self.ok("POST", "/__dev/users", fields)
        return {**user, "account": fields["username"], "password": fields["password"]}

    def login(self, user: Dict[str, Any]) -> Dict[str, Any]:
        """The raw login envelope: code 200 with the user, or 1635 with data.mfaToken."""
        status, envelope = self.request(
            "POST", "/__dev/login", {"account": user["account"], "password": user["password"]}
        )
        assert status == 200, envelope
        return envelope

    def user_token(self, user: Dict[str, Any]) -> str:
        envelope = self.login(user)
        assert envelope["code"] == 200, envelope
        token: str = envelope["data"]["token"]
        return token

    def mfa_token(self, user: Dict[str, Any]) -> str:
        envelope = self.login(user)
        assert envelope["code"] == 1635, envelope
        token: str = envelope["data"]["mfaToken"]
        return token

    def now(self) -> int:
        now: int = self.ok("GET", "/__dev/clock")["now"]
        return now

    def advance(self, seconds: int) -> None:
        self.ok("POST", "/__dev/clock", {"advanceSeconds": seconds})

    def code(self, secret: str) -> str:
        """A TOTP code for the server's clock, which tests may have shifted."""
        return authing_mfa.totp_generate(secret, self.now())

    def next_code(self, secret: str) -> str:
        """A code of a later 30 s step than any used so far: the server refuses
        a step that is not newer than the last accepted one (replay)."""
        self.advance(30)
        return self.code(secret)

    def outbox(self, to: str) -> List[Dict[str, Any]]:
        messages: List[Dict[str, Any]] = self.ok("GET", f"/__dev/outbox?to={urllib.parse.quote(to)}")
        return messages

    def upload(self, content: bytes, filename: str) -> str:
        """Uploads a face photo as the library does (multipart field `file`);
        returns its key."""
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        req = urllib.request.Request(
            self.url + "/api/v2/upload?folder=face-photo&private=true", data=body, method="POST"
        )
        req.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
        with _OPENER.open(req, timeout=10) as resp:
            answer = json.loads(resp.read())
        assert answer["code"] == 200, answer
        key: str = answer["data"]["key"]
        return key

    def enable_factor(self, user_id: str, factor: str) -> Dict[str, Any]:
        data: Dict[str, Any] = self.ok("POST", f"/__dev/users/{user_id}/mfa/{factor}", {"enabled": True})
        return data


Handler = Callable[[str, str, Dict[str, str], bytes], Tuple[int, bytes]]


class StubServer:
    """A local HTTP server answering every request with ``handler(method,
    path, headers, body) -> (status, body)``, recording what it received."""

    def __init__(self, handler: Handler, content_type: str = "application/json") -> None:
        self.requests: List[Dict[str, Any]] = []
        stub = self

        class _Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                stub.requests.append(
                    {"method": self.command, "path": self.path, "headers": headers, "body": body}
                )
                status, answer = handler(self.command, self.path, headers, body)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = do_DELETE = _serve

            def log_message(self, *args: Any) -> None:
                pass

        class _Server(http.server.ThreadingHTTPServer):
            # The listen backlog, which must be set before the socket
            # listens (socketserver's default is 5): a test that starts 100
            # calls at once would otherwise see connections dropped and
            # retried by TCP after 1, 3, 7, 15 s, and time out when the
            # machine is busy.
            request_queue_size = 128

            def handle_error(self, request: Any, client_address: Any) -> None:
                # A client that went away (a cancelled request) is expected;
                # anything else is printed as usual.
                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)

        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def envelope(code: int, message: str = "ok", data: Any = None) -> bytes:
    return json.dumps({"code": code, "message": message, "data": data}).encode()


class SilentServer:
    """Accepts connections and never answers (a hung upstream)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted: List[socket.socket] = []
        self._stop = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)  # kept open, never read nor answered

    def close(self) -> None:
        self._stop = True
        self.sock.close()
        for conn in self.accepted:
            conn.close()


class HangingServer:
    """Accepts connections, reads what the client sends, never answers, and
    records when the client closes each connection (EOF or reset): how a
    test sees that a cancelled request was really abandoned."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.lock = threading.Lock()
        self.received: List[bytes] = []  # per connection, in accept order
        self.closed: List[threading.Event] = []
        self.accepted = threading.Semaphore(0)  # released once per request head received
        self._conns: List[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                index = len(self.received)
                self.received.append(b"")
                self.closed.append(threading.Event())
                self._conns.append(conn)
            threading.Thread(target=self._read, args=(conn, index), daemon=True).start()

    def _read(self, conn: socket.socket, index: int) -> None:
        announced = False
        while True:
            try:
                chunk = conn.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                self.closed[index].set()
                return
            with self.lock:
                self.received[index] += chunk
                head_done = b"\r\n\r\n" in self.received[index]
            if head_done and not announced:
                announced = True
                self.accepted.release()

    def wait_for_request(self, timeout: float = 10.0) -> int:
        """Waits until a request head arrived; returns its connection index
        (the most recent connection that has one)."""
        assert self.accepted.acquire(timeout=timeout), "no request reached the hanging server"
        with self.lock:
            return max(i for i, data in enumerate(self.received) if b"\r\n\r\n" in data)

    def close(self) -> None:
        self.sock.close()
        with self.lock:
            for conn in self._conns:
                try:
                    conn.close()
                except OSError:
                    pass
