"""The Python code blocks of the READMEs run, as written, against the dev
server, and print no secret.

Every ```python block of bindings/python/README.md, then of the top-level
README.md, runs in one child process (each block in a fresh namespace, as a
separate script would), after replacing the placeholders: the application's
URL by the dev server's, the example users' emails and password by fresh
users'. ``input()`` (where a README asks the user for a code from their
authenticator app) answers with a current TOTP code for the secret the
block just bound, else for the one bound earlier. A block may opt out with
the comment ``# readme: not run`` (for illustration only; keep that rare).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import List, Tuple

from helpers import REPO, Dev

READMES = [REPO / "bindings" / "python" / "README.md", REPO / "README.md"]
SKIP = "# readme: not run"
_BLOCK = re.compile(r"^( *)```python\n(.*?)^\1```", re.S | re.M)

_RUNNER = r"""
import builtins, json, os, sys, urllib.request
import authing_mfa

URL = os.environ["README_DEV_URL"]
seen = []  # every secret the blocks got: none may appear in their output
state = {"ns": {}, "alice": None}


def dev(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(URL + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())["data"]


def code_from_the_app(prompt=""):
    ns = state["ns"]
    if "started" in ns:  # the v3 enrollment: its secret is in the URI
        otp = ns["started"]["otpData"]
        secret = authing_mfa.totp_parse_uri(otp["qrCodeUri"])["secret"]
        seen.append(otp.get("recoveryCode"))
    elif "association" in ns:  # binding TOTP: the user's secret from now on
        secret = state["alice"] = ns["association"]["secret"]
        seen.append(ns["association"]["recovery_code"])
    else:
        secret = state["alice"]
    seen.append(secret)
    # A later 30 s step each time: the server refuses a replayed step.
    dev("POST", "/__dev/clock", {"advanceSeconds": 30})
    return authing_mfa.totp_generate(secret, dev("GET", "/__dev/clock")["now"])


builtins.input = code_from_the_app
for name, source in json.loads(sys.stdin.read()):
    print("=== " + name, flush=True)
    state["ns"] = {"__name__": "__main__"}
    exec(compile(source, name, "exec"), state["ns"])
    sys.stdout.flush()
with open(os.environ["README_SECRETS"], "w") as f:
    json.dump([s for s in seen if s], f)
"""


def readme_blocks() -> List[Tuple[str, str]]:
    blocks = []
    for path in READMES:
        text = path.read_text()
        for match in _BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            source = textwrap.dedent(match.group(2))
            if SKIP not in source:
                blocks.append((f"{path.relative_to(REPO)}:{line}", source))
    return blocks


def test_readme_blocks_are_found() -> None:
    names = [name for name, _ in readme_blocks()]
    assert sum(n.startswith("bindings/python/README.md") for n in names) >= 4, names
    assert any(n.startswith("README.md") for n in names), names


def test_readme_python_blocks_run(dev: Dev, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:10]
    password = f"pw-{tag}"
    alice = f"alice-{tag}@example.com"
    bob = f"bob-{tag}@example.com"
    for email in (alice, bob):
        dev.ok("POST", "/__dev/users", {"email": email, "password": password})
    replacements = {
        "https://my-app.authing.cn": dev.url,
        "alice@example.com": alice,
        "bob@example.com": bob,
        "correct horse": password,
        "YOUR_APP_ID": "readme-app",
    }
    blocks = []
    for name, source in readme_blocks():
        for placeholder, value in replacements.items():
            source = source.replace(placeholder, value)
        blocks.append((name, source))
    secrets_file = tmp_path / "secrets.json"
    env = dict(os.environ, README_DEV_URL=dev.url, README_SECRETS=str(secrets_file))
    out = subprocess.run(
        [sys.executable, "-c", _RUNNER],
        input=json.dumps(blocks),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    for name, _ in blocks:
        assert f"=== {name}" in out.stdout
    assert f"logged in as {alice}" in out.stdout
    secrets = json.loads(secrets_file.read_text())
    assert len(secrets) >= 3  # the TOTP secrets and recovery codes the blocks held
    for secret in secrets:
        assert secret not in out.stdout and secret not in out.stderr, "a README example printed a secret"
