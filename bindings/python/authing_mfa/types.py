"""The shapes of the results, for type checkers and IDEs.

At run time every result is the parsed JSON the server sent (plain ``dict``,
``list``, ``bool``), with every field it sent, named as it sent them (the JS
SDK's names: ``mfaToken``, ``recovery_code``, ...). These ``TypedDict``s
name the fields Authing documents, so ``user["token"]`` type-checks and
``user["tokne"]`` does not; they are all ``total=False``: a server may leave
a field out, and some fields may be ``None``. Fields not listed here are
still in the dict (read them with ``.get()`` or ``cast``).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, TypedDict

__all__ = [
    "User",
    "Authenticator",
    "TotpAssociation",
    "RecoveryOutcome",
    "ServerStatus",
    "LoginStatus",
    "MfaErrorData",
    "ApplicationMfaFactor",
    "SignInResult",
    "OtpData",
    "EnrollFactorRequest",
    "V3Status",
    "Factor",
    "FactorToEnroll",
    "OtpVerification",
    "MfaTokenIntrospection",
]


class User(TypedDict, total=False):
    """A user (JS ``User``): what the logins and second-factor verifications
    return, and ``get_current_user()``. ``token`` is the user token."""

    id: str
    arn: str
    userPoolId: str
    status: str
    username: Optional[str]
    email: Optional[str]
    emailVerified: bool
    phone: Optional[str]
    phoneVerified: bool
    phoneCountryCode: Optional[str]
    nickname: Optional[str]
    name: Optional[str]
    photo: Optional[str]
    token: Optional[str]
    tokenExpiredAt: Optional[str]
    loginsCount: int
    lastLogin: Optional[str]
    lastIP: Optional[str]
    signedUp: Optional[str]
    blocked: bool
    isDeleted: bool
    createdAt: str
    updatedAt: str
    externalId: Optional[str]
    customData: Any


class Authenticator(TypedDict, total=False):
    """A bound authenticator (``get_mfa_authenticators``). ``secret`` and
    ``recoveryCode`` are secrets: never print or log them."""

    id: str
    createdAt: str
    updatedAt: str
    userId: str
    enable: bool
    secret: str
    authenticatorType: str
    recoveryCode: str
    source: str


class TotpAssociation(TypedDict, total=False):
    """The start of a TOTP binding (``associate_mfa_authenticator``): show
    ``qrcode_data_url`` (or ``qrcode_uri``) to the user, keep
    ``recovery_code`` for them. ``secret`` and ``recovery_code`` are secrets:
    never print or log them."""

    authenticator_type: str
    secret: str
    qrcode_uri: str
    qrcode_data_url: str
    recovery_code: str


class RecoveryOutcome(TypedDict, total=False):
    """``verify_totp_recovery_code``: the user (logged in) and the new
    recovery code (the old one is used up; a secret: give it to the user,
    never log it)."""

    user: User
    recoveryCode: str


class ServerStatus(TypedDict, total=False):
    """An answer without data (``{code, message}``: 200 and the server's
    sentence), e.g. ``delete_mfa_authenticator``, ``logout``, ``send_email``."""

    code: int
    message: str


class LoginStatus(TypedDict, total=False):
    """``check_login_status``: ``status`` says whether the token is live;
    ``exp``/``iat`` are Unix seconds (``None`` when not live)."""

    code: int
    message: str
    status: bool
    exp: Optional[int]
    iat: Optional[int]
    data: Optional[Dict[str, Any]]


class ApplicationMfaFactor(TypedDict, total=False):
    """One factor of an application's MFA policy (``MfaErrorData.applicationMfa``)."""

    mfaPolicy: str
    status: int
    sort: int


class MfaErrorData(TypedDict, total=False):
    """``ApiError.data`` of a login that needs a second factor (code 1635 or
    1636): ``mfaToken`` is what the verify methods take (a credential:
    never print or log it)."""

    mfaToken: str
    nickname: Optional[str]
    email: Optional[str]
    phone: Optional[str]
    phoneCountryCode: Optional[str]
    username: Optional[str]
    avatar: Optional[str]
    totpMfaEnabled: bool
    faceMfaEnabled: bool
    applicationMfa: List[ApplicationMfaFactor]


class SignInResult(TypedDict, total=False):
    """``sign_in_by_credentials`` (v3): the tokens; ``access_token`` becomes
    the client's access token. ``expire_in`` is in seconds."""

    access_token: str
    id_token: str
    refresh_token: str
    token_type: str
    expire_in: int
    scope: str


class OtpData(TypedDict, total=False):
    """The OTP part of ``send_enroll_factor_request`` (v3). ``recoveryCode``
    is a secret."""

    qrCodeUri: str
    qrCodeDataUrl: str
    recoveryCode: str


class EnrollFactorRequest(TypedDict, total=False):
    """``send_enroll_factor_request`` (v3): ``enrollmentToken`` (valid one
    minute) for ``enroll_factor``; ``otpData`` for an OTP factor."""

    enrollmentToken: str
    otpData: OtpData


class V3Status(TypedDict, total=False):
    """A v3 answer without data (``enroll_factor``, ``reset_factor``)."""

    statusCode: int
    message: str
    apiCode: int
    requestId: str


class Factor(TypedDict, total=False):
    """An enrolled v3 factor (``list_enrolled_factors``, ``get_factor``);
    ``factorType`` is ``"OTP"``, ``"SMS"``, ``"EMAIL"`` or ``"FACE"``."""

    factorId: str
    factorType: str
    profile: Dict[str, Any]


class FactorToEnroll(TypedDict, total=False):
    """A factor the user may enroll (``list_factors_to_enroll``)."""

    factorType: str


class OtpVerification(TypedDict, total=False):
    """``mfa_otp_verify`` (v3)."""

    verified: bool


class MfaTokenIntrospection(TypedDict, total=False):
    """``verify_mfa_token``: whether an mfaToken is live, and whose."""

    active: bool
    userPoolId: str
    userId: str
    exp: int
    iat: int
