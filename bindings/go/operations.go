package authingmfa

// #include "authing_mfa.h"
import "C"

import "encoding/json"

// Operation is one operation the C library runs, as listed by [Operations].
type Operation struct {
	// Name is the JavaScript SDK's method name, with its own spelling
	// (assosicate…), e.g. "verifyTotpMfa": what [Client.Call] accepts.
	Name string `json:"name"`
	// Aliases are other names Call accepts for it (the corrected spelling
	// associate…).
	Aliases []string `json:"aliases"`
	// CFunction is the C function that runs it, e.g. "authing_mfa_verify_totp"
	// (associateFaceByLocalFile and associateFaceByBlob share one).
	CFunction string `json:"cFunction"`
	// Keys are the keys its parameter object may hold (the JSON tags of the
	// method's params struct).
	Keys []string `json:"keys"`
}

// Operations returns the operations the linked C library runs
// (authing_mfa_operations), in the JavaScript SDK's order; a fresh slice
// each call. Every one has a [Client] method: the name in Go style
// (VerifyTotpMfa for verifyTotpMfa), except AssociateMfaAuthenticator and
// ConfirmAssociateMfaAuthenticator (the SDK spells them assosicate…),
// AssociateFaceByURL, and AssociateFaceByFiles, which runs both
// associateFaceByLocalFile and associateFaceByBlob. The package's tests
// check this against the library. An error (StatusDecode) means the
// library's list could not be read.
func Operations() ([]Operation, error) {
	// A static string: never freed.
	p := C.authing_mfa_operations()
	if p == nil {
		return nil, newError(StatusDecode, "the library gave no operation list")
	}
	var ops []Operation
	if err := json.Unmarshal([]byte(C.GoString(p)), &ops); err != nil {
		return nil, newError(StatusDecode, "unreadable operation list: %v", err)
	}
	return ops, nil
}
