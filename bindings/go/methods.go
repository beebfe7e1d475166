package authingmfa

// #include <stdlib.h>
// #include "authing_mfa.h"
import "C"

import (
	"context"
	"encoding/json"
	"unsafe"
)

// The operations. Each calls its own C function (authing_mfa_<operation>),
// so the whole C surface is exercised; Call goes through authing_mfa_call.
// The wire details (path, body, which token) are in include/authing_mfa.h.

// GetMfaAuthenticators lists the user's MFA authenticators (JS
// getMfaAuthenticators). nil params sends the JS defaults type=totp and
// source=SELF; with params only the fields set are sent. Token: MfaToken
// when set, else the user token.
func (c *Client) GetMfaAuthenticators(ctx context.Context, params *GetMfaAuthenticatorsParams) ([]Authenticator, error) {
	out, err := c.invoke(ctx, params, func(cl *C.authing_mfa_client, p *C.char, o, e **C.char) C.authing_mfa_status {
		return C.authing_mfa_get_authenticators(cl, p, o, e)
	})
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
	out, err := c.invoke(ctx, params, func(cl *C.authing_mfa_client, p *C.char, o, e **C.char) C.authing_mfa_status {
		return C.authing_mfa_associate_authenticator(cl, p, o, e)
	})
	if err != nil {
		return nil, err
	}
	return decode[Association](out)
}

// DeleteMfaAuthenticator unbinds the user's TOTP authenticator (user
// token only) and returns the server's code and message.
func (c *Client) DeleteMfaAuthenticator(ctx context.Context) (*ServerStatus, error) {
	out, err := c.invoke(ctx, nil, func(cl *C.authing_mfa_client, p *C.char, o, e **C.char) C.authing_mfa_status {
		return C.authing_mfa_delete_authenticator(cl, p, o, e)
	})
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
	out, err := c.invoke(ctx, params, func(cl *C.authing_mfa_client, p *C.char, o, e **C.char) C.authing_mfa_status {
		return C.authing_mfa_confirm_associate_authenticator(cl, p, o, e)
	})
	if err != nil {
		return nil, err
	}
	return decode[ServerStatus](out)
}

// VerifyTotpMfa is the second factor at login with a TOTP code: it returns
// the user with a token. A wrong or replayed code is IsAPI(err,
// CodeWrongTotp).
func (c *Client) VerifyTotpMfa(ctx context.Context, params VerifyTotpParams) (*User, error) {
	return c.user(ctx, params, func(cl *C.authing_mfa_client, p *C.char, o, e **C.char) C.authing_mfa_status {
		return C.authing_mfa_verify_totp(cl, p, o, e)
	})
}

// VerifyTotpRecoveryCode is the second factor with the single-use recovery
// code. The result carries the user and the new recovery code that replaces
// the used one. A wrong or used code is IsAPI(err, CodeWrongRecoveryCode).
func (c *Client) VerifyTotpRecoveryCode(ctx context.Context, params VerifyRecoveryCodeParams) (*RecoveryResult, error) {
	out, err := c.invoke(ctx, params, func(cl *C.authing_mfa_client, p *C.char, o, e **C.char) C.authing_mfa_status {
		return C.authing_mfa_verify_totp_recovery_code(cl, p, o, e)
	})
	if err != nil {
		return nil, err
	}
	return decode[RecoveryResult](out)
}

// VerifyAppSmsMfa is the second factor with a code sent by SMS.
func (c *Client) VerifyAppSmsMfa(ctx context.Context, params VerifyAppSmsParams) (*User, error) {
	return c.user(ctx, params, func(cl *C.authing_mfa_client, p *C.char, o, e **C.char) C.authing_mfa_status {
		return C.authing_mfa_verify_app_sms(cl, p, o, e)
	})
}

// VerifyAppEmailMfa is the second factor with a code sent by email.
func (c *Client) VerifyAppEmailMfa(ctx context.Context, params VerifyAppEmailParams) (*User, error) {
	return c.user(ctx, params, func(cl *C.authing_mfa_client, p *C.char, o, e **C.char) C.authing_mfa_status {
		return C.authing_mfa_verify_app_email(cl, p, o, e)
	})
}

// PhoneOrEmailBindable reports whether the phone and/or email can be bound
// as a second factor (mfaToken required).
func (c *Client) PhoneOrEmailBindable(ctx context.Context, params PhoneOrEmailBindableParams) (bool, error) {
	out, err := c.invoke(ctx, params, func(cl *C.authing_mfa_client, p *C.char, o, e **C.char) C.authing_mfa_status {
		return C.authing_mfa_phone_or_email_bindable(cl, p, o, e)
	})
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
	return c.user(ctx, params, func(cl *C.authing_mfa_client, p *C.char, o, e **C.char) C.authing_mfa_status {
		return C.authing_mfa_associate_face_by_url(cl, p, o, e)
	})
}

// AssociateFaceByFiles binds face MFA from local image files (JS
// associateFaceByLocalFile): each is uploaded, then associated. An
// unreadable file fails with StatusIO before anything is sent.
func (c *Client) AssociateFaceByFiles(ctx context.Context, params AssociateFaceByFilesParams) (*User, error) {
	return c.user(ctx, params, func(cl *C.authing_mfa_client, p *C.char, o, e **C.char) C.authing_mfa_status {
		return C.authing_mfa_associate_face_by_files(cl, p, o, e)
	})
}

// VerifyFaceMfa is the second factor with a face photo (an uploaded key or
// a URL).
func (c *Client) VerifyFaceMfa(ctx context.Context, params VerifyFaceParams) (*User, error) {
	return c.user(ctx, params, func(cl *C.authing_mfa_client, p *C.char, o, e **C.char) C.authing_mfa_status {
		return C.authing_mfa_verify_face(cl, p, o, e)
	})
}

// Call runs any operation by its JavaScript method name (for example
// "verifyTotpMfa", or "assosicateMfaAuthenticator" with the SDK's spelling)
// and returns its raw result JSON. params is nil for "no argument", a
// json.RawMessage sent as is, or any value encoding to a JSON object with
// the JavaScript argument names. An unknown method is StatusInvalidArgument.
func (c *Client) Call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	if err := checkNUL("method", method); err != nil {
		return nil, err
	}
	// The C copy of method is made inside the operation, which runs on the
	// call's goroutine: that goroutine may outlive this frame when ctx ends
	// first, and it frees its own copy when the call returns.
	out, err := c.invoke(ctx, params, func(cl *C.authing_mfa_client, p *C.char, o, e **C.char) C.authing_mfa_status {
		m := C.CString(method)
		defer C.free(unsafe.Pointer(m))
		return C.authing_mfa_call(cl, m, p, o, e)
	})
	if err != nil {
		return nil, err
	}
	return json.RawMessage(out), nil
}

func (c *Client) user(ctx context.Context, params any, op cOperation) (*User, error) {
	out, err := c.invoke(ctx, params, op)
	if err != nil {
		return nil, err
	}
	return decode[User](out)
}
