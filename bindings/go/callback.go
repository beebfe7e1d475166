package authingmfa

// #include <stdint.h>
// #include "authing_mfa.h"
import "C"

import (
	"runtime/cgo"

	"github.com/authing-mfa/authing-mfa/bindings/go/internal/counters"
)

// This file holds only the exported callback: cgo forbids C definitions in
// the preamble of a file that uses //export, so the C trampoline that calls
// it lives in async.go.

// authingmfaOnResult receives the outcome of one authing_mfa_call_async
// operation, on a library I/O thread (or, for an operation Shutdown could
// not stop in time, on the thread calling Shutdown). handle is the
// cgo.Handle of the operation's *asyncOp, passed through user_data.
//
// It must return promptly and must not call blocking library functions, so
// it only copies the borrowed JSON (valid until it returns) and hands it
// over on a channel with room for exactly one value: the send never blocks.
// It does not delete the handle: the goroutine waiting in invoke owns it
// and deletes it once it has the result.
//
//export authingmfaOnResult
func authingmfaOnResult(handle C.uintptr_t, status C.authing_mfa_status, resultJSON *C.char) {
	op := cgo.Handle(handle).Value().(*asyncOp)
	r := asyncResult{status: status}
	if resultJSON != nil {
		r.json = C.GoString(resultJSON)
	}
	select {
	case op.done <- r:
	default:
		// A second callback for one operation would break the C API's
		// exactly-once promise. Never block a library thread over it;
		// count it so that the tests notice.
		counters.ExtraCallbacks.Add(1)
	}
}
