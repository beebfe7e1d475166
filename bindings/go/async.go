package authingmfa

/*
#include <stdint.h>
#include <stdlib.h>
#include "authing_mfa.h"

// Exported by callback.go (this prototype is the one cgo generates).
extern void authingmfaOnResult(uintptr_t, authing_mfa_status, char *);

// The library's callback type takes void * and const char *; the Go
// function takes an integer handle (never a Go pointer: see invoke) and
// char *. This adapter converts both.
static void authingmfa_on_result(void *user_data, authing_mfa_status status, const char *json) {
	authingmfaOnResult((uintptr_t)user_data, status, (char *)json);
}

static authing_mfa_status authingmfa_start(const authing_mfa_client *client,
		const char *method, const char *params_json, uintptr_t handle,
		authing_mfa_op **out_op, char **out_error_json) {
	return authing_mfa_call_async_ex(client, method, params_json,
		authingmfa_on_result, (void *)handle, out_op, out_error_json);
}
*/
import "C"

import (
	"context"
	"math"
	"runtime"
	"runtime/cgo"
	"time"
	"unsafe"

	"github.com/authing-mfa/authing-mfa/bindings/go/internal/counters"
)

// asyncOp is what the callback of one operation reaches through its
// cgo.Handle.
type asyncOp struct {
	// done has room for one result, so the callback never blocks a library
	// thread, and it fires exactly once.
	done chan asyncResult
}

// asyncResult is a copy of what the callback received.
type asyncResult struct {
	status C.authing_mfa_status
	json   string // the result JSON on success, else the error JSON
}

// invoke runs one operation, named by its JavaScript method name, through
// authing_mfa_call_async and waits for its result or for ctx to end. params
// nil (or a nil pointer) sends NULL, "no argument".
//
// Ownership, which makes every operation release what it takes exactly
// once: invoke creates the cgo.Handle and gets the native op handle, and
// only invoke deletes and frees them, after the callback has delivered its
// one result. When ctx ends first, invoke cancels the native operation
// (authing_mfa_op_cancel), which makes the callback fire promptly with
// AUTHING_MFA_ERR_CANCELLED unless the answer already came, and still
// waits for that callback: so nothing outlives the call, and neither the
// handle nor the op can be used after they are released.
func (c *Client) invoke(ctx context.Context, method string, params any) ([]byte, error) {
	if ctx == nil {
		return nil, newError(StatusInvalidArgument, "nil context")
	}
	if err := ctx.Err(); err != nil {
		return nil, contextError(err) // nothing is sent
	}
	if err := checkNUL("method", method); err != nil {
		return nil, err
	}
	paramsJSON, err := marshalParams(params)
	if err != nil {
		return nil, err
	}
	if c == nil || c.h == nil {
		return nil, errClosed()
	}

	// The library copies both strings before authing_mfa_call_async
	// returns, so they are freed when invoke returns.
	cMethod := C.CString(method)
	defer C.free(unsafe.Pointer(cMethod))
	var cParams *C.char // NULL: no argument
	if paramsJSON != nil {
		cParams = C.CString(string(paramsJSON))
		defer C.free(unsafe.Pointer(cParams))
	}

	op := &asyncOp{done: make(chan asyncResult, 1)}
	// The C side keeps user_data on another thread after this call
	// returns, which the cgo pointer rules forbid for a Go pointer: it gets
	// an integer handle instead.
	h := cgo.NewHandle(op)
	counters.Handles.Add(1)
	deleteHandle := func() {
		h.Delete()
		counters.Handles.Add(-1)
	}

	ptr, err := c.h.acquire()
	if err != nil {
		deleteHandle()
		return nil, err
	}
	// From here the count in h keeps the C client alive; before, only c
	// did: without this, c's cleanup could close h between loading c.h and
	// acquire.
	runtime.KeepAlive(c)
	var cOp *C.authing_mfa_op
	var cErr *C.char
	status := C.authingmfa_start(ptr, cMethod, cParams, C.uintptr_t(h), &cOp, &cErr)
	errJSON := takeString(cErr)
	// Only the start must not race with authing_mfa_client_free: an
	// operation in flight keeps what it needs from the client, so Close
	// may free the client right away.
	c.h.release()
	if status != C.AUTHING_MFA_OK {
		// Not accepted: the callback will never fire.
		deleteHandle()
		return nil, newCError(status, []byte(errJSON))
	}
	counters.Ops.Add(1)

	var r asyncResult
	select {
	case r = <-op.done:
	case <-ctx.Done():
		// Idempotent and harmless if the answer came meanwhile; either way
		// the callback fires (or has fired) exactly once.
		C.authing_mfa_op_cancel(cOp)
		r = <-op.done
	}
	C.authing_mfa_op_free(cOp)
	counters.Ops.Add(-1)
	deleteHandle()

	switch {
	case r.status == C.AUTHING_MFA_OK:
		// Even when ctx ended meanwhile: the answer came first, and it may
		// carry a state change (a new token, a rotated recovery code).
		return []byte(r.json), nil
	case r.status == C.AUTHING_MFA_ERR_CANCELLED && ctx.Err() != nil:
		// Only invoke cancels its operation, and only once ctx is done.
		return nil, contextError(ctx.Err())
	default:
		return nil, newCError(r.status, []byte(r.json))
	}
}

// Shutdown stops the native library for the whole process. Operations in
// flight on every client end at once with StatusShutdown (Shutdown waits up
// to timeout for them to wind down, then delivers the results of those that
// did not itself); afterwards every operation fails with StatusShutdown and
// there is no restart. Idempotent.
//
// It is not required: call it, if at all, at the very end of the program
// (for example before exiting from a test binary or a plugin) for a clean
// stop of the library's I/O threads. A negative timeout is
// StatusInvalidArgument; it is rounded up to whole milliseconds.
func Shutdown(timeout time.Duration) error {
	if timeout < 0 {
		return newError(StatusInvalidArgument, "timeout must not be negative")
	}
	if most := time.Duration(math.MaxUint32) * time.Millisecond; timeout > most {
		timeout = most // about 49 days: the C API's limit
	}
	ms := (timeout + time.Millisecond - 1) / time.Millisecond
	switch status := C.authing_mfa_shutdown(C.uint32_t(ms)); status {
	case C.AUTHING_MFA_OK:
		return nil
	case C.AUTHING_MFA_ERR_WOULD_DEADLOCK:
		return newError(Status(status), "Shutdown was called from a library thread")
	default:
		return newError(Status(status), "the library failed to shut down")
	}
}
