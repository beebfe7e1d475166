package authingmfa

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Values of Options.Lang: the language of the server's messages.
const (
	LangZhCN = "zh-CN" // the default
	LangEnUS = "en-US"
)

// Values of the Source fields.
const (
	SourceSelf        = "SELF"
	SourceApplication = "APPLICATION"
)

// AuthenticatorTypeTotp is the only authenticator type Authing binds here.
const AuthenticatorTypeTotp = "totp"

// Fields tagged `authingmfa:"secret"` are shown as [redacted] by the
// String and GoString methods of this package's types, so that printing a
// value (%v, %+v, %#v) never leaks a token, code or TOTP secret.

// Options configure a Client. The zero value talks to Authing's public host
// https://core.authing.cn with the defaults; empty fields mean "not given".
type Options struct {
	UserPoolID  string // sent as x-authing-userpool-id
	AppID       string // sent as x-authing-app-id
	TenantID    string // sent as x-authing-app-tenant-id
	AppHost     string // base URL, e.g. https://example.authing.cn; wins over Host
	Host        string // base URL when AppHost is empty
	Lang        string // LangZhCN (default) or LangEnUS
	RequestFrom string // x-authing-request-from, default "sdk"
	// Timeout bounds each whole request (default 30 s, at most 24 h). It is
	// rounded up to whole milliseconds.
	Timeout time.Duration
	// Token is the initial user token, as SetToken.
	Token string `authingmfa:"secret"`
	// AllowInsecureHTTP allows plain http:// to a host that is not loopback.
	AllowInsecureHTTP bool
	// CACertPEM: extra PEM certificates to trust besides the system's roots.
	CACertPEM string
	// MaxResponseBytes: larger answers fail with StatusDecode (default 4 MiB).
	MaxResponseBytes int
	// MaxRetries: how often a GET (GetMfaAuthenticators, Logout, the
	// .well-known key of the password logins) is retried after a network
	// failure or an answer of 429, 502, 503 or 504, with backoff, within
	// Timeout. 0 means the library's default (2); a negative value
	// (conventionally -1) disables retries; at most 10. POST and DELETE
	// operations are never retried.
	MaxRetries int
	// PublicKey is the RSA public key (PEM or base64 DER) password logins
	// encrypt the password with; empty fetches the server's key from
	// /api/v2/.well-known once per client. NewClient fails with
	// StatusInvalidArgument when it is not a usable RSA public key.
	PublicKey string
	// AccessToken is the initial v3 access token, as SetAccessToken.
	AccessToken string `authingmfa:"secret"`
	// AppSecret and TokenEndPointAuthMethod say how SignInByCredentials
	// authenticates the application: TokenEndPointAuthClientSecretPost (the
	// default with an AppSecret), TokenEndPointAuthClientSecretBasic or
	// TokenEndPointAuthNone (the default without). A native app should hold
	// no secret: leave both empty. ClientSecretBasic without an AppSecret
	// fails NewClient with StatusInvalidArgument.
	AppSecret               string `authingmfa:"secret"`
	TokenEndPointAuthMethod string
}

// Values of Options.TokenEndPointAuthMethod.
const (
	TokenEndPointAuthClientSecretPost  = "client_secret_post"
	TokenEndPointAuthClientSecretBasic = "client_secret_basic"
	TokenEndPointAuthNone              = "none"
)

func (o Options) String() string   { return redactedString(o) }
func (o Options) GoString() string { return redactedString(o) }

// optionsJSON is the C library's options_json.
type optionsJSON struct {
	UserPoolID        string `json:"userPoolId,omitempty"`
	AppID             string `json:"appId,omitempty"`
	TenantID          string `json:"tenantId,omitempty"`
	AppHost           string `json:"appHost,omitempty"`
	Host              string `json:"host,omitempty"`
	Lang              string `json:"lang,omitempty"`
	Timeout           int64  `json:"timeout,omitempty"`
	RequestFrom       string `json:"requestFrom,omitempty"`
	Token             string `json:"token,omitempty"`
	AllowInsecureHTTP bool   `json:"allowInsecureHttp,omitempty"`
	CACertPEM         string `json:"caCertPem,omitempty"`
	MaxResponseBytes  int    `json:"maxResponseBytes,omitempty"`
	PublicKey         string `json:"publicKey,omitempty"`
	AccessToken       string `json:"accessToken,omitempty"`
	AppSecret         string `json:"appSecret,omitempty"`
	TokenEndPointAuth string `json:"tokenEndPointAuthMethod,omitempty"`
}

// ---- parameters --------------------------------------------------------

