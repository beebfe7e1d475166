// authing_mfa/shutdown.hpp: `shutdown`, which stops the library for the
// whole process, for good.
// Part of the C++ wrapper; include <authing_mfa.hpp> for all of it.

#ifndef AUTHING_MFA_SHUTDOWN_HPP
#define AUTHING_MFA_SHUTDOWN_HPP

#include "authing_mfa.h"
#include "authing_mfa/error.hpp"

#include <chrono>
#include <cstdint>

namespace authing_mfa {

/// Shuts the library down, process-wide and for good: cancels every call in
/// flight (non-blocking ones complete with `Status::Shutdown`, blocking
/// ones throw it), waits up to `timeout` for them, and stops the I/O
/// threads. Afterwards every call throws (or completes with)
/// `Status::Shutdown`; there is no restart. Idempotent. Optional: call it
/// before unloading the library or at exit if you want a clean stop.
///
/// Blocks for at most about `timeout` (clamped to 0 … 2^32-1 ms). Throws
/// `Error` with `Status::WouldDeadlock` (and does nothing) when called from
/// a library callback.
inline void shutdown(std::chrono::milliseconds timeout) {
    constexpr long long max_ms = 0xFFFFFFFFLL;
    const long long ms = timeout.count() < 0 ? 0 : (timeout.count() > max_ms ? max_ms : timeout.count());
    const authing_mfa_status st = authing_mfa_shutdown(static_cast<std::uint32_t>(ms));
    if (st == AUTHING_MFA_OK) return;
    const auto s = static_cast<Status>(st);
    throw detail::local_error(s, s == Status::WouldDeadlock
                                     ? "shutdown cannot be called from a library callback; nothing was done"
                                     : "shutdown failed");
}

}  // namespace authing_mfa

#endif  // AUTHING_MFA_SHUTDOWN_HPP
