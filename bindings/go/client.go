package authingmfa

// #include <stdlib.h>
// #include "authing_mfa.h"
import "C"

import (
	"bytes"
	"encoding/json"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/authing-mfa/authing-mfa/bindings/go/internal/counters"
)

// Client is an Authing MFA client: options, a connection pool, the user
// token and the current user. Create it with NewClient and release it with
// Close.
//
// A Client is safe for concurrent use by multiple goroutines (the C client
// is internally synchronized), including SetToken/SetCurrentUser while
// operations run, and Close while operations run.
type Client struct {
	h *handle
}

// handle owns the C client. Calls count themselves in and out so that Close
// never frees the C client under a C call using it (the C API forbids
// authing_mfa_client_free racing with other calls on the client): whoever
// is last, Close or the last such call, frees it. An operation holds the
// client only while authing_mfa_call_async starts it: once started, the
// library keeps what the operation needs, so the client may be freed while
// operations are in flight.
type handle struct {
	mu       sync.Mutex
	ptr      *C.authing_mfa_client
	closed   bool
	inflight int
}

func (h *handle) acquire() (*C.authing_mfa_client, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errClosed()
	}
	h.inflight++
	return h.ptr, nil
}

func (h *handle) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.inflight--
	h.freeIfUnused()
}

func (h *handle) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	h.freeIfUnused()
}

// freeIfUnused runs with h.mu held. authing_mfa_client_free never blocks on
// the network, so holding the lock across it is cheap.
func (h *handle) freeIfUnused() {
	if h.closed && h.inflight == 0 && h.ptr != nil {
		C.authing_mfa_client_free(h.ptr)
		h.ptr = nil
		counters.Clients.Add(-1)
	}
}

// NewClient creates a client. It does not touch the network. Invalid
// options (an unknown Lang, a bad URL or PEM, a negative Timeout…) fail
// with StatusInvalidArgument; after [Shutdown] it fails with
// StatusShutdown.
func NewClient(opts Options) (*Client, error) {
	if opts.Timeout < 0 {
		return nil, newError(StatusInvalidArgument, "Timeout must not be negative")
	}
	if opts.MaxResponseBytes < 0 {
		return nil, newError(StatusInvalidArgument, "MaxResponseBytes must not be negative")
	}
	j := optionsJSON{
		UserPoolID:        opts.UserPoolID,
		AppID:             opts.AppID,
		TenantID:          opts.TenantID,
		AppHost:           opts.AppHost,
		Host:              opts.Host,
		Lang:              opts.Lang,
		RequestFrom:       opts.RequestFrom,
		Token:             opts.Token,
		AllowInsecureHTTP: opts.AllowInsecureHTTP,
		CACertPEM:         opts.CACertPEM,
		MaxResponseBytes:  opts.MaxResponseBytes,
		PublicKey:         opts.PublicKey,
		AccessToken:       opts.AccessToken,
		AppSecret:         opts.AppSecret,
		TokenEndPointAuth: opts.TokenEndPointAuthMethod,
	}
	if opts.Timeout > 0 {
		// Round up: 0 would mean "the default", not "tiny".
		j.Timeout = int64((opts.Timeout + time.Millisecond - 1) / time.Millisecond)
	}
	if err := checkUTF8(j); err != nil {
		return nil, err
	}
	// optionsJSON plus maxRetries, where 0 is a value ("no retries"), not
	// "the default" as in Options.
	full := struct {
		optionsJSON
		MaxRetries *int `json:"maxRetries,omitempty"`
	}{optionsJSON: j}
	if opts.MaxRetries != 0 {
		retries := max(opts.MaxRetries, 0)
		full.MaxRetries = &retries
	}
	optsJSON, err := json.Marshal(full)
	if err != nil {
		return nil, newError(StatusInvalidJSON, "cannot encode the options: %v", err)
	}
	cOpts := C.CString(string(optsJSON))
	defer C.free(unsafe.Pointer(cOpts))

	var ptr *C.authing_mfa_client
	var cErr *C.char
	status := C.authing_mfa_client_new(cOpts, &ptr, &cErr)
	errJSON := takeString(cErr)
	if status != C.AUTHING_MFA_OK {
		return nil, newCError(status, []byte(errJSON))
	}
	counters.Clients.Add(1)
	h := &handle{ptr: ptr}
	c := &Client{h: h}
	// A fallback for a Client dropped without Close. The cleanup gets the
	// handle, not the Client, so it does not keep the Client reachable.
	runtime.AddCleanup(c, func(h *handle) { h.close() }, h)
	return c, nil
}