// GetMfaAuthenticatorsParams: JS getMfaAuthenticators({type, mfaToken?, source?}).
type GetMfaAuthenticatorsParams struct {
	Type     string `json:"type,omitempty"` // AuthenticatorTypeTotp
	MfaToken string `json:"mfaToken,omitempty" authingmfa:"secret"`
	Source   string `json:"source,omitempty"` // SourceSelf or SourceApplication
}

// AssociateParams: JS assosicateMfaAuthenticator({authenticatorType, mfaToken?, source?}).
type AssociateParams struct {
	AuthenticatorType string `json:"authenticatorType,omitempty"`
	MfaToken          string `json:"mfaToken,omitempty" authingmfa:"secret"`
	Source            string `json:"source,omitempty"`
}

// ConfirmParams: JS confirmAssosicateMfaAuthenticator({authenticatorType, totp, source?, mfaToken?}).
type ConfirmParams struct {
	AuthenticatorType string `json:"authenticatorType,omitempty"`
	Totp              string `json:"totp,omitempty" authingmfa:"secret"`
	Source            string `json:"source,omitempty"`
	MfaToken          string `json:"mfaToken,omitempty" authingmfa:"secret"`
}

// VerifyTotpParams: JS verifyTotpMfa({totp, mfaToken}); both required.
type VerifyTotpParams struct {
	Totp     string `json:"totp,omitempty" authingmfa:"secret"`
	MfaToken string `json:"mfaToken,omitempty" authingmfa:"secret"`
}

// VerifyRecoveryCodeParams: JS verifyTotpRecoveryCode({recoveryCode, mfaToken}); both required.
type VerifyRecoveryCodeParams struct {
	RecoveryCode string `json:"recoveryCode,omitempty" authingmfa:"secret"`
	MfaToken     string `json:"mfaToken,omitempty" authingmfa:"secret"`
}

// VerifyAppSmsParams: JS verifyAppSmsMfa({phone, code, mfaToken, phoneCountryCode?}).
type VerifyAppSmsParams struct {
	Phone            string `json:"phone,omitempty"`
	Code             string `json:"code,omitempty" authingmfa:"secret"`
	MfaToken         string `json:"mfaToken,omitempty" authingmfa:"secret"`
	PhoneCountryCode string `json:"phoneCountryCode,omitempty"`
}

// VerifyAppEmailParams: JS verifyAppEmailMfa({email, code, mfaToken}).
type VerifyAppEmailParams struct {
	Email    string `json:"email,omitempty"`
	Code     string `json:"code,omitempty" authingmfa:"secret"`
	MfaToken string `json:"mfaToken,omitempty" authingmfa:"secret"`
}

// PhoneOrEmailBindableParams: JS phoneOrEmailBindable({phone?, email?, mfaToken}).
type PhoneOrEmailBindableParams struct {
	Phone    string `json:"phone,omitempty"`
	Email    string `json:"email,omitempty"`
	MfaToken string `json:"mfaToken,omitempty" authingmfa:"secret"`
}

// AssociateFaceByURLParams: JS associateFaceByUrl({baseFace, compareFace, mfaToken?}): two image URLs.
type AssociateFaceByURLParams struct {
	BaseFace    string `json:"baseFace,omitempty"`
	CompareFace string `json:"compareFace,omitempty"`
	MfaToken    string `json:"mfaToken,omitempty" authingmfa:"secret"`
}

// AssociateFaceByFilesParams: JS associateFaceByLocalFile: local image file
// paths. Without CompareFace the base image is used for both.
type AssociateFaceByFilesParams struct {
	BaseFace    string `json:"baseFace,omitempty"`
	CompareFace string `json:"compareFace,omitempty"`
	MfaToken    string `json:"mfaToken,omitempty" authingmfa:"secret"`
}

// VerifyFaceParams: JS verifyFaceMfa(photo, mfaToken): an uploaded key or URL.
type VerifyFaceParams struct {
	Photo    string `json:"photo,omitempty"`
	MfaToken string `json:"mfaToken,omitempty" authingmfa:"secret"`
}

// Values of SendSmsCodeParams.Scene (the JS SDK's SceneType).
const (
	SmsSceneMfaVerify = "mfa-verify" // the MFA stage, then VerifyAppSmsMfa
	SmsSceneLogin     = "login"      // then LoginByPhoneCode
)

// Values of SendEmailParams.Scene (the JS SDK's EmailScene).
const (
	EmailSceneMfaVerifyCode   = "MFA_VERIFY_CODE"   // the MFA stage, then VerifyAppEmailMfa
	EmailSceneLoginVerifyCode = "LOGIN_VERIFY_CODE" // then LoginByEmailCode
)

