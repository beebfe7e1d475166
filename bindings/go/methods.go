package authingmfa

import (
	"context"
	"encoding/json"
)

// The operations. Each runs through authing_mfa_call_async under its
// JavaScript method name (see invoke), which is what lets a context cancel
// it; the JavaScript SDK's own spellings are used (assosicate…). The wire
// details (path, body, which token) are in include/authing_mfa.h, at the
// matching authing_mfa_<operation> function.

// GetMfaAuthenticators lists the user's MFA authenticators (JS
// getMfaAuthenticators). nil params sends the JS defaults type=totp and
// source=SELF; with params only the fields set are sent. Token: MfaToken
// when set, else the user token.
func (c *Client) GetMfaAuthenticators(ctx context.Context, params *GetMfaAuthenticatorsParams) ([]Authenticator, error) {
	out, err := c.invoke(ctx, "getMfaAuthenticators", params)
	if err != nil {
		return nil, err
	}
	list, err := decode[[]Authenticator](out)
	if err != nil {
		return nil, err
	}
	return *list, nil
}

// AssociateMfaAuthenticator starts binding a TOTP authenticator (JS
// assosicateMfaAuthenticator, sic): the answer holds the secret, its QR code
// and the recovery code. MFA is enforced only after
// ConfirmAssociateMfaAuthenticator. nil params sends the JS defaults.
func (c *Client) AssociateMfaAuthenticator(ctx context.Context, params *AssociateParams) (*Association, error) {
	out, err := c.invoke(ctx, "assosicateMfaAuthenticator", params)
	if err != nil {
		return nil, err
	}
	return decode[Association](out)
}

// DeleteMfaAuthenticator unbinds the user's TOTP authenticator (user
// token only) and returns the server's code and message.
func (c *Client) DeleteMfaAuthenticator(ctx context.Context) (*ServerStatus, error) {
	out, err := c.invoke(ctx, "deleteMfaAuthenticator", nil)
	if err != nil {
		return nil, err
	}
	return decode[ServerStatus](out)
}

// ConfirmAssociateMfaAuthenticator finishes binding with a first TOTP code
// (JS confirmAssosicateMfaAuthenticator). A wrong code fails with
// StatusHTTPStatus, HTTPStatus 400 and Code 400. Unlike the JS SDK, the
// MfaToken is sent when set, so binding during the MFA stage works.
func (c *Client) ConfirmAssociateMfaAuthenticator(ctx context.Context, params *ConfirmParams) (*ServerStatus, error) {
	out, err := c.invoke(ctx, "confirmAssosicateMfaAuthenticator", params)
	if err != nil {
		return nil, err
	}
	return decode[ServerStatus](out)
}

// VerifyTotpMfa is the second factor at login with a TOTP code: it returns
// the user with a token. A wrong or replayed code is IsAPI(err,
// CodeWrongTotp).
func (c *Client) VerifyTotpMfa(ctx context.Context, params VerifyTotpParams) (*User, error) {
	return c.user(ctx, "verifyTotpMfa", params)
}

// VerifyTotpRecoveryCode is the second factor with the single-use recovery
// code. The result carries the user and the new recovery code that replaces
// the used one. A wrong or used code is IsAPI(err, CodeWrongRecoveryCode).
func (c *Client) VerifyTotpRecoveryCode(ctx context.Context, params VerifyRecoveryCodeParams) (*RecoveryResult, error) {
	out, err := c.invoke(ctx, "verifyTotpRecoveryCode", params)
	if err != nil {
		return nil, err
	}
	return decode[RecoveryResult](out)
}

// VerifyAppSmsMfa is the second factor with a code sent by SMS.
func (c *Client) VerifyAppSmsMfa(ctx context.Context, params VerifyAppSmsParams) (*User, error) {
	return c.user(ctx, "verifyAppSmsMfa", params)
}

// VerifyAppEmailMfa is the second factor with a code sent by email.
func (c *Client) VerifyAppEmailMfa(ctx context.Context, params VerifyAppEmailParams) (*User, error) {
	return c.user(ctx, "verifyAppEmailMfa", params)
}

// PhoneOrEmailBindable reports whether the phone and/or email can be bound
// as a second factor (mfaToken required).
func (c *Client) PhoneOrEmailBindable(ctx context.Context, params PhoneOrEmailBindableParams) (bool, error) {
	out, err := c.invoke(ctx, "phoneOrEmailBindable", params)
	if err != nil {
		return false, err
	}
	ok, err := decode[bool](out)
	if err != nil {
		return false, err
	}
	return *ok, nil
}

// AssociateFaceByURL binds face MFA from two image URLs.
func (c *Client) AssociateFaceByURL(ctx context.Context, params AssociateFaceByURLParams) (*User, error) {
	return c.user(ctx, "associateFaceByUrl", params)
}

