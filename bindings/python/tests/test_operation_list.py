"""The binding checked against the library's own list of operations
(``authing_mfa.operations()``, from ``authing_mfa_operations``), so that an
operation the library gains but ``Client`` lacks fails here (issue #11).

For every operation: ``Client`` has the blocking method (the JS name in
snake_case) and the coroutine (``<method>_async``); each, called with every
keyword it takes, sends exactly the operation's keys (each keyword feeding
one key) to the operation's C function (blocking) or to a JS name the
library runs with that function (async). Nothing is sent: ``Client._op``
and ``Client._op_async`` are replaced by recorders.

The binding describes each operation once, in ``Client``'s operation table
(``authing_mfa._operation.OPERATIONS``), and makes both methods from it. The
table is checked against the library's list too, both ways, and every
method and coroutine (and every spelling the library accepts) against the
row it must be made from, with the same signature and a docstring.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import re
import typing
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Set, Tuple

import pytest

import authing_mfa
from authing_mfa import Client, _ffi
from authing_mfa._operation import ATTRIBUTE, OPERATIONS, Operation, Params, coroutine, operation

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
# spellings, assosicate_… being an alias of associate_…; nor does
# signInByCredentials, whose library alias signIn is Client.sign_in.)


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
        # The four fields the header documents, and the three the library's
        # catalogue has given since issue #11 (not in the header's comment).
        assert {"name", "aliases", "cFunction", "keys"} <= set(op), op
        assert set(op) <= {"name", "aliases", "cFunction", "keys", "http", "token", "requiresArgument"}, op
        assert isinstance(op["name"], str) and op["name"]
        assert all(isinstance(a, str) for a in op["aliases"])
        assert all(isinstance(k, str) for k in op["keys"])
    names = [n for op in ops for n in [op["name"], *op["aliases"]]]
    assert len(names) == len(set(names)), "a name or alias is listed twice"
    assert "verifyTotpMfa" in names and "assosicateMfaAuthenticator" in names
    verify = next(op for op in ops if op["name"] == "verifyTotpMfa")
    assert {k: verify[k] for k in ("name", "aliases", "cFunction", "keys")} == {
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


# ------------------------------------------------------- the operation table

# Client's public methods that are not operations of the table.
NOT_OPERATIONS = {
    "call",
    "call_async",
    "close",
    "set_token",
    "set_access_token",
    "set_current_user",
    "get_current_user",
    "clear_current_user",
}


def check_table(ops: List[Dict[str, Any]], table: Sequence[Operation]) -> List[str]:
    """Every way the operation table falls short of the library's list (and
    ``Client`` of the table), one line each naming the operation; empty when
    they match."""
    problems: List[str] = []
    by_name: Dict[str, Dict[str, Any]] = {}
    for op in ops:
        for name in [op["name"], *op["aliases"]]:
            by_name[name] = op
    for row in table:
        listed = by_name.get(row.js)
        if listed is None:
            problems.append(
                f"Python binding: Client's operation table has a row for {row.js!r}, "
                "which the library does not list"
            )
            continue
        if row.c_function != listed["cFunction"]:
            problems.append(
                f"Python binding: the table's row for {row.js} calls {row.c_function}, "
                f"but the library runs {row.js} with {listed['cFunction']}"
            )
        if row.name != snake_case(row.js):
            problems.append(
                f"Python binding: the table's row for {row.js} makes Client.{row.name}, "
                f"not Client.{snake_case(row.js)}"
            )
    for op in ops:
        names = [op["name"], *op["aliases"]]
        rows = [row for row in table if row.js in names]
        if not rows and op["name"] in METHOD_FOR:
            rows = [row for row in table if row.name == METHOD_FOR[op["name"]]]
            for row in rows:
                if row.c_function != op["cFunction"]:
                    problems.append(
                        f"Python binding: Client.{row.name} runs {row.c_function}, not operation "
                        f"{op['name']}'s {op['cFunction']}"
                    )
        if not rows:
            problems.append(
                f"Python binding: Client's operation table has no row for operation {op['name']} "
                f"({op['cFunction']})"
            )
            continue
        if len(rows) > 1:
            problems.append(f"Python binding: Client's operation table has {len(rows)} rows for {op['name']}")
            continue
        # Every spelling the library accepts has its method and coroutine,
        # made from that row.
        row = rows[0]
        methods = [METHOD_FOR[op["name"]]] if op["name"] in METHOD_FOR else [snake_case(n) for n in names]
        for method in methods:
            for attr in (method, method + "_async"):
                made_from = getattr(getattr(Client, attr, None), ATTRIBUTE, None)
                if made_from != row:
                    problems.append(
                        f"Python binding: Client.{attr} (operation {op['name']}) is not made from "
                        f"the table's row for {row.js}"
                    )
    return problems


def test_the_table_is_the_librarys_list() -> None:
    assert len(OPERATIONS) >= 12
    problems = check_table(authing_mfa.operations(), OPERATIONS)
    assert not problems, "\n".join(problems)
    declared = [name for name, _, _ in _ffi._PROTOTYPES]
    for row in OPERATIONS:
        assert declared.count(row.c_function) == 1, row.c_function


def test_the_table_check_names_an_operation_the_table_lacks() -> None:
    extra = {"name": "loginByPigeon", "aliases": [], "cFunction": "authing_mfa_login_by_pigeon", "keys": []}
    assert check_table([*authing_mfa.operations(), extra], OPERATIONS) == [
        "Python binding: Client's operation table has no row for operation loginByPigeon "
        "(authing_mfa_login_by_pigeon)"
    ]


def test_the_table_check_names_a_stale_or_miswired_row() -> None:
    face = next(row for row in OPERATIONS if row.js == "verifyFaceMfa")
    miswired = dataclasses.replace(face, c_function="authing_mfa_verify_totp")
    stale = dataclasses.replace(face, name="verify_pigeon_mfa", js="verifyPigeonMfa")
    table = [row for row in OPERATIONS if row is not face] + [miswired, stale]
    problems = check_table(authing_mfa.operations(), table)
    assert sorted(problems) == sorted(
        [
            "Python binding: Client's operation table has a row for 'verifyPigeonMfa', "
            "which the library does not list",
            "Python binding: the table's row for verifyFaceMfa calls authing_mfa_verify_totp, "
            "but the library runs verifyFaceMfa with authing_mfa_verify_face",
            # Client's methods carry the real row, not the miswired copy.
            "Python binding: Client.verify_face_mfa (operation verifyFaceMfa) is not made from "
            "the table's row for verifyFaceMfa",
            "Python binding: Client.verify_face_mfa_async (operation verifyFaceMfa) is not made from "
            "the table's row for verifyFaceMfa",
        ]
    )


def test_every_operation_has_its_coroutine_twin_with_the_same_signature() -> None:
    for row in OPERATIONS:
        blocking = Client.__dict__[row.name]
        twin = Client.__dict__[row.async_name]
        assert getattr(blocking, ATTRIBUTE) is row and getattr(twin, ATTRIBUTE) is row
        assert not inspect.iscoroutinefunction(blocking) and inspect.iscoroutinefunction(twin)
        assert (blocking.__name__, blocking.__qualname__) == (row.name, f"Client.{row.name}")
        assert (twin.__name__, twin.__qualname__) == (row.async_name, f"Client.{row.async_name}")
        assert blocking.__module__ == twin.__module__ == "authing_mfa.client"
        signature = inspect.signature(blocking)
        assert inspect.signature(twin) == signature
        assert signature.parameters == inspect.signature(row.spec).parameters
        assert signature.return_annotation is row.returns
        parameters = list(signature.parameters.values())
        assert parameters[0].name == "self"
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters[1:]), row.name
        hints = typing.get_type_hints(blocking)
        assert typing.get_type_hints(twin) == hints and hints["return"] == row.returns
        assert blocking.__doc__ == row.spec.__doc__ and len(blocking.__doc__.strip()) > 20
        assert twin.__doc__.startswith(f"``{row.name}()`` as a coroutine")


def test_every_public_method_is_an_operation_of_the_table_or_known() -> None:
    # A method written by hand, outside the table, fails here: it would have
    # no coroutine twin made with it.
    rows = {row.name: row for row in OPERATIONS}
    # Every spelling the library accepts for an operation (the JS SDK's
    # misspelt assosicate…, signIn for signInByCredentials), in snake_case:
    # a method may be made under any of them.
    aliases: Dict[str, Set[str]] = {}
    for op in authing_mfa.operations():
        for suffix in ("", "_async"):
            spellings = {snake_case(n) + suffix for n in [op["name"], *op["aliases"]]}
            for spelling in spellings:
                aliases[spelling] = spellings
    for attr, value in vars(Client).items():
        if attr.startswith("_") or not callable(value) or attr in NOT_OPERATIONS:
            continue
        row: Optional[Operation] = getattr(value, ATTRIBUTE, None)
        assert row is not None, f"Client.{attr} is not made from the operation table"
        assert row is rows.get(row.name), f"Client.{attr} is made from a row that is not in the table"
        assert value.__name__ in (row.name, row.async_name)
        # Under its own name, or an alias the library accepts.
        assert attr == value.__name__ or attr in aliases.get(value.__name__, set()), attr


def test_a_wrong_argument_is_a_type_error_at_the_call_also_for_a_coroutine() -> None:
    with Client() as c:
        # As for any `async def`: refused when called, before a coroutine exists.
        with pytest.raises(TypeError, match=r"verify_totp_mfa_async\(\) missing 1 required keyword-only"):
            c.verify_totp_mfa_async(totp="1")  # type: ignore[call-arg, unused-coroutine]
        with pytest.raises(TypeError, match=r"verify_totp_mfa_async\(\) got an unexpected keyword"):
            c.verify_totp_mfa_async(  # type: ignore[call-arg, unused-coroutine]
                totp="1", mfa_token="m", bogus=2
            )
        with pytest.raises(TypeError, match=r"verify_totp_mfa\(\) takes 1 positional argument"):
            c.verify_totp_mfa("1", "m")  # type: ignore[call-arg]
        with pytest.raises(TypeError, match=r"delete_mfa_authenticator_async\(\) got an unexpected"):
            c.delete_mfa_authenticator_async(mfa_token="m")  # type: ignore[call-arg, unused-coroutine]


def test_operation_refuses_a_spec_the_public_api_cannot_have() -> None:
    size = len(OPERATIONS)

    def positional(self: Any, totp: str) -> Params:
        """Positional."""
        return None

    def undocumented(self: Any, *, totp: str) -> Params:
        return None

    def private_keyword(self: Any, *, _run: str) -> Params:
        """A name the generated code uses."""
        return None

    refused: List[Tuple[Callable[..., Params], str]] = [
        (positional, "keyword-only"),
        (undocumented, "no docstring"),
        (private_keyword, "unusable parameter name"),
    ]
    for spec, words in refused:
        with pytest.raises(TypeError, match=words):
            operation("verifyTotpMfa", "authing_mfa_verify_totp", returns=dict)(spec)
    with pytest.raises(TypeError, match="defined twice"):
        operation("verifyTotpMfa", "authing_mfa_verify_totp", returns=dict)(OPERATIONS[0].spec)
    with pytest.raises(TypeError, match="not made by operation"):
        coroutine(positional)
    assert len(OPERATIONS) == size