// LoginByEmailParams: JS loginByEmail(email, password, options), the
// options flattened. Email and Password are required.
type LoginByEmailParams struct {
	Email    string `json:"email,omitempty"`
	Password string `json:"password,omitempty" authingmfa:"secret"`
	// AutoRegister registers an unknown user (false when not set, as in JS).
	AutoRegister bool   `json:"autoRegister,omitempty"`
	CaptchaCode  string `json:"captchaCode,omitempty"`
	ClientIP     string `json:"clientIp,omitempty"`
	// CustomData is sent as the SDK does: a list of {key, value}.
	CustomData map[string]any `json:"customData,omitempty"`
	Context    map[string]any `json:"context,omitempty"`
	// Params is the SDK's deprecated predecessor of CustomData (ignored
	// when CustomData is set).
	Params any `json:"params,omitempty"`
}

// LoginByUsernameParams: JS loginByUsername(username, password, options).
type LoginByUsernameParams struct {
	Username     string         `json:"username,omitempty"`
	Password     string         `json:"password,omitempty" authingmfa:"secret"`
	AutoRegister bool           `json:"autoRegister,omitempty"`
	CaptchaCode  string         `json:"captchaCode,omitempty"`
	ClientIP     string         `json:"clientIp,omitempty"`
	CustomData   map[string]any `json:"customData,omitempty"`
	Context      map[string]any `json:"context,omitempty"`
	Params       any            `json:"params,omitempty"` // deprecated: use CustomData
}

// LoginByPhonePasswordParams: JS loginByPhonePassword(phone, password, options).
type LoginByPhonePasswordParams struct {
	Phone        string         `json:"phone,omitempty"`
	Password     string         `json:"password,omitempty" authingmfa:"secret"`
	AutoRegister bool           `json:"autoRegister,omitempty"`
	CaptchaCode  string         `json:"captchaCode,omitempty"`
	ClientIP     string         `json:"clientIp,omitempty"`
	CustomData   map[string]any `json:"customData,omitempty"`
	Context      map[string]any `json:"context,omitempty"`
	Params       any            `json:"params,omitempty"` // deprecated: use CustomData
}

// LoginByPhoneCodeParams: JS loginByPhoneCode(phone, code, options); the
// code comes from SendSmsCode with scene SmsSceneLogin.
type LoginByPhoneCodeParams struct {
	Phone            string         `json:"phone,omitempty"`
	Code             string         `json:"code,omitempty" authingmfa:"secret"`
	PhoneCountryCode string         `json:"phoneCountryCode,omitempty"`
	ClientIP         string         `json:"clientIp,omitempty"`
	CustomData       map[string]any `json:"customData,omitempty"`
	Context          map[string]any `json:"context,omitempty"`
	Params           any            `json:"params,omitempty"` // deprecated: use CustomData
}

// LoginByEmailCodeParams: JS loginByEmailCode(email, code, options); the
// code comes from SendEmail with scene EmailSceneLoginVerifyCode.
type LoginByEmailCodeParams struct {
	Email            string         `json:"email,omitempty"`
	Code             string         `json:"code,omitempty" authingmfa:"secret"`
	PhoneCountryCode string         `json:"phoneCountryCode,omitempty"`
	ClientIP         string         `json:"clientIp,omitempty"`
	CustomData       map[string]any `json:"customData,omitempty"`
	Context          map[string]any `json:"context,omitempty"`
	Params           any            `json:"params,omitempty"` // deprecated: use CustomData
}

// SendSmsCodeParams: JS sendSmsCode(phone, phoneCountryCode?, scene?).
type SendSmsCodeParams struct {
	Phone            string `json:"phone,omitempty"`
	PhoneCountryCode string `json:"phoneCountryCode,omitempty"`
	Scene            string `json:"scene,omitempty"` // SmsSceneMfaVerify, SmsSceneLogin, ...
}

// SendEmailParams: JS sendEmail(email, scene); both required.
type SendEmailParams struct {
	Email string `json:"email,omitempty"`
	Scene string `json:"scene,omitempty"` // EmailSceneMfaVerifyCode, EmailSceneLoginVerifyCode, ...
}

// CheckLoginStatusParams: JS checkLoginStatus(token?).
type CheckLoginStatusParams struct {
	Token string `json:"token,omitempty" authingmfa:"secret"`
}

