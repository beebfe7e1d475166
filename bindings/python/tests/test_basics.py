"""Module-level functions, status names and the exception classes."""

from __future__ import annotations

import pickle
import re
import time

import pytest
from helpers import REPO

import authing_mfa
from authing_mfa import (
    ApiError,
    AuthingMfaError,
    AuthingTimeoutError,
    CancelledError,
    DecodeError,
    ForkedError,
    HttpStatusError,
    InvalidArgumentError,
    IoError,
    NetworkError,
    PanicError,
    ShutdownError,
    Status,
    WouldDeadlockError,
    _ffi,
    totp_generate,
    totp_parse_uri,
)
from authing_mfa.errors import error_class, from_error_json

# RFC 6238 appendix B, SHA1 key "12345678901234567890" (base32 below): the
# 8-digit codes' last six digits are the 6-digit codes.
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
RFC_VECTORS = [
    (59, "287082"),
    (1111111109, "081804"),
    (1111111111, "050471"),
    (1234567890, "005924"),
    (2000000000, "279037"),
]


def test_version_is_the_header_version() -> None:
    assert authing_mfa.version() == "0.1.0"
    assert authing_mfa.__version__ == authing_mfa.version()


@pytest.mark.parametrize("unix_time,expected", RFC_VECTORS)
def test_totp_generate_matches_rfc_6238(unix_time: int, expected: str) -> None:
    assert totp_generate(RFC_SECRET, unix_time) == expected


def test_totp_generate_accepts_float_time_and_lenient_secret() -> None:
    assert totp_generate(RFC_SECRET, 59.999) == "287082"
    # Lowercase, spaces and dashes are ignored, as the header says.
    assert totp_generate("gezd gnbv-gy3t qojq gezd gnbv gy3t qojq", 59) == "287082"


def test_totp_generate_now_uses_the_system_clock() -> None:
    before = totp_generate(RFC_SECRET, time.time())
    now = totp_generate(RFC_SECRET)
    after = totp_generate(RFC_SECRET, time.time())
    assert now in (before, after)
    assert len(now) == 6 and now.isdigit()


