"""The MFA story test-wheel.sh runs with the installed wheel, outside the
checkout: python -I story.py DEV_SERVER_URL REPO. Not a pytest module."""

from __future__ import annotations

import json
import os
import shutil
import sys
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import authing_mfa
from authing_mfa import ApiError, Client

URL, REPO = sys.argv[1], Path(sys.argv[2]).resolve()


def dev(method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(URL + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as resp:
        envelope = json.loads(resp.read())
    assert envelope["code"] == 200, envelope
    return envelope["data"]


def code(secret: str) -> str:
    dev("POST", "/__dev/clock", {"advanceSeconds": 30})  # a new step each time: no replay
    return authing_mfa.totp_generate(secret, dev("GET", "/__dev/clock")["now"])


# The package and its library come from the venv, not from the checkout.
assert "AUTHING_MFA_LIB" not in os.environ
assert shutil.which("cargo") is None, shutil.which("cargo")
package = Path(authing_mfa.__file__).resolve().parent
library = Path(authing_mfa.library_path()).resolve()
assert library.parent == package, (library, package)
assert REPO not in package.parents and REPO not in library.parents, package
assert authing_mfa.version() == "0.1.0"

email, password = f"wheel-{uuid.uuid4().hex[:10]}@example.com", "wheel-story-pw"
dev("POST", "/__dev/users", {"email": email, "password": password})

with Client(app_host=URL, timeout=10.0) as client:
    user = client.login_by_email(email=email, password=password)
    assert user["email"] == email and user["token"]
    association = client.associate_mfa_authenticator()
    client.confirm_associate_mfa_authenticator(totp=code(association["secret"]))
    client.logout()
    try:
        client.login_by_email(email=email, password=password)
        raise AssertionError("a user with TOTP logged in without a second factor")
    except ApiError as e:
        assert e.code == 1635, e
        mfa_token = e.data["mfaToken"]
    user = client.verify_totp_mfa(totp=code(association["secret"]), mfa_token=mfa_token)
    assert user["email"] == email and user["token"]
    client.set_token(user["token"])
    assert client.get_mfa_authenticators()[0]["authenticatorType"] == "totp"
    assert client.logout()["code"] == 200

print(f"wheel story ok: {library} ({library.stat().st_size // 1024} KiB)")