// AssociateFaceByFiles binds face MFA from local image files (JS
// associateFaceByLocalFile): each is uploaded, then associated. An
// unreadable file fails with StatusIO before anything is sent.
func (c *Client) AssociateFaceByFiles(ctx context.Context, params AssociateFaceByFilesParams) (*User, error) {
	return c.user(ctx, "associateFaceByLocalFile", params)
}

// VerifyFaceMfa is the second factor with a face photo (an uploaded key or
// a URL).
func (c *Client) VerifyFaceMfa(ctx context.Context, params VerifyFaceParams) (*User, error) {
	return c.user(ctx, "verifyFaceMfa", params)
}

// The first factor (issue #12): the logins that lead to the MFA stage, and
// the calls around them. A login that needs a second factor fails with an
// *Error whose Status is StatusAPI and Code CodeMfaRequired (1635, the
// user's own MFA) or CodeAppMfaRequired (1636, the application's), with the
// server's data in Data: err.MfaToken() is what VerifyTotpMfa and the other
// verify methods take. A successful login makes the user the client's
// current user (CurrentUser) and its token the user token.

// LoginByEmail is the first factor with email and password (JS
// loginByEmail). The password is RSA-encrypted before it is sent
// (Options.PublicKey, else the server's /api/v2/.well-known key); one too
// long for RSA is StatusInvalidArgument before any request.
func (c *Client) LoginByEmail(ctx context.Context, params LoginByEmailParams) (*User, error) {
	return c.user(ctx, "loginByEmail", params)
}

// LoginByUsername is the first factor with username and password (JS
// loginByUsername), as LoginByEmail.
func (c *Client) LoginByUsername(ctx context.Context, params LoginByUsernameParams) (*User, error) {
	return c.user(ctx, "loginByUsername", params)
}

// LoginByPhonePassword is the first factor with phone number and password
// (JS loginByPhonePassword), as LoginByEmail.
func (c *Client) LoginByPhonePassword(ctx context.Context, params LoginByPhonePasswordParams) (*User, error) {
	return c.user(ctx, "loginByPhonePassword", params)
}

// LoginByPhoneCode is the first factor with phone number and SMS code (JS
// loginByPhoneCode; send the code with SendSmsCode, scene SmsSceneLogin).
func (c *Client) LoginByPhoneCode(ctx context.Context, params LoginByPhoneCodeParams) (*User, error) {
	return c.user(ctx, "loginByPhoneCode", params)
}

// LoginByEmailCode is the first factor with email and emailed code (JS
// loginByEmailCode; send the code with SendEmail, scene
// EmailSceneLoginVerifyCode). No token is sent, as in the SDK.
func (c *Client) LoginByEmailCode(ctx context.Context, params LoginByEmailCodeParams) (*User, error) {
	return c.user(ctx, "loginByEmailCode", params)
}

// SendSmsCode sends a one-time code by SMS (JS sendSmsCode): scene
// SmsSceneMfaVerify for the MFA stage (then VerifyAppSmsMfa),
// SmsSceneLogin for LoginByPhoneCode. The result is the server's data, as
// the SDK returns it (its shape is not specified).
func (c *Client) SendSmsCode(ctx context.Context, params SendSmsCodeParams) (json.RawMessage, error) {
	return c.Call(ctx, "sendSmsCode", params)
}

// SendEmail sends a one-time code by email (JS sendEmail): scene
// EmailSceneMfaVerifyCode for the MFA stage (then VerifyAppEmailMfa),
// EmailSceneLoginVerifyCode for LoginByEmailCode. It returns the server's
// code and message.
func (c *Client) SendEmail(ctx context.Context, params SendEmailParams) (*ServerStatus, error) {
	out, err := c.invoke(ctx, "sendEmail", params)
	if err != nil {
		return nil, err
	}
	return decode[ServerStatus](out)
}

// Logout logs out on the server with the user token (JS logout) and
// returns the server's code and message; the current user and token are
// cleared only then (kept when it fails). ClearCurrentUser forgets them
// locally without a request.
func (c *Client) Logout(ctx context.Context) (*ServerStatus, error) {
	out, err := c.invoke(ctx, "logout", nil)
	if err != nil {
		return nil, err
	}
	return decode[ServerStatus](out)
}

// CheckLoginStatus asks the server whether a token is valid (JS
// checkLoginStatus); nil params checks the stored user token.
func (c *Client) CheckLoginStatus(ctx context.Context, params *CheckLoginStatusParams) (*LoginStatus, error) {
	out, err := c.invoke(ctx, "checkLoginStatus", params)
	if err != nil {
		return nil, err
	}
	return decode[LoginStatus](out)
}

// Authing's v3 factor API (issue #13): authing-node-sdk's
// AuthenticationClient calls. They carry the v3 access token (from
// SignInByCredentials, Options.AccessToken or SetAccessToken) raw in
// "authorization", not the user token; without one they fail with
// StatusInvalidArgument before any request. A v3 failure (statusCode other
// than 200) is an *Error with Status StatusAPI, Code the answer's apiCode
// (else its statusCode) and RequestID its requestId. (The v3 SDK returns
// such failures instead.)