func (p LoginByEmailParams) String() string         { return redactedString(p) }
func (p LoginByUsernameParams) String() string      { return redactedString(p) }
func (p LoginByPhonePasswordParams) String() string { return redactedString(p) }
func (p LoginByPhoneCodeParams) String() string     { return redactedString(p) }
func (p LoginByEmailCodeParams) String() string     { return redactedString(p) }
func (p SendSmsCodeParams) String() string          { return redactedString(p) }
func (p SendEmailParams) String() string            { return redactedString(p) }
func (p CheckLoginStatusParams) String() string     { return redactedString(p) }

func (p LoginByEmailParams) GoString() string         { return redactedString(p) }
func (p LoginByUsernameParams) GoString() string      { return redactedString(p) }
func (p LoginByPhonePasswordParams) GoString() string { return redactedString(p) }
func (p LoginByPhoneCodeParams) GoString() string     { return redactedString(p) }
func (p LoginByEmailCodeParams) GoString() string     { return redactedString(p) }
func (p SendSmsCodeParams) GoString() string          { return redactedString(p) }
func (p SendEmailParams) GoString() string            { return redactedString(p) }
func (p CheckLoginStatusParams) GoString() string     { return redactedString(p) }

func (p GetMfaAuthenticatorsParams) String() string { return redactedString(p) }
func (p AssociateParams) String() string            { return redactedString(p) }
func (p ConfirmParams) String() string              { return redactedString(p) }
func (p VerifyTotpParams) String() string           { return redactedString(p) }
func (p VerifyRecoveryCodeParams) String() string   { return redactedString(p) }
func (p VerifyAppSmsParams) String() string         { return redactedString(p) }
func (p VerifyAppEmailParams) String() string       { return redactedString(p) }
func (p PhoneOrEmailBindableParams) String() string { return redactedString(p) }
func (p AssociateFaceByURLParams) String() string   { return redactedString(p) }
func (p AssociateFaceByFilesParams) String() string { return redactedString(p) }
func (p VerifyFaceParams) String() string           { return redactedString(p) }

func (p GetMfaAuthenticatorsParams) GoString() string { return redactedString(p) }
func (p AssociateParams) GoString() string            { return redactedString(p) }
func (p ConfirmParams) GoString() string              { return redactedString(p) }
func (p VerifyTotpParams) GoString() string           { return redactedString(p) }
func (p VerifyRecoveryCodeParams) GoString() string   { return redactedString(p) }
func (p VerifyAppSmsParams) GoString() string         { return redactedString(p) }
func (p VerifyAppEmailParams) GoString() string       { return redactedString(p) }
func (p PhoneOrEmailBindableParams) GoString() string { return redactedString(p) }
func (p AssociateFaceByURLParams) GoString() string   { return redactedString(p) }
func (p AssociateFaceByFilesParams) GoString() string { return redactedString(p) }
func (p VerifyFaceParams) GoString() string           { return redactedString(p) }

// ---- v3 factor API parameters (issue #13) ------------------------------

// Values of SignInParams.Connection.
const (
	ConnectionPassword = "PASSWORD" // with PasswordPayload
	ConnectionPassCode = "PASSCODE" // with PassCodePayload
)

// Values of the FactorType fields.
const (
	FactorTypeOTP   = "OTP"
	FactorTypeSMS   = "SMS"
	FactorTypeEmail = "EMAIL"
	FactorTypeFace  = "FACE"
)

// SignInParams: authing-node-sdk signInByCredentials(dto), the
// SigninByCredentialsDto. Connection is required.
type SignInParams struct {
	Connection      string                 `json:"connection,omitempty"` // ConnectionPassword, ConnectionPassCode, "LDAP", "AD"
	PasswordPayload *SignInPasswordPayload `json:"passwordPayload,omitempty"`
	PassCodePayload *SignInPassCodePayload `json:"passCodePayload,omitempty"`
	Options         *SignInOptions         `json:"options,omitempty"`
}

// SignInPasswordPayload identifies the user by one of Email, Username,
// Phone or Account, with the password.
type SignInPasswordPayload struct {
	Email    string `json:"email,omitempty"`
	Username string `json:"username,omitempty"`
	Phone    string `json:"phone,omitempty"`
	Account  string `json:"account,omitempty"`
	Password string `json:"password,omitempty" authingmfa:"secret"`
}

// SignInPassCodePayload identifies the user by Email or Phone, with the
// one-time code sent there.
type SignInPassCodePayload struct {
	Email            string `json:"email,omitempty"`
	Phone            string `json:"phone,omitempty"`
	PhoneCountryCode string `json:"phoneCountryCode,omitempty"`
	PassCode         string `json:"passCode,omitempty" authingmfa:"secret"`
}

