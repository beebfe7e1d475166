package authingmfa

// #include "authing_mfa.h"
import "C"

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Status is the kind of a failure: one of the C library's
// AUTHING_MFA_ERR_* values (stable forever), or StatusClosed, which only
// this binding produces.
type Status int32

// The statuses. Values are the C library's; see include/authing_mfa.h.
const (
	StatusOK              Status = C.AUTHING_MFA_OK
	StatusNullArgument    Status = C.AUTHING_MFA_ERR_NULL_ARGUMENT
	StatusInvalidUTF8     Status = C.AUTHING_MFA_ERR_INVALID_UTF8
	StatusInvalidJSON     Status = C.AUTHING_MFA_ERR_INVALID_JSON
	StatusInvalidArgument Status = C.AUTHING_MFA_ERR_INVALID_ARGUMENT
	StatusAPI             Status = C.AUTHING_MFA_ERR_API
	StatusHTTPStatus      Status = C.AUTHING_MFA_ERR_HTTP_STATUS
	StatusNetwork         Status = C.AUTHING_MFA_ERR_NETWORK
	StatusTimeout         Status = C.AUTHING_MFA_ERR_TIMEOUT
	StatusDecode          Status = C.AUTHING_MFA_ERR_DECODE
	StatusIO              Status = C.AUTHING_MFA_ERR_IO
	StatusCancelled       Status = C.AUTHING_MFA_ERR_CANCELLED
	StatusShutdown        Status = C.AUTHING_MFA_ERR_SHUTDOWN
	StatusWouldDeadlock   Status = C.AUTHING_MFA_ERR_WOULD_DEADLOCK
	// StatusForked: a call in a child process forked after the library's
	// first use. A Go program cannot fork itself; this reaches Go only when
	// the library is shared with C code in a process that forked.
	StatusForked Status = C.AUTHING_MFA_ERR_FORKED
	StatusPanic  Status = C.AUTHING_MFA_ERR_PANIC

	// StatusClosed: the Client was closed. Only this binding returns it; a
	// negative value so that it can never collide with a C status.
	StatusClosed Status = -1
)

// Authing's business codes that callers commonly test with [IsAPI].
const (
	CodeMfaRequired       = 1635 // login needs a second factor; Data holds mfaToken
	CodeAppMfaRequired    = 1636 // login needs the application's second factor; Data holds mfaToken
	CodeWrongTotp         = 6001 // wrong or replayed TOTP code at verify
	CodeWrongRecoveryCode = 6002 // wrong or used recovery code
	CodeNotLoggedIn       = 2020 // no token was sent
	CodeLoginExpired      = 2206 // the token expired
	CodeTokenInvalid      = 2207 // the token is invalid
)

const closedName = "AUTHING_MFA_GO_ERR_CLOSED"

// String gives the status's C name, e.g. "AUTHING_MFA_ERR_API", as in the
// "status" field of the C library's error JSON.
func (s Status) String() string {
	if s == StatusClosed {
		return closedName
	}
	// A static string: never freed.
	name := C.GoString(C.authing_mfa_status_name(C.authing_mfa_status(s)))
	if name == "AUTHING_MFA_UNKNOWN_STATUS" {
		return name + "(" + strconv.Itoa(int(s)) + ")"
	}
	return name
}

// Error is the one error type of this package: every failure of every
// function is an *Error (use errors.As).
type Error struct {
	// Status is the kind of failure.
	Status Status
	// Code is Authing's business code (e.g. 6001) when the server sent one;
	// HasCode tells whether it did.
	Code    int
	HasCode bool
	// Message is a human sentence, in the client's language when it comes
	// from the server. It never contains a secret.
	Message string
	// HTTPStatus is the HTTP status of the answer, 0 when there was none
	// (network failure, timeout, invalid argument…).
	HTTPStatus int
	// Data is the envelope's data, nil when absent. For code 1635 it holds
	// the mfaToken, which is why Error() never prints it.
	Data json.RawMessage
	// RequestID is the requestId of a failed v3 answer (Authing's
	// reference for a support request), "" when there was none.
	RequestID string

	cause error // the context's error, for errors.Is; nil otherwise
}

