// Package counters holds the binding's bookkeeping of native clients and
// asynchronous operations, so that tests (of package authingmfa and of its
// separate test binaries, such as internal/shutdowntest) can check that every
// client and operation released what it took. It is internal: not part of
// the API.
package counters

import "sync/atomic"

var (
	// Handles is the number of runtime/cgo.Handle values created for
	// operations and not yet deleted.
	Handles atomic.Int64
	// Ops is the number of native operation handles (authing_mfa_op)
	// obtained and not yet released with authing_mfa_op_free.
	Ops atomic.Int64
	// ExtraCallbacks counts callbacks that arrived for an operation whose
	// result had already been delivered. The C API promises exactly one
	// callback per operation, so this must stay 0.
	ExtraCallbacks atomic.Int64
	// Clients is the number of native clients (authing_mfa_client) created
	// and not yet released with authing_mfa_client_free.
	Clients atomic.Int64
)