// SignInOptions is the SDK's SignInOptionsDto.
type SignInOptions struct {
	Scope        string         `json:"scope,omitempty"` // e.g. "openid profile"
	ClientIP     string         `json:"clientIp,omitempty"`
	Context      map[string]any `json:"context,omitempty"`
	TenantID     string         `json:"tenantId,omitempty"`
	CustomData   map[string]any `json:"customData,omitempty"`
	AutoRegister *bool          `json:"autoRegister,omitempty"`
	CaptchaCode  string         `json:"captchaCode,omitempty"`
	CaptchaToken string         `json:"captchaToken,omitempty"`
	// PasswordEncryptType declares what the caller did to the password:
	// "none" (default), "rsa" or "sm2".
	PasswordEncryptType string `json:"passwordEncryptType,omitempty"`
}

// SendEnrollFactorRequestParams: sendEnrollFactorRequest({factorType,
// profile}). Profile is FactorProfile{PhoneNumber, PhoneCountryCode} for
// SMS, FactorProfile{Email} for EMAIL.
type SendEnrollFactorRequestParams struct {
	FactorType string         `json:"factorType,omitempty"` // FactorTypeOTP, FactorTypeSMS, ...
	Profile    *FactorProfile `json:"profile,omitempty"`
}

// FactorProfile is where an SMS or EMAIL factor sends its codes.
type FactorProfile struct {
	PhoneNumber      string `json:"phoneNumber,omitempty"`
	PhoneCountryCode string `json:"phoneCountryCode,omitempty"` // default +86
	Email            string `json:"email,omitempty"`
}

// EnrollFactorParams: enrollFactor({factorType, enrollmentToken,
// enrollmentData}); all required.
type EnrollFactorParams struct {
	FactorType string `json:"factorType,omitempty"`
	// EnrollmentToken comes from SendEnrollFactorRequest (valid one minute).
	EnrollmentToken string          `json:"enrollmentToken,omitempty" authingmfa:"secret"`
	EnrollmentData  *EnrollmentData `json:"enrollmentData,omitempty"`
}

// EnrollmentData is PassCode (OTP, SMS, EMAIL) or Photo and
// IsExternalPhoto (FACE).
type EnrollmentData struct {
	PassCode        string `json:"passCode,omitempty" authingmfa:"secret"`
	Photo           string `json:"photo,omitempty"`
	IsExternalPhoto *bool  `json:"isExternalPhoto,omitempty"`
}

// FactorIDParams: resetFactor({factorId}) and getFactor({factorId}).
type FactorIDParams struct {
	FactorID string `json:"factorId,omitempty"`
}

// MfaOtpVerifyParams: mfaOtpVerify({totp}).
type MfaOtpVerifyParams struct {
	Totp string `json:"totp,omitempty" authingmfa:"secret"`
}

// VerifyMfaTokenParams: verifyMfaToken({token}), the mfaToken to introspect.
type VerifyMfaTokenParams struct {
	Token string `json:"token,omitempty" authingmfa:"secret"`
}

func (p SignInParams) String() string                  { return redactedString(p) }
func (p SignInPasswordPayload) String() string         { return redactedString(p) }
func (p SignInPassCodePayload) String() string         { return redactedString(p) }
func (p SignInOptions) String() string                 { return redactedString(p) }
func (p SendEnrollFactorRequestParams) String() string { return redactedString(p) }
func (p FactorProfile) String() string                 { return redactedString(p) }
func (p EnrollFactorParams) String() string            { return redactedString(p) }
func (p EnrollmentData) String() string                { return redactedString(p) }
func (p FactorIDParams) String() string                { return redactedString(p) }
func (p MfaOtpVerifyParams) String() string            { return redactedString(p) }
func (p VerifyMfaTokenParams) String() string          { return redactedString(p) }

func (p SignInParams) GoString() string                  { return redactedString(p) }
func (p SignInPasswordPayload) GoString() string         { return redactedString(p) }
func (p SignInPassCodePayload) GoString() string         { return redactedString(p) }
func (p SignInOptions) GoString() string                 { return redactedString(p) }
func (p SendEnrollFactorRequestParams) GoString() string { return redactedString(p) }
func (p FactorProfile) GoString() string                 { return redactedString(p) }
func (p EnrollFactorParams) GoString() string            { return redactedString(p) }
func (p EnrollmentData) GoString() string                { return redactedString(p) }
func (p FactorIDParams) GoString() string                { return redactedString(p) }
func (p MfaOtpVerifyParams) GoString() string            { return redactedString(p) }
func (p VerifyMfaTokenParams) GoString() string          { return redactedString(p) }

