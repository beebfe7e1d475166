package authingmfa

// #include <stdlib.h>
// #include "authing_mfa.h"
import "C"

import (
	"encoding/json"
	"time"
	"unsafe"
)

// HeaderVersion is the version of include/authing_mfa.h this package was
// compiled against; Version() is the library's, loaded at run time.
const HeaderVersion = C.AUTHING_MFA_VERSION_STRING

// Version returns the version of the linked C library, e.g. "0.1.0".
func Version() string {
	// A static string: never freed.
	return C.GoString(C.authing_mfa_version())
}

// TotpGenerate returns the 6-digit TOTP code (SHA1, 30 s, as Authing issues
// them) of a base32 secret at time t; use time.Now() for the current code.
// The secret is read case-insensitively, spaces, dashes and padding
// ignored. A bad secret or a time before 1970 is StatusInvalidArgument; the
// error never quotes the secret.
func TotpGenerate(secret string, t time.Time) (string, error) {
	cSecret, err := cString("secret", secret)
	if err != nil {
		return "", err
	}
	defer C.free(unsafe.Pointer(cSecret))
	var cCode, cErr *C.char
	status := C.authing_mfa_totp_generate(cSecret, C.int64_t(t.Unix()), &cCode, &cErr)
	code, errJSON := takeString(cCode), takeString(cErr)
	if status != C.AUTHING_MFA_OK {
		return "", newCError(status, []byte(errJSON))
	}
	return code, nil
}

// TotpParseURI parses an otpauth://totp/… URI (an Association's QrcodeURI).
// Missing parameters take the RFC defaults (6 digits, 30 s, SHA1). The
// error never quotes the URI, which holds the secret.
func TotpParseURI(uri string) (*TotpURI, error) {
	cURI, err := cString("uri", uri)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cURI))
	var cOut, cErr *C.char
	status := C.authing_mfa_totp_parse_uri(cURI, &cOut, &cErr)
	out, errJSON := takeString(cOut), takeString(cErr)
	if status != C.AUTHING_MFA_OK {
		return nil, newCError(status, []byte(errJSON))
	}
	var u TotpURI
	if err := json.Unmarshal([]byte(out), &u); err != nil {
		return nil, newError(StatusDecode, "unexpected result shape: %v", err)
	}
	return &u, nil
}