// SignInByCredentials signs in through the v3 API (JS signInByCredentials,
// also accepted as "signIn" by Call). The answer's AccessToken becomes the
// client's access token for the factor methods. The application
// authenticates as Options.TokenEndPointAuthMethod says.
func (c *Client) SignInByCredentials(ctx context.Context, params SignInParams) (*SignInResult, error) {
	out, err := c.invoke(ctx, "signInByCredentials", params)
	if err != nil {
		return nil, err
	}
	return decode[SignInResult](out)
}

// SendEnrollFactorRequest starts enrolling an MFA factor (JS
// sendEnrollFactorRequest): for SMS and EMAIL the server sends a code to
// Profile; for OTP the result's OtpData holds the new secret. The
// EnrollmentToken is what EnrollFactor takes, within a minute.
func (c *Client) SendEnrollFactorRequest(ctx context.Context, params SendEnrollFactorRequestParams) (*EnrollFactorRequestResult, error) {
	out, err := c.invoke(ctx, "sendEnrollFactorRequest", params)
	if err != nil {
		return nil, err
	}
	return decode[EnrollFactorRequestResult](out)
}

// EnrollFactor enrolls the factor with its code (JS enrollFactor) and
// returns the answer's statusCode and message.
func (c *Client) EnrollFactor(ctx context.Context, params EnrollFactorParams) (*V3Status, error) {
	out, err := c.invoke(ctx, "enrollFactor", params)
	if err != nil {
		return nil, err
	}
	return decode[V3Status](out)
}

// ResetFactor unbinds an enrolled factor by its ID (JS resetFactor).
func (c *Client) ResetFactor(ctx context.Context, params FactorIDParams) (*V3Status, error) {
	out, err := c.invoke(ctx, "resetFactor", params)
	if err != nil {
		return nil, err
	}
	return decode[V3Status](out)
}

// ListEnrolledFactors lists the user's enrolled factors (JS
// listEnrolledFactors).
func (c *Client) ListEnrolledFactors(ctx context.Context) ([]Factor, error) {
	out, err := c.invoke(ctx, "listEnrolledFactors", nil)
	if err != nil {
		return nil, err
	}
	list, err := decode[[]Factor](out)
	if err != nil {
		return nil, err
	}
	return *list, nil
}

// GetFactor returns one enrolled factor (JS getFactor).
func (c *Client) GetFactor(ctx context.Context, params FactorIDParams) (*Factor, error) {
	out, err := c.invoke(ctx, "getFactor", params)
	if err != nil {
		return nil, err
	}
	return decode[Factor](out)
}

// ListFactorsToEnroll lists the factors the application enables that the
// user has not enrolled (JS listFactorsToEnroll).
func (c *Client) ListFactorsToEnroll(ctx context.Context) ([]FactorToEnroll, error) {
	out, err := c.invoke(ctx, "listFactorsToEnroll", nil)
	if err != nil {
		return nil, err
	}
	list, err := decode[[]FactorToEnroll](out)
	if err != nil {
		return nil, err
	}
	return *list, nil
}

// MfaOtpVerify checks a code of the user's OTP factor (JS mfaOtpVerify;
// the path is /api/v3/mfa-totp-verify).
func (c *Client) MfaOtpVerify(ctx context.Context, params MfaOtpVerifyParams) (*OtpVerifyResult, error) {
	out, err := c.invoke(ctx, "mfaOtpVerify", params)
	if err != nil {
		return nil, err
	}
	return decode[OtpVerifyResult](out)
}

// VerifyMfaToken introspects an mfaToken (JS verifyMfaToken): it sends the
// form body token=<mfaToken> to /mfa/token/introspection (the SDK forgets
// the body). It needs no token; the stored access token, if any, goes
// along as the SDK sends it.
func (c *Client) VerifyMfaToken(ctx context.Context, params VerifyMfaTokenParams) (*MfaTokenIntrospection, error) {
	out, err := c.invoke(ctx, "verifyMfaToken", params)
	if err != nil {
		return nil, err
	}
	return decode[MfaTokenIntrospection](out)
}

// Call runs any operation by its JavaScript method name (for example
// "verifyTotpMfa", or "assosicateMfaAuthenticator" with the SDK's spelling)
// and returns its raw result JSON. params is nil for "no argument", a
// json.RawMessage sent as is, or any value encoding to a JSON object with
// the JavaScript argument names. An unknown method is StatusInvalidArgument.
func (c *Client) Call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	out, err := c.invoke(ctx, method, params)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(out), nil
}

func (c *Client) user(ctx context.Context, method string, params any) (*User, error) {
	out, err := c.invoke(ctx, method, params)
	if err != nil {
		return nil, err
	}
	return decode[User](out)
}