// ---- results -----------------------------------------------------------
//
// Each result keeps the whole JSON object the server sent in Raw, so fields
// these structs do not name (Authing adds some often) stay reachable:
// json.Unmarshal(user.Raw, &yourStruct).

// User is an Authing user, as the verify and face methods return it.
type User struct {
	ID               string `json:"id,omitempty"`
	Arn              string `json:"arn,omitempty"`
	UserPoolID       string `json:"userPoolId,omitempty"`
	Status           string `json:"status,omitempty"`
	Username         string `json:"username,omitempty"`
	Email            string `json:"email,omitempty"`
	EmailVerified    bool   `json:"emailVerified,omitempty"`
	Phone            string `json:"phone,omitempty"`
	PhoneVerified    bool   `json:"phoneVerified,omitempty"`
	PhoneCountryCode string `json:"phoneCountryCode,omitempty"`
	Nickname         string `json:"nickname,omitempty"`
	Photo            string `json:"photo,omitempty"`
	// Token is the user token a successful second factor issues.
	Token          string `json:"token,omitempty" authingmfa:"secret"`
	TokenExpiredAt string `json:"tokenExpiredAt,omitempty"`
	LoginsCount    int    `json:"loginsCount,omitempty"`
	LastLogin      string `json:"lastLogin,omitempty"`
	LastIP         string `json:"lastIP,omitempty"`
	SignedUp       string `json:"signedUp,omitempty"`
	Blocked        bool   `json:"blocked,omitempty"`
	CreatedAt      string `json:"createdAt,omitempty"`
	UpdatedAt      string `json:"updatedAt,omitempty"`

	// Raw is the whole object as received, unknown fields included.
	Raw json.RawMessage `json:"-"`
}

// Authenticator is one entry of GetMfaAuthenticators.
type Authenticator struct {
	ID                string `json:"id,omitempty"`
	CreatedAt         string `json:"createdAt,omitempty"`
	UpdatedAt         string `json:"updatedAt,omitempty"`
	UserID            string `json:"userId,omitempty"`
	Enable            bool   `json:"enable,omitempty"`
	Secret            string `json:"secret,omitempty" authingmfa:"secret"`
	AuthenticatorType string `json:"authenticatorType,omitempty"`
	RecoveryCode      string `json:"recoveryCode,omitempty" authingmfa:"secret"`
	Source            string `json:"source,omitempty"`

	Raw json.RawMessage `json:"-"`
}

// Association is the answer of AssociateMfaAuthenticator: the new TOTP
// secret, to show to the user (QR code) and confirm with a first code.
type Association struct {
	AuthenticatorType string `json:"authenticator_type,omitempty"`
	Secret            string `json:"secret,omitempty" authingmfa:"secret"`
	// QrcodeURI is the otpauth:// URI (it contains the secret).
	QrcodeURI string `json:"qrcode_uri,omitempty" authingmfa:"secret"`
	// QrcodeDataURL is a data:image/png;base64 QR code of QrcodeURI.
	QrcodeDataURL string `json:"qrcode_data_url,omitempty" authingmfa:"secret"`
	RecoveryCode  string `json:"recovery_code,omitempty" authingmfa:"secret"`

	Raw json.RawMessage `json:"-"`
}

// ServerStatus is the server's own {code, message} for delete and confirm
// (the JS SDK returns a hard-coded message instead).
type ServerStatus struct {
	Code    int    `json:"code"`
	Message string `json:"message"`

	Raw json.RawMessage `json:"-"`
}

// RecoveryResult is the answer of VerifyTotpRecoveryCode: the logged-in
// user and the NEW recovery code (the used one is dead; show or store the
// new one, the JS SDK drops it). RecoveryCode is "" if the server sent none.
type RecoveryResult struct {
	User         *User  `json:"user"`
	RecoveryCode string `json:"recoveryCode" authingmfa:"secret"`

	Raw json.RawMessage `json:"-"`
}

// LoginStatus is the answer of CheckLoginStatus, as the server sent it.
type LoginStatus struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	// Status tells whether the token is valid.
	Status bool  `json:"status"`
	Exp    int64 `json:"exp"` // expiry, seconds since the epoch
	Iat    int64 `json:"iat"` // issue time, seconds since the epoch
	// Data names the token's user; nil when the server sent none.
	Data *LoginStatusData `json:"data"`

	Raw json.RawMessage `json:"-"`
}

