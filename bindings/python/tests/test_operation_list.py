"""The binding checked against the library's own list of operations
(``authing_mfa.operations()``, from ``authing_mfa_operations``), so that an
operation the library gains but ``Client`` lacks fails here (issue #11).

For every operation: ``Client`` has the blocking method (the JS name in
snake_case) and the coroutine (``<method>_async``); each, called with every
keyword it takes, sends exactly the operation's keys (each keyword feeding
one key) to the operation's C function (blocking) or to a JS name the
library runs with that function (async). Nothing is sent: ``Client._op``
and ``Client._op_async`` are replaced by recorders.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from typing import Any, Dict, List, Mapping, Optional, Tuple

import pytest

import authing_mfa
from authing_mfa import Client, _ffi

# Operations whose method the naming rule (the JS name in snake_case) does
# not find, each with the reason. An entry for a name the library does not
# list fails too, so this table cannot go stale.
METHOD_FOR: Dict[str, str] = {
    # The C API runs associateFaceByBlob and associateFaceByLocalFile with
    # one function (authing_mfa_associate_face_by_files): a native program
    # has files, not browser blobs. One method serves both.
    "associateFaceByBlob": "associate_face_by_local_file",
}
# (The SDK's misspelt assosicateMfaAuthenticator and
# confirmAssosicateMfaAuthenticator need no entry: Client has both
# spellings, assosicate_… being an alias of associate_….)


def snake_case(js_name: str) -> str:
    """verifyTotpMfa -> verify_totp_mfa (a run of capitals is one word:
    loginByLDAPCode -> login_by_ldap_code)."""
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", js_name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()


def method_name(op: Mapping[str, Any]) -> str:
    name: str = op["name"]
    return METHOD_FOR.get(name) or snake_case(name)


class Recorder:
    """Stands in for ``Client._op`` / ``Client._op_async``: keeps what the
    method would have sent."""

    def __init__(self) -> None:
        self.calls: List[Tuple[str, Optional[Dict[str, Any]]]] = []

    def sync(self, function: str, params: Optional[Mapping[str, Any]]) -> Any:
        self.calls.append((function, None if params is None else dict(params)))
        return None

    async def coroutine(self, method: str, params: Optional[Mapping[str, Any]]) -> Any:
        self.calls.append((method, None if params is None else dict(params)))
        return None


def keyword_mapping(
    label: str, op: Mapping[str, Any], sent: Optional[Dict[str, Any]], keywords: List[str]
) -> List[str]:
    """Problems with what a method sent when given every keyword (each
    keyword's value is ``"<keyword>"``, so the sent value says which
    keyword fed which key)."""
    problems: List[str] = []
    sent = sent or {}
    keys = set(op["keys"])
    fed: Dict[str, str] = {}
    for key, value in sent.items():
        if key not in keys:
            problems.append(f"{label} sends {key!r}, which operation {op['name']} does not take")
        if not isinstance(value, str) or value not in keywords:
            problems.append(f"{label} sends {key!r} not from one of its keywords: {value!r}")
        else:
            fed[value] = key
    for key in sorted(keys - set(sent)):
        problems.append(f"{label} cannot set key {key!r} of operation {op['name']}")
    for keyword in keywords:
        if keyword not in fed:
            problems.append(f"{label} has keyword {keyword!r}, which sets no key of operation {op['name']}")
    return problems


def check_operation(
    client: Client, recorder: Recorder, op: Mapping[str, Any], by_name: Mapping[str, Mapping[str, Any]]
) -> List[str]:
    problems: List[str] = []
    name = op["name"]
    base = method_name(op)
    for attr, is_async in ((base, False), (base + "_async", True)):
        label = f"Python binding: Client.{attr} (operation {name})"
        method = getattr(Client, attr, None)
        if method is None or not callable(method):
            problems.append(f"Python binding: Client has no method {attr} for operation {name}")
            continue
        if inspect.iscoroutinefunction(method) != is_async:
            problems.append(f"{label} is {'not ' if is_async else ''}a coroutine function")
            continue
        parameters = list(inspect.signature(method).parameters.values())[1:]  # without self
        odd = [p.name for p in parameters if p.kind is not inspect.Parameter.KEYWORD_ONLY]
        if odd:
            problems.append(f"{label} takes non-keyword parameters {odd}")
            continue
        keywords = [p.name for p in parameters]
        given = {k: k for k in keywords}
        recorder.calls.clear()
        if is_async:
            asyncio.run(getattr(client, attr)(**given))
        else:
            getattr(client, attr)(**given)
        if len(recorder.calls) != 1:
            problems.append(f"{label} made {len(recorder.calls)} library calls, not 1")
            continue
        target, sent = recorder.calls[0]
        if is_async:
            runs = by_name.get(target)
            if runs is None or runs["cFunction"] != op["cFunction"]:
                problems.append(
                    f"{label} calls {target!r}, which the library does not run with {op['cFunction']}"
                )
        elif target != op["cFunction"]:
            problems.append(f"{label} calls {target}, not {op['cFunction']}")
        problems += keyword_mapping(label, op, sent, keywords)
    return problems


def check_binding(ops: List[Dict[str, Any]]) -> List[str]:
    """Every way ``Client`` falls short of the library's list, one line each
    naming the binding and the operation; empty when it matches."""
    problems: List[str] = []
    by_name: Dict[str, Dict[str, Any]] = {}
    for op in ops:
        for name in [op["name"], *op["aliases"]]:
            by_name[name] = op
    for stale in sorted(set(METHOD_FOR) - {op["name"] for op in ops}):
        problems.append(f"Python binding: METHOD_FOR names {stale!r}, which the library does not list")

    recorder = Recorder()
    with Client() as client:
        # Instance attributes win over the methods: nothing is sent.
        setattr(client, "_op", recorder.sync)
        setattr(client, "_op_async", recorder.coroutine)
        for op in ops:
            problems += check_operation(client, recorder, op, by_name)
    return problems


def test_operations_is_the_librarys_list() -> None:
    ops = authing_mfa.operations()
    assert isinstance(ops, list) and len(ops) >= 13
    for op in ops:
        assert set(op) == {"name", "aliases", "cFunction", "keys"}, op
        assert isinstance(op["name"], str) and op["name"]
        assert all(isinstance(a, str) for a in op["aliases"])
        assert all(isinstance(k, str) for k in op["keys"])
    names = [n for op in ops for n in [op["name"], *op["aliases"]]]
    assert len(names) == len(set(names)), "a name or alias is listed twice"
    assert "verifyTotpMfa" in names and "assosicateMfaAuthenticator" in names
    verify = next(op for op in ops if op["name"] == "verifyTotpMfa")
    assert verify == {
        "name": "verifyTotpMfa",
        "aliases": [],
        "cFunction": "authing_mfa_verify_totp",
        "keys": ["totp", "mfaToken"],
    }
    # A fresh list each call: changing one does not change the next.
    ops[0]["name"] = "changed"
    assert authing_mfa.operations()[0]["name"] != "changed"


def test_every_listed_c_function_is_declared() -> None:
    declared = {name for name, _, _ in _ffi._PROTOTYPES}
    missing = sorted({op["cFunction"] for op in authing_mfa.operations()} - declared)
    assert not missing, f"Python binding: _ffi declares no prototype for {missing}"


def test_client_has_every_operation_with_its_keys() -> None:
    problems = check_binding(authing_mfa.operations())
    assert not problems, "\n".join(problems)


def test_the_check_fails_on_an_operation_the_binding_lacks() -> None:
    extra = {"name": "verifyNothingMfa", "aliases": [], "cFunction": "authing_mfa_verify_totp", "keys": []}
    assert check_binding([*authing_mfa.operations(), extra]) == [
        "Python binding: Client has no method verify_nothing_mfa for operation verifyNothingMfa",
        "Python binding: Client has no method verify_nothing_mfa_async for operation verifyNothingMfa",
    ]


def test_the_check_fails_on_a_key_the_binding_cannot_set_or_does_not_take() -> None:
    ops = authing_mfa.operations()
    for op in ops:
        if op["name"] == "verifyTotpMfa":
            op["keys"] = ["totp", "mfaToken", "newKey"]
        if op["name"] == "verifyFaceMfa":
            op["keys"] = ["mfaToken"]
    totp = "Python binding: Client.verify_totp_mfa{} (operation verifyTotpMfa)"
    face = "Python binding: Client.verify_face_mfa{} (operation verifyFaceMfa)"
    expected = []
    for suffix in ("", "_async"):
        expected.append(totp.format(suffix) + " cannot set key 'newKey' of operation verifyTotpMfa")
        expected.append(face.format(suffix) + " sends 'photo', which operation verifyFaceMfa does not take")
    assert sorted(check_binding(ops)) == sorted(expected)


def test_the_check_fails_on_a_stale_mapping_or_a_method_running_another_operation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(METHOD_FOR, "associateFaceByPigeon", "associate_face_by_local_file")

    # verify_face_mfa and its coroutine, miswired to verifyTotpMfa.
    def wrong(self: Client, *, photo: str, mfa_token: str) -> Any:
        return self._op("authing_mfa_verify_totp", {"photo": photo, "mfaToken": mfa_token})

    async def wrong_async(self: Client, *, photo: str, mfa_token: str) -> Any:
        return await self._op_async("verifyTotpMfa", {"photo": photo, "mfaToken": mfa_token})

    monkeypatch.setattr(Client, "verify_face_mfa", wrong)
    monkeypatch.setattr(Client, "verify_face_mfa_async", wrong_async)
    face = "Python binding: Client.verify_face_mfa{} (operation verifyFaceMfa)"
    assert sorted(check_binding(authing_mfa.operations())) == sorted(
        [
            "Python binding: METHOD_FOR names 'associateFaceByPigeon', which the library does not list",
            face.format("") + " calls authing_mfa_verify_totp, not authing_mfa_verify_face",
            face.format("_async") + " calls 'verifyTotpMfa', which the library does not run with "
            "authing_mfa_verify_face",
        ]
    )
