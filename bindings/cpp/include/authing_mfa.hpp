// authing_mfa.hpp: a header-only C++17 wrapper over the C API of authing-mfa
// (include/authing_mfa.h), Authing's MFA (multi-factor authentication)
// client.
//
// What it adds over the C API, and nothing more:
// - RAII: `Client` owns an `authing_mfa_client *` (movable, not copyable) and
//   every `char *` the library returns is held by an owner that frees it with
//   `authing_mfa_string_free`, on every path, exceptions included.
// - `std::string` in and out. Parameters and results stay JSON text, exactly
//   as the C API documents them (keys are the JavaScript SDK's names); parse
//   results with the JSON library you already use. This header depends on
//   none, so it never fights yours. `Params` builds simple parameter objects
//   with correct escaping.
// - Errors are exceptions: every failure throws `authing_mfa::Error` (a
//   `std::runtime_error`), carrying the status, the Authing `code`, the HTTP
//   status and the envelope's `data` (which holds the `mfaToken` when the
//   server answers 1635). `what()` never contains `data`, so logging `what()`
//   never leaks a token; the library guarantees its messages hold no secret.
//
// - Non-blocking calls: `Client::call_async` (a `std::function` called once
//   with a `Result`) and `Client::call_future` (a `std::future`), both with
//   an RAII `Operation` handle to cancel them; `set_log_callback` with a
//   `std::function`; `shutdown`. No exception ever crosses into the C
//   library: what a user callback throws is caught and dropped (see
//   `Client::call_async`).
//
// Thread safety is the C API's: the operations and the token setters of one
// `Client` may run on many threads at once; moving, assigning or destroying a
// `Client` must not race with any other use of it. The blocking operations
// block the calling thread until the answer or the client's timeout.
//
// Requires C++17 and linking with -lauthing_mfa (see packaging/README.md).
//
// This file is the wrapper's one public entry point: it includes the parts,
// each in authing_mfa/ next to it and each compilable on its own (one job
// per file, so each reads alone):
//
//   authing_mfa/error.hpp       Status, status_name, Error (read from the
//                               C API's error JSON), detail::local_error
//   authing_mfa/json.hpp        json_quote, Params, detail::JsonReader
//   authing_mfa/c_call.hpp      detail::c_str, detail::OwnedString,
//                               detail::check: the plumbing of one C call
//   authing_mfa/options.hpp     Options
//   authing_mfa/async.hpp       Result, Operation, AsyncCall, Callback and
//                               the completion of a non-blocking call
//   authing_mfa/operations.hpp  operations(), and detail::op: each
//                               operation's JS name and C function
//   authing_mfa/client.hpp      Client
//   authing_mfa/log.hpp         LogLevel, set_log_callback, clear_log_callback
//   authing_mfa/shutdown.hpp    shutdown
//   authing_mfa/totp.hpp        totp_generate, totp_parse_uri
//   authing_mfa/version.hpp     version
//
// Include this file, not the parts: which part holds what may change.

#ifndef AUTHING_MFA_HPP
#define AUTHING_MFA_HPP

#include "authing_mfa.h"

#include "authing_mfa/async.hpp"
#include "authing_mfa/c_call.hpp"
#include "authing_mfa/client.hpp"
#include "authing_mfa/error.hpp"
#include "authing_mfa/json.hpp"
#include "authing_mfa/log.hpp"
#include "authing_mfa/operations.hpp"
#include "authing_mfa/options.hpp"
#include "authing_mfa/shutdown.hpp"
#include "authing_mfa/totp.hpp"
#include "authing_mfa/version.hpp"

#endif  // AUTHING_MFA_HPP