// LoginStatusData is the user a checked token belongs to.
type LoginStatusData struct {
	ID         string `json:"id"`
	UserPoolID string `json:"userPoolId"`
	Arn        string `json:"arn"`
}

// SignInResult is the answer's data of SignInByCredentials (the SDK's
// LoginTokenResponseDataDto). Its AccessToken is already the client's
// access token when SignInByCredentials returns.
type SignInResult struct {
	Scope        string `json:"scope,omitempty"`
	AccessToken  string `json:"access_token,omitempty" authingmfa:"secret"`
	IDToken      string `json:"id_token,omitempty" authingmfa:"secret"`
	RefreshToken string `json:"refresh_token,omitempty" authingmfa:"secret"`
	TokenType    string `json:"token_type,omitempty"`
	// ExpireIn is the token's lifetime in seconds (the SDK's expire_in,
	// not OAuth's expires_in).
	ExpireIn int64 `json:"expire_in,omitempty"`

	Raw json.RawMessage `json:"-"`
}

// EnrollFactorRequestResult is the answer of SendEnrollFactorRequest.
type EnrollFactorRequestResult struct {
	// EnrollmentToken is what EnrollFactor takes, valid one minute.
	EnrollmentToken string `json:"enrollmentToken,omitempty" authingmfa:"secret"`
	// OtpData is set for an OTP factor, nil otherwise.
	OtpData *OtpData `json:"otpData,omitempty"`

	Raw json.RawMessage `json:"-"`
}

// OtpData is the new OTP secret of an OTP enrolment, to show to the user.
type OtpData struct {
	// QrCodeURI is the otpauth:// URI (it contains the secret).
	QrCodeURI string `json:"qrCodeUri,omitempty" authingmfa:"secret"`
	// QrCodeDataURL is a data:image/png;base64 QR code of QrCodeURI.
	QrCodeDataURL string `json:"qrCodeDataUrl,omitempty" authingmfa:"secret"`
	RecoveryCode  string `json:"recoveryCode,omitempty" authingmfa:"secret"`
}

// Factor is an enrolled MFA factor (ListEnrolledFactors, GetFactor).
type Factor struct {
	FactorID   string `json:"factorId"`
	FactorType string `json:"factorType"` // FactorTypeOTP, FactorTypeSMS, ...
	// Profile is the factor's profile as the server sent it (e.g.
	// {"phoneNumber", "phoneCountryCode"} for SMS); its shape depends on the
	// factor type.
	Profile json.RawMessage `json:"profile,omitempty"`
}

// FactorToEnroll is one entry of ListFactorsToEnroll.
type FactorToEnroll struct {
	FactorType string `json:"factorType"`
}

// V3Status is the {statusCode, message} of EnrollFactor and ResetFactor
// (their answers have no data).
type V3Status struct {
	StatusCode int    `json:"statusCode"`
	Message    string `json:"message"`
}

// OtpVerifyResult is the answer of MfaOtpVerify.
type OtpVerifyResult struct {
	Verified bool `json:"verified"`
}