// Close releases the client. It is idempotent and never blocks: calls still
// running finish normally (each until its answer, its context or the
// client's Timeout), and every later call fails with StatusClosed. It always returns nil; the
// error is there for io.Closer.
func (c *Client) Close() error {
	if c != nil && c.h != nil {
		c.h.close()
	}
	return nil
}

// takeString copies a string the library returned and frees it; NULL is "".
func takeString(p *C.char) string {
	if p == nil {
		return ""
	}
	s := C.GoString(p)
	C.authing_mfa_string_free(p)
	return s
}

// cString makes a C copy of s for the length of a call (free it with
// C.free). A NUL byte would silently cut the string short in C, so it is
// refused.
func cString(what, s string) (*C.char, error) {
	if err := checkNUL(what, s); err != nil {
		return nil, err
	}
	return C.CString(s), nil
}

func checkNUL(what, s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return newError(StatusInvalidArgument, "%s contains a NUL byte", what)
	}
	return nil
}

// withClient runs f with the C client held (see handle).
func (c *Client) withClient(f func(*C.authing_mfa_client) error) error {
	if c == nil || c.h == nil {
		return errClosed()
	}
	ptr, err := c.h.acquire()
	if err != nil {
		return err
	}
	runtime.KeepAlive(c) // see invoke
	defer c.h.release()
	return f(ptr)
}

// marshalParams gives the params JSON, or nil for "no argument".
func marshalParams(params any) ([]byte, error) {
	if params == nil {
		return nil, nil
	}
	if raw, ok := params.(json.RawMessage); ok {
		if raw == nil {
			return nil, nil
		}
		if bytes.IndexByte(raw, 0) >= 0 {
			return nil, newError(StatusInvalidArgument, "params contain a NUL byte")
		}
		return raw, nil
	}
	rv := reflect.ValueOf(params)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil, nil
		}
	}
	if err := checkUTF8(params); err != nil {
		return nil, err
	}
	b, err := json.Marshal(params)
	if err != nil {
		return nil, newError(StatusInvalidJSON, "cannot encode the params: %v", err)
	}
	return b, nil
}

// checkUTF8 refuses invalid UTF-8 in the strings of v (struct fields, map
// keys and values, slice elements, through pointers and interfaces).
// encoding/json would silently replace it with U+FFFD, changing a code or
// token behind the caller's back; the C library refuses invalid UTF-8
// rather than repair it, and so does this binding. The error names the
// field or key, never the value (which may be a secret).
func checkUTF8(v any) error {
	if where, bad := findInvalidUTF8(reflect.ValueOf(v), "params", 0); bad {
		return newError(StatusInvalidUTF8, "%s is not valid UTF-8", where)
	}
	return nil
}