// Error formats the status, code, HTTP status and message, never Data.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("authingmfa: ")
	b.WriteString(e.Status.String())
	if e.HasCode || e.HTTPStatus != 0 {
		b.WriteString(" (")
		if e.HasCode {
			fmt.Fprintf(&b, "code %d", e.Code)
			if e.HTTPStatus != 0 {
				b.WriteString(", ")
			}
		}
		if e.HTTPStatus != 0 {
			fmt.Fprintf(&b, "HTTP %d", e.HTTPStatus)
		}
		b.WriteString(")")
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request %s]", e.RequestID)
	}
	return b.String()
}

// GoString keeps %#v from printing Data.
func (e *Error) GoString() string {
	return fmt.Sprintf("&authingmfa.Error{Status:%s, Code:%d, HasCode:%t, Message:%q, HTTPStatus:%d, Data:[%d bytes], RequestID:%q}",
		e.Status, e.Code, e.HasCode, e.Message, e.HTTPStatus, len(e.Data), e.RequestID)
}

// Unwrap gives the context error behind a StatusCancelled returned because
// the context ended, so errors.Is(err, context.Canceled) and errors.Is(err,
// context.DeadlineExceeded) work; nil otherwise.
func (e *Error) Unwrap() error { return e.cause }

// MfaToken returns data.mfaToken, present when the server answered code
// 1635 (MFA required), else "".
func (e *Error) MfaToken() string {
	var d struct {
		MfaToken string `json:"mfaToken"`
	}
	if len(e.Data) == 0 || json.Unmarshal(e.Data, &d) != nil {
		return ""
	}
	return d.MfaToken
}

// IsStatus reports whether err is an *Error with this status.
func IsStatus(err error, status Status) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status
}

// IsAPI reports whether err is a business error (StatusAPI) with this
// Authing code, e.g. IsAPI(err, CodeWrongTotp).
func IsAPI(err error, code int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == StatusAPI && e.HasCode && e.Code == code
}

// errorJSON is the C library's error JSON.
type errorJSON struct {
	Status     string          `json:"status"`
	Message    string          `json:"message"`
	Code       *int            `json:"code"`
	HTTPStatus *int            `json:"httpStatus"`
	Data       json.RawMessage `json:"data"`
	RequestID  string          `json:"requestId"`
}

// newCError builds the *Error for a failed C call from its status and its
// (possibly empty) error JSON.
func newCError(status C.authing_mfa_status, errJSON []byte) *Error {
	e := &Error{Status: Status(status)}
	var j errorJSON
	if len(errJSON) == 0 || json.Unmarshal(errJSON, &j) != nil {
		e.Message = "the library gave no details"
		return e
	}
	e.Message = j.Message
	if j.Code != nil {
		e.Code, e.HasCode = *j.Code, true
	}
	if j.HTTPStatus != nil {
		e.HTTPStatus = *j.HTTPStatus
	}
	if len(j.Data) > 0 && !bytes.Equal(j.Data, []byte("null")) {
		e.Data = j.Data
	}
	e.RequestID = j.RequestID
	return e
}

// newError is an error found on the Go side, before or after the C call.
func newError(status Status, format string, args ...any) *Error {
	return &Error{Status: status, Message: fmt.Sprintf(format, args...)}
}

// errClosed is returned by every method of a closed Client.
func errClosed() *Error {
	return newError(StatusClosed, "the client is closed")
}

// contextError is the error of a call whose context ended first (before
// the call started, or while it ran, in which case its native operation was
// cancelled). Its Status is StatusCancelled whether the context was
// cancelled or timed out, so that StatusTimeout keeps meaning the client's
// own Options.Timeout; Unwrap gives ctx.Err(), so errors.Is(err,
// context.Canceled) or errors.Is(err, context.DeadlineExceeded) tells which.
func contextError(err error) *Error {
	return &Error{Status: StatusCancelled, Message: err.Error(), cause: err}
}