// MfaTokenIntrospection is the answer of VerifyMfaToken. UserPoolID,
// UserID, Exp and Iat are set only when Active.
type MfaTokenIntrospection struct {
	Active     bool   `json:"active"`
	UserPoolID string `json:"userPoolId,omitempty"`
	UserID     string `json:"userId,omitempty"`
	Exp        int64  `json:"exp,omitempty"` // seconds since the epoch
	Iat        int64  `json:"iat,omitempty"` // seconds since the epoch

	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON keeps the whole object in Raw.
func (r *SignInResult) UnmarshalJSON(b []byte) error {
	type plain SignInResult
	return unmarshalKeepRaw(b, (*plain)(r), &r.Raw)
}

// UnmarshalJSON keeps the whole object in Raw.
func (r *EnrollFactorRequestResult) UnmarshalJSON(b []byte) error {
	type plain EnrollFactorRequestResult
	return unmarshalKeepRaw(b, (*plain)(r), &r.Raw)
}

// UnmarshalJSON keeps the whole object in Raw.
func (r *MfaTokenIntrospection) UnmarshalJSON(b []byte) error {
	type plain MfaTokenIntrospection
	return unmarshalKeepRaw(b, (*plain)(r), &r.Raw)
}

func (r SignInResult) String() string                { return redactedString(r) }
func (r EnrollFactorRequestResult) String() string   { return redactedString(r) }
func (o OtpData) String() string                     { return redactedString(o) }
func (r MfaTokenIntrospection) String() string       { return redactedString(r) }
func (r SignInResult) GoString() string              { return redactedString(r) }
func (r EnrollFactorRequestResult) GoString() string { return redactedString(r) }
func (o OtpData) GoString() string                   { return redactedString(o) }
func (r MfaTokenIntrospection) GoString() string     { return redactedString(r) }

// TotpURI is an otpauth://totp URI parsed by TotpParseURI.
type TotpURI struct {
	Secret    string `json:"secret" authingmfa:"secret"`
	Issuer    string `json:"issuer"` // "" when the URI names none
	Account   string `json:"account"`
	Digits    int    `json:"digits"`
	Period    int    `json:"period"`
	Algorithm string `json:"algorithm"`
}

// UnmarshalJSON keeps the whole object in Raw.
func (u *User) UnmarshalJSON(b []byte) error {
	type plain User // no methods: no recursion
	return unmarshalKeepRaw(b, (*plain)(u), &u.Raw)
}

// UnmarshalJSON keeps the whole object in Raw.
func (a *Authenticator) UnmarshalJSON(b []byte) error {
	type plain Authenticator
	return unmarshalKeepRaw(b, (*plain)(a), &a.Raw)
}

// UnmarshalJSON keeps the whole object in Raw.
func (a *Association) UnmarshalJSON(b []byte) error {
	type plain Association
	return unmarshalKeepRaw(b, (*plain)(a), &a.Raw)
}

// UnmarshalJSON keeps the whole object in Raw.
func (s *ServerStatus) UnmarshalJSON(b []byte) error {
	type plain ServerStatus
	return unmarshalKeepRaw(b, (*plain)(s), &s.Raw)
}

// UnmarshalJSON keeps the whole object in Raw.
func (s *LoginStatus) UnmarshalJSON(b []byte) error {
	type plain LoginStatus
	return unmarshalKeepRaw(b, (*plain)(s), &s.Raw)
}

// UnmarshalJSON keeps the whole object in Raw.
func (r *RecoveryResult) UnmarshalJSON(b []byte) error {
	type plain RecoveryResult
	return unmarshalKeepRaw(b, (*plain)(r), &r.Raw)
}

func unmarshalKeepRaw(b []byte, dst any, raw *json.RawMessage) error {
	if err := json.Unmarshal(b, dst); err != nil {
		return err
	}
	// b belongs to the decoder: copy it.
	*raw = bytes.Clone(b)
	return nil
}

func (u User) String() string             { return redactedString(u) }
func (a Authenticator) String() string    { return redactedString(a) }
func (a Association) String() string      { return redactedString(a) }
func (s ServerStatus) String() string     { return redactedString(s) }
func (r RecoveryResult) String() string   { return redactedString(r) }
func (t TotpURI) String() string          { return redactedString(t) }
func (s LoginStatus) String() string      { return redactedString(s) }
func (s LoginStatus) GoString() string    { return redactedString(s) }
func (u User) GoString() string           { return redactedString(u) }
func (a Authenticator) GoString() string  { return redactedString(a) }
func (a Association) GoString() string    { return redactedString(a) }
func (s ServerStatus) GoString() string   { return redactedString(s) }
func (r RecoveryResult) GoString() string { return redactedString(r) }
func (t TotpURI) GoString() string        { return redactedString(t) }

var rawMessageType = reflect.TypeFor[json.RawMessage]()

// redactedString prints a struct like %+v would, but secrets (fields tagged
// `authingmfa:"secret"`) as [redacted] and Raw as its size only (it holds
// the same secrets).
func redactedString(v any) string {
	rv := reflect.ValueOf(v)
	rt := rv.Type()
	var b strings.Builder
	b.WriteString(rt.Name())
	b.WriteByte('{')
	first := true
	for i := range rt.NumField() {
		f := rt.Field(i)
		if !f.IsExported() {
			continue
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		b.WriteString(f.Name)
		b.WriteByte(':')
		fv := rv.Field(i)
		switch {
		case f.Tag.Get("authingmfa") == "secret":
			if fv.IsZero() {
				b.WriteString(`""`)
			} else {
				b.WriteString("[redacted]")
			}
		case f.Type == rawMessageType:
			fmt.Fprintf(&b, "[%d bytes]", fv.Len())
		case f.Type.Kind() == reflect.String:
			fmt.Fprintf(&b, "%q", fv.String())
		default:
			// Nested values of this package (a *User) print through their
			// own String method, hence redacted too.
			fmt.Fprintf(&b, "%v", fv.Interface())
		}
	}
	b.WriteByte('}')
	return b.String()
}