func findInvalidUTF8(v reflect.Value, where string, depth int) (string, bool) {
	if depth > 32 { // deeper than any argument object; let json report cycles
		return "", false
	}
	switch v.Kind() {
	case reflect.String:
		return where, !utf8.ValidString(v.String())
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return findInvalidUTF8(v.Elem(), where, depth+1)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			if !t.Field(i).IsExported() {
				continue
			}
			if w, bad := findInvalidUTF8(v.Field(i), t.Field(i).Name, depth+1); bad {
				return w, true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			name := "a map key"
			if it.Key().Kind() == reflect.String {
				if !utf8.ValidString(it.Key().String()) {
					return name, true
				}
				name = it.Key().String()
			}
			if w, bad := findInvalidUTF8(it.Value(), name, depth+1); bad {
				return w, true
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 { // bytes: base64 in JSON
			return "", false
		}
		for i := range v.Len() {
			if w, bad := findInvalidUTF8(v.Index(i), where, depth+1); bad {
				return w, true
			}
		}
	}
	return "", false
}

// decode unmarshals a result; a result that does not fit the type is a
// StatusDecode error.
func decode[T any](out []byte) (*T, error) {
	var v T
	if err := json.Unmarshal(out, &v); err != nil {
		return nil, newError(StatusDecode, "unexpected result shape: %v", err)
	}
	return &v, nil
}

// ---- token state ---------------------------------------------------------

// SetToken sets the user token (the JS SDK's setToken), sent as
// "Authorization: Bearer <token>" by operations not given an mfaToken. ""
// clears it. The current user is kept.
func (c *Client) SetToken(token string) error {
	return c.withClient(func(ptr *C.authing_mfa_client) error {
		var cTok *C.char // NULL clears
		if token != "" {
			var err error
			if cTok, err = cString("token", token); err != nil {
				return err
			}
			defer C.free(unsafe.Pointer(cTok))
		}
		var cErr *C.char
		status := C.authing_mfa_client_set_token_ex(ptr, cTok, &cErr)
		errJSON := takeString(cErr)
		if status != C.AUTHING_MFA_OK {
			return newCError(status, []byte(errJSON))
		}
		return nil
	})
}

// SetAccessToken sets the v3 access token (authing-node-sdk's
// setAccessToken), which the v3 factor methods (SendEnrollFactorRequest,
// ListEnrolledFactors, ...) send raw in "authorization"; "" clears it.
// SignInByCredentials sets it from its answer, Options.AccessToken at
// creation. A token HTTP headers cannot carry is StatusInvalidArgument.
func (c *Client) SetAccessToken(accessToken string) error {
	return c.withClient(func(ptr *C.authing_mfa_client) error {
		var cTok *C.char // NULL clears
		if accessToken != "" {
			var err error
			if cTok, err = cString("access token", accessToken); err != nil {
				return err
			}
			defer C.free(unsafe.Pointer(cTok))
		}
		var cErr *C.char
		status := C.authing_mfa_client_set_access_token(ptr, cTok, &cErr)
		errJSON := takeString(cErr)
		if status != C.AUTHING_MFA_OK {
			return newCError(status, []byte(errJSON))
		}
		return nil
	})
}

// SetCurrentUser stores the current user (the JS SDK's setCurrentUser); its
// Token becomes the user token, and a user without a token clears it. When
// user.Raw is set (a User this package returned), that JSON is stored as
// is, unknown fields included; otherwise the typed fields are.
func (c *Client) SetCurrentUser(user *User) error {
	if user == nil {
		return newError(StatusInvalidArgument, "user is nil")
	}
	userJSON := []byte(user.Raw)
	if len(userJSON) == 0 {
		if err := checkUTF8(user); err != nil {
			return err
		}
		type plain User // marshal the fields, not through String
		var err error
		if userJSON, err = json.Marshal((*plain)(user)); err != nil {
			return newError(StatusInvalidJSON, "cannot encode the user: %v", err)
		}
	}
	return c.withClient(func(ptr *C.authing_mfa_client) error {
		cUser, err := cString("user", string(userJSON))
		if err != nil {
			return err
		}
		defer C.free(unsafe.Pointer(cUser))
		var cErr *C.char
		status := C.authing_mfa_client_set_current_user(ptr, cUser, &cErr)
		errJSON := takeString(cErr)
		if status != C.AUTHING_MFA_OK {
			return newCError(status, []byte(errJSON))
		}
		return nil
	})
}

// CurrentUser returns the user given to SetCurrentUser, or nil when there
// is none (the JS SDK's getCurrentUser, from local state only).
func (c *Client) CurrentUser() (*User, error) {
	var user *User
	err := c.withClient(func(ptr *C.authing_mfa_client) error {
		var cOut *C.char
		status := C.authing_mfa_client_get_current_user(ptr, &cOut)
		out := takeString(cOut)
		if status != C.AUTHING_MFA_OK {
			return newCError(status, nil)
		}
		if out == "null" {
			return nil
		}
		var err error
		user, err = decode[User]([]byte(out))
		return err
	})
	return user, err
}

// ClearCurrentUser forgets the current user and the user token (the JS
// SDK's logout, client side only: nothing is sent).
func (c *Client) ClearCurrentUser() error {
	return c.withClient(func(ptr *C.authing_mfa_client) error {
		if status := C.authing_mfa_client_clear_current_user(ptr); status != C.AUTHING_MFA_OK {
			return newCError(status, nil)
		}
		return nil
	})
}
