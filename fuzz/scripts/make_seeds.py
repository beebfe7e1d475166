#!/usr/bin/env python3
"""Writes the committed seed corpus (fuzz/corpus/<target>/) and dictionaries.

Run from anywhere: python3 fuzz/scripts/make_seeds.py. Deterministic: file
names are a hash of the content, so re-running changes nothing. The seeds are
small and meaningful (valid inputs of every kind and the classic bad ones);
what a long fuzzing run discovers is NOT committed.
"""
import hashlib
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
FUZZ = os.path.dirname(HERE)
ROOT = os.path.dirname(FUZZ)

# A self-signed P-256 CA certificate (made with openssl for these seeds; it
# signs nothing and no system trusts it).
TEST_CA_PEM = open(os.path.join(HERE, "test-ca.pem")).read()


def write(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(FUZZ, "corpus", target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def j(v):
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


fixture = json.load(open(os.path.join(ROOT, "tests/fixtures/js_sdk_wire.json")))

# ------------------------------------------------------------------ options
options = [
    "null",
    "{}",
    "",
    "[]",
    '{"appHost":',
    {"appHost": "https://mfa.example.com/", "userPoolId": "pool-1", "appId": "app-1",
     "tenantId": "tenant-1", "lang": "en-US", "timeout": 5000, "requestFrom": "sdk",
     "token": "user-token-1", "allowInsecureHttp": False, "maxResponseBytes": 1048576,
     "maxRetries": 3},
    {"appHost": "http://127.0.0.1:8080"},
    {"appHost": "http://[::1]:1/", "host": "https://core.authing.cn"},
    {"host": "https://core.authing.cn", "lang": "zh-CN"},
    {"appHost": "http://mfa.example.com", "allowInsecureHttp": True},
    {"appHost": "https://localhost:8443", "caCertPem": TEST_CA_PEM},
    {"caCertPem": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"},
    {"caCertPem": "no pem here"},
    {"userPoolId": "", "appId": "", "tenantId": "", "lang": "", "timeout": 0, "token": ""},
    {"lang": "fr-FR"},
    {"timeout": -1},
    {"timeout": 1.5},
    {"timeout": "30"},
    {"timeout": 86400001},
    {"maxResponseBytes": 0},
    {"maxResponseBytes": 1073741825},
    {"maxRetries": 11},
    {"allowInsecureHttp": "yes"},
    {"userpoolId": "x"},
    {"appHost": "not a url"},
    {"appHost": "ftp://x.example"},
    {"host": "https://x.example/?q=1"},
    {"appHost": "https://x.example/#frag"},
    {"userPoolId": "a\nb"},
    {"token": "bad token"},
    {"token": "tok\u00e9n"},
    {"userPoolId": "\u7528\u6237\u6c60"},
]
seen = set()
for case in fixture["cases"]:
    s = j(case["clientOptions"])
    if s not in seen:
        seen.add(s)
        options.append(case["clientOptions"])
for o in options:
    write("options", o if isinstance(o, str) else j(o))

# ------------------------------------------------------------------ params
M = "mfa-token-1"
valid = {
    "getMfaAuthenticators": [None, "null", {}, {"type": "totp", "mfaToken": M, "source": "APPLICATION"}],
    "assosicateMfaAuthenticator": [None, {"authenticatorType": "totp", "mfaToken": M, "source": "SELF"}],
    "associateMfaAuthenticator": [{"authenticatorType": "totp"}],
    "deleteMfaAuthenticator": [None, {}],
    "confirmAssosicateMfaAuthenticator": [{"authenticatorType": "totp", "totp": "123456", "source": "SELF", "mfaToken": M}],
    "confirmAssociateMfaAuthenticator": [{"totp": "123456"}],
    "verifyTotpMfa": [{"totp": "123456", "mfaToken": M}],
    "verifyTotpRecoveryCode": [{"recoveryCode": "10af-4f2f-f34f-f224-d21c-bd16", "mfaToken": M}],
    "verifyAppSmsMfa": [{"phone": "13800000000", "code": "1234", "mfaToken": M, "phoneCountryCode": "+86"}],
    "verifyAppEmailMfa": [{"email": "a@example.com", "code": "1234", "mfaToken": M}],
    "phoneOrEmailBindable": [{"phone": "13800000000", "email": "a@example.com", "mfaToken": M}],
    "associateFaceByUrl": [{"baseFace": "https://img.example/a.jpg", "compareFace": "https://img.example/b.jpg", "mfaToken": M}],
    # Paths are pinned by the harness to a temp file (or its directory when
    # the path ends in "/"); these only choose which.
    "associateFaceByLocalFile": [{"baseFace": "/tmp/a.jpg", "compareFace": "/tmp/b.png", "mfaToken": M},
                                 {"baseFace": "/tmp/", "compareFace": ""}],
    "associateFaceByBlob": [{"baseFace": "face.png"}],
    "verifyFaceMfa": [{"photo": "face-photo/key-1.jpg", "mfaToken": M}],
    "loginByEmail": [{"email": "a@example.com", "password": "p@ss", "autoRegister": True,
                      "customData": {"k": "v"}, "context": {"ip": "1"}, "captchaCode": "c", "clientIp": "1.2.3.4"}],
    "loginByUsername": [{"username": "alice", "password": "p@ss", "params": [1]}],
    "loginByPhonePassword": [{"phone": "13800000000", "password": "\u5bc6\u7801"}],
    "loginByPhoneCode": [{"phone": "13800000000", "code": "1234", "phoneCountryCode": "+86"}],
    "loginByEmailCode": [{"email": "a@example.com", "code": "1234", "context": False}],
    "sendSmsCode": [{"phone": "13800000000", "phoneCountryCode": "", "scene": "mfa-verify"}],
    "sendEmail": [{"email": "a@example.com", "scene": "MFA_VERIFY_CODE"}],
    "logout": [None, {}],
    "checkLoginStatus": [None, {"token": "tok"}],
    "signInByCredentials": [{"connection": "PASSWORD", "passwordPayload": {"email": "a@example.com", "password": "p"},
                             "options": {"passwordEncryptType": "none"}}],
    "signIn": [{"connection": "PASSCODE", "passCodePayload": {"phone": "138", "passCode": "1234"}}],
    "sendEnrollFactorRequest": [{"factorType": "SMS", "profile": {"phoneNumber": "138", "phoneCountryCode": "+86"}}],
    "enrollFactor": [{"factorType": "OTP", "enrollmentToken": "et", "enrollmentData": {"passCode": "123456"}}],
    "resetFactor": [{"factorId": "f1"}],
    "getFactor": [{"factorId": "f 1"}],
    "listEnrolledFactors": [None],
    "listFactorsToEnroll": [{}],
    "mfaOtpVerify": [{"totp": "123456"}],
    "verifyMfaToken": [{"token": "mfa+tok/en="}],
}
invalid = [
    ("verifyTotpMfa", {"totp": "123456"}),
    ("verifyTotpMfa", {"totp": "123456", "mfaToken": ""}),
    ("verifyTotpMfa", {"totp": "123456", "mfaToken": "bad token"}),
    ("verifyTotpMfa", {"totp": 123456, "mfaToken": M}),
    ("verifyTotpMfa", {"totp": "123456", "mfatoken": M}),
    ("verifyTotpMfa", "null"),
    ("verifyTotpMfa", '{"totp":"123456","mfaToken":"' + M + '"'),
    ("verifyTotpMfa", "[1]"),
    ("confirmAssosicateMfaAuthenticator", {"authenticatorType": "totp"}),
    ("deleteMfaAuthenticator", {"x": 1}),
    ("verifyAppSmsMfa", {"phone": "", "code": "1", "mfaToken": M}),
    ("getMfaAuthenticators", {"type": ["totp"]}),
    ("verifySmsMfa", {"phone": "1"}),
    ("loginByEmail", {"email": "a@example.com", "password": "x" * 600}),
    ("loginByEmail", {"email": "a@example.com", "password": "p", "autoRegister": "yes"}),
    ("loginByUsername", {"username": "a", "password": "p", "customData": [1]}),
    ("sendEmail", {"email": "a@example.com"}),
    ("logout", {"x": 1}),
    ("", None),
    ("\u00e9\u7528", "{}"),
]


def params_seed(method, p):
    if p is None:
        return method
    return method + "\n" + (p if isinstance(p, str) else j(p))


for method, ps in valid.items():
    for p in ps:
        write("params", params_seed(method, p))
for method, p in invalid:
    write("params", params_seed(method, p))
for case in fixture["cases"]:
    write("params", params_seed(case["jsMethod"], case["params"]))

# ------------------------------------------------------------------ envelope
USER = {"id": "u-1", "username": "alice", "email": "a@example.com", "token": "eyJ.user.token",
        "tokenExpiredAt": "2030-01-01T00:00:00.000Z", "mfaEnabled": True, "extra": {"n": 1.50, "l": [1, 2.0e3]}}


def env(status, body):
    if not isinstance(body, (str, bytes)):
        body = j(body)
    if isinstance(body, str):
        body = body.encode()
    write("envelope", struct.pack(">H", status) + body)


env(200, {"code": 200, "message": "", "data": USER})
env(200, {"code": 200, "message": "ok", "data": {"secret": "JBSWY3DPEHPK3PXP", "qrcode_uri": "otpauth://totp/A:alice?secret=JBSWY3DPEHPK3PXP&issuer=A", "recovery_code": "10af-4f2f-f34f-f224-d21c-bd16"}})
env(200, {"code": 200, "data": USER, "recoveryCode": "aaaa-bbbb-cccc-dddd-eeee-ffff"})
env(200, {"code": 200, "data": [{"id": "a1", "authenticatorType": "totp"}]})
env(200, {"code": 200, "data": True})
env(200, {"code": 200})
env(200, {"code": 200.0, "data": None})
env(200, {"statusCode": 200, "apiCode": 0, "data": {"key": "face-photo/k0.png"}})
env(200, {"code": 1635, "message": "\u8bf7\u8f93\u5165 MFA \u9a8c\u8bc1\u7801", "data": {"mfaToken": "eyJ.mfa.token", "nickname": None, "email": "a@example.com", "applicationMfa": [{"mfaPolicy": "OTP", "status": 1}]}})
env(200, {"code": 6001, "message": "\u9a8c\u8bc1\u7801\u9519\u8bef", "data": None})
env(200, {"code": 6002, "message": "wrong recovery code"})
env(200, {"statusCode": 400, "apiCode": 2020, "message": "\u5c1a\u672a\u767b\u5f55"})
env(200, {"code": "200"})
env(200, {"message": "no code"})
env(200, "[]")
env(200, "")
env(200, "<html><body>502 Bad Gateway</body></html>")
env(200, '{"code":200,"data":')
env(200, '{"code":200,"code":200,"data":1}')
env(200, '  \n{"code":200,"data":{"a":{"b":{"c":[[[{"d":null}]]]}}}}')
env(200, {"code": 200, "data": {"deep": json.loads("[" * 40 + "]" * 40)}})
# Grammatical JSON that strict parsers (serde_json's Value) refuse: a lone
# surrogate escape and a number beyond f64. Passed through as the server sent it.
env(200, '{"code":200,"data":{"k":"\\ud800","n":1e400}}')
env(200, '{"code":1635,"message":"mfa","data":{"mfaToken":"\\udfff","exp":-1E+999}}')
env(204, "")
env(400, {"code": 400, "message": "\u5b89\u5168\u7801\u9519\u8bef\uff0c\u8bf7\u91cd\u65b0\u8f93\u5165"})
env(401, {"code": 2207, "message": "token invalid", "data": None})
env(302, "")
env(429, {"apiCode": 429, "message": "slow down"})
env(500, "")
env(503, "Service Unavailable")
env(42, {"code": 200})
for case in fixture["cases"]:
    body = case["request"].get("body")
    if body:
        env(200, body)

# ------------------------------------------------------------------ dictionaries
def dict_file(name, words):
    """libFuzzer's dictionary syntax: one quoted entry a line, with only
    printable ASCII bare and every other byte (and quote and backslash)
    written as \\xNN."""
    entries = sorted({w if isinstance(w, bytes) else w.encode() for w in words})
    with open(os.path.join(FUZZ, "dict", name + ".dict"), "w") as f:
        f.write("# libFuzzer dictionary, written by scripts/make_seeds.py\n")
        for w in entries:
            f.write('"%s"\n' % "".join(
                chr(b) if 0x20 <= b < 0x7F and b not in b'"\\' else "\\x%02X" % b for b in w))


json_words = ["{", "}", "[", "]", ":", ",", "null", "true", "false", '""', "\\u0000", "\\ud800", "1e400", "-0", "0.5"]
option_keys = ["userPoolId", "appId", "tenantId", "appHost", "host", "lang", "timeout", "requestFrom",
               "token", "allowInsecureHttp", "caCertPem", "maxResponseBytes", "maxRetries", "publicKey",
               "accessToken", "appSecret", "tokenEndPointAuthMethod"]
dict_file("options", json_words + ['"%s"' % k for k in option_keys] +
          ["http://", "https://", "127.0.0.1", "[::1]", "localhost", "zh-CN", "en-US", "-----BEGIN CERTIFICATE-----",
           "-----END CERTIFICATE-----", "86400000", "1073741824"])
param_keys = ["type", "mfaToken", "source", "authenticatorType", "totp", "recoveryCode", "phone", "code",
              "phoneCountryCode", "email", "baseFace", "compareFace", "photo", "password", "username",
              "autoRegister", "captchaCode", "clientIp", "customData", "context", "params", "scene", "token",
              "connection", "passwordPayload", "passCodePayload", "options", "factorType", "profile",
              "enrollmentToken", "enrollmentData", "factorId"]
dict_file("params", json_words + ['"%s"' % k for k in param_keys] + [m + "\n" for m in valid] + list(valid))
dict_file("envelope", json_words + ['"%s"' % k for k in ["code", "statusCode", "apiCode", "message", "data", "recoveryCode", "mfaToken"]] +
          ["200", "200.0", "1635", "6001", "2020"] +
          # Statuses 200, 400 and 500 as the first two bytes of an input.
          [struct.pack(">H", s) for s in (200, 400, 500)])