@pytest.mark.parametrize(
    "secret,unix_time,status",
    [
        ("not base32!", 0, "AUTHING_MFA_ERR_INVALID_ARGUMENT"),
        ("", 0, "AUTHING_MFA_ERR_INVALID_ARGUMENT"),
        (RFC_SECRET, -1, "AUTHING_MFA_ERR_INVALID_ARGUMENT"),
        (RFC_SECRET, 2**64, "AUTHING_MFA_ERR_INVALID_ARGUMENT"),
        (RFC_SECRET, float("nan"), "AUTHING_MFA_ERR_INVALID_ARGUMENT"),
        ("\ud800" + RFC_SECRET, 0, "AUTHING_MFA_ERR_INVALID_UTF8"),
        (RFC_SECRET + "\0", 0, "AUTHING_MFA_ERR_INVALID_ARGUMENT"),
    ],
)
def test_totp_generate_errors(secret: str, unix_time: float, status: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        totp_generate(secret, unix_time)
    assert info.value.status == status
    assert isinstance(info.value, ValueError)
    if secret.strip("\0\ud800"):
        assert RFC_SECRET not in str(info.value) and RFC_SECRET not in repr(info.value)


def test_totp_parse_uri() -> None:
    uri = "otpauth://totp/Acme:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Acme&period=30&digits=6&algorithm=SHA1"
    assert totp_parse_uri(uri) == {
        "secret": "JBSWY3DPEHPK3PXP",
        "issuer": "Acme",
        "account": "alice@example.com",
        "digits": 6,
        "period": 30,
        "algorithm": "SHA1",
    }


@pytest.mark.parametrize(
    "uri",
    [
        "https://example.com",
        "otpauth://hotp/X:a?secret=JBSWY3DPEHPK3PXP",
        "otpauth://totp/X:a?secret=JBSWY3DPEHPK3PXP&digits=9",
    ],
)
def test_totp_parse_uri_errors_never_quote_the_uri(uri: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        totp_parse_uri(uri)
    assert info.value.status == "AUTHING_MFA_ERR_INVALID_ARGUMENT"
    assert "JBSWY3DPEHPK3PXP" not in str(info.value)


def test_status_enum_matches_the_library() -> None:
    for status in Status:
        assert _ffi.status_name(status) == status.c_name
    assert _ffi.status_name(12345) == "AUTHING_MFA_UNKNOWN_STATUS"


@pytest.mark.parametrize(
    "status,cls",
    [
        (Status.ERR_NULL_ARGUMENT, InvalidArgumentError),
        (Status.ERR_INVALID_UTF8, InvalidArgumentError),
        (Status.ERR_INVALID_JSON, InvalidArgumentError),
        (Status.ERR_INVALID_ARGUMENT, InvalidArgumentError),
        (Status.ERR_API, ApiError),
        (Status.ERR_HTTP_STATUS, HttpStatusError),
        (Status.ERR_NETWORK, NetworkError),
        (Status.ERR_TIMEOUT, AuthingTimeoutError),
        (Status.ERR_DECODE, DecodeError),
        (Status.ERR_IO, IoError),
        (Status.ERR_CANCELLED, CancelledError),
        (Status.ERR_SHUTDOWN, ShutdownError),
        (Status.ERR_WOULD_DEADLOCK, WouldDeadlockError),
        (Status.ERR_FORKED, ForkedError),
        (Status.ERR_PANIC, PanicError),
    ],
)
def test_every_status_has_its_family(status: Status, cls: type) -> None:
    assert error_class(status) is cls
    assert issubclass(cls, AuthingMfaError)
    err = from_error_json(int(status), status.c_name, {"status": status.c_name, "message": "m"})
    assert type(err) is cls and err.status_code == int(status) and err.status == status.c_name


def test_unknown_status_is_the_base_class() -> None:
    err = from_error_json(77, "AUTHING_MFA_UNKNOWN_STATUS", None)
    assert type(err) is AuthingMfaError
    assert err.message  # never an empty message


def test_builtin_bases() -> None:
    assert issubclass(AuthingTimeoutError, TimeoutError)
    assert issubclass(IoError, OSError)
    assert issubclass(InvalidArgumentError, ValueError)
    assert not issubclass(ApiError, OSError)


def test_error_fields_repr_and_pickle_keep_data_out_of_text() -> None:
    secret_token = "eyJhbGciOiJIUzI1NiJ9.mfa-token-secret"
    err = from_error_json(
        10,
        "AUTHING_MFA_ERR_API",
        {
            "status": "AUTHING_MFA_ERR_API",
            "message": "MFA required",
            "code": 1635,
            "httpStatus": 200,
            "data": {"mfaToken": secret_token},
        },
    )
    assert isinstance(err, ApiError)
    assert (err.code, err.http_status, err.message, err.status_code) == (1635, 200, "MFA required", 10)
    assert err.data == {"mfaToken": secret_token}
    for text in (str(err), repr(err), str(err.args), "%s" % err):
        assert secret_token not in text
    assert repr(err) == "ApiError(status='AUTHING_MFA_ERR_API', code=1635, message='MFA required')"
    assert str(err) == "MFA required [AUTHING_MFA_ERR_API, code 1635]"
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is ApiError and copy.data == err.data and copy.code == 1635 and copy.http_status == 200
    assert err.request_id is None and copy.request_id is None


def test_request_id_of_a_v3_failure() -> None:
    err = from_error_json(
        10,
        "AUTHING_MFA_ERR_API",
        {"status": "AUTHING_MFA_ERR_API", "message": "x", "code": 6001, "httpStatus": 200, "data": None,
         "requestId": "req-1"},
    )
    assert isinstance(err, ApiError) and err.code == 6001 and err.request_id == "req-1"
    copy = pickle.loads(pickle.dumps(err))
    assert copy.request_id == "req-1" and copy.code == 6001
    # Not a string: not a request ID.
    assert from_error_json(10, "AUTHING_MFA_ERR_API", {"requestId": 5}).request_id is None


def test_timeout_error_constructs_as_oserror_subclass() -> None:
    err = from_error_json(13, "AUTHING_MFA_ERR_TIMEOUT", {"message": "timed out"})
    assert isinstance(err, TimeoutError) and isinstance(err, OSError)
    assert str(err) == "timed out [AUTHING_MFA_ERR_TIMEOUT]"


def test_library_rejects_invalid_utf8_itself() -> None:
    # The binding never sends invalid UTF-8 (it refuses lone surrogates
    # first); this checks, below the binding, that the library would refuse
    # it too rather than repair it.
    lib = _ffi.lib()
    with _ffi.OutString() as out, _ffi.OutString() as err:
        status = lib.authing_mfa_totp_generate(b"\xff\xfe", 0, out.ref, err.ref)
        assert status == Status.ERR_INVALID_UTF8
        assert out.ptr.value is None
        error = err.take()
    assert error is not None and '"AUTHING_MFA_ERR_INVALID_UTF8"' in error


def test_declared_prototypes_cover_the_header() -> None:
    header = (REPO / "include" / "authing_mfa.h").read_text()
    declared = set(re.findall(r"\b(authing_mfa_[a-z_]+)\(", header)) - {"authing_mfa_status"}
    bound = {name for name, _, _ in _ffi._PROTOTYPES}
    assert declared == bound
    for name in bound:
        fn = getattr(_ffi.lib().cdll, name)  # the library built from this header has them all
        assert fn.argtypes is not None and callable(fn)
