// authing_mfa/log.hpp: the process-wide log callback. `LogLevel`,
// `LogCallback`, `set_log_callback` and `clear_log_callback`, and the
// `detail` state that keeps the installed `std::function` alive exactly as
// long as the library may call it.
// Part of the C++ wrapper; include <authing_mfa.hpp> for all of it.

#ifndef AUTHING_MFA_LOG_HPP
#define AUTHING_MFA_LOG_HPP

#include "authing_mfa.h"
#include "authing_mfa/error.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>

namespace authing_mfa {

/// Log levels, most severe first (`max_level` of `set_log_callback`).
enum LogLevel : int {
    LogError = AUTHING_MFA_LOG_ERROR,  ///< failures the caller also sees as an Error
    LogWarn = AUTHING_MFA_LOG_WARN,    ///< failed requests and retries
    LogInfo = AUTHING_MFA_LOG_INFO,    ///< one line per completed request
    LogDebug = AUTHING_MFA_LOG_DEBUG,  ///< request headers too (`Bearer <redacted>`)
};

/// The log callback type: a level (1 error … 4 debug) and a line, borrowed
/// for the call only.
using LogCallback = std::function<void(int level, std::string_view message)>;

namespace detail {

/// The installed log callback. The library holds a raw pointer to
/// `current`; only a replacement returning from the C API (which waits for
/// deliveries in progress) makes it safe to destroy, and the mutex keeps two
/// replacements from racing over which object is current.
///
/// Deliberately never destroyed (allocated once, reachable from a static):
/// a library thread may still log while static destructors run at exit.
struct LogState {
    std::mutex mutex;
    std::unique_ptr<LogCallback> current;
};

inline LogState& log_state() {
    static LogState* const state = new LogState;
    return *state;
}

/// Whether this thread is inside the log callback. Replacing the callback
/// from there would wait for itself (the C API says WOULD_DEADLOCK, but a
/// replacement on another thread could hold `LogState::mutex` while waiting
/// for this delivery to end): refused before the mutex is taken.
inline bool& in_log_callback() {
    thread_local bool inside = false;
    return inside;
}

inline void on_log(void* user_data, std::int32_t level, const char* message) noexcept {
    bool& inside = in_log_callback();
    const bool was_inside = inside;
    inside = true;
    try {
        (*static_cast<const LogCallback*>(user_data))(
            static_cast<int>(level), message ? std::string_view(message) : std::string_view());
    } catch (...) {
        // Never unwind into the library; a failing logger must not take
        // the request (or the program) down with it. Dropped.
    }
    inside = was_inside;
}

inline void check_log_status(authing_mfa_status st) {
    if (st == AUTHING_MFA_OK) return;
    const auto s = static_cast<Status>(st);
    throw local_error(s, s == Status::InvalidArgument
                             ? "set_log_callback: max_level must be 1 (error) to 4 (debug)"
                             : "set_log_callback failed");
}

inline void refuse_inside_log_callback() {
    if (in_log_callback())
        throw local_error(Status::WouldDeadlock,
                          "the log callback cannot be replaced or removed from inside the log callback");
}

}  // namespace detail

/// Installs the process-wide log callback, which receives lines up to
/// `max_level` (`LogError` 1 … `LogDebug` 4; above 4 means 4). Lines never
/// hold secrets: no bodies, and the Authorization header reads
/// `Bearer <redacted>`.
///
/// `fn` is called on the thread making the request (yours for blocking
/// calls, a library thread for non-blocking ones), possibly on several at
/// once, so it must be thread-safe and quick. Exceptions it throws are
/// caught and dropped. It is kept alive by this library until replaced or
/// removed; once `set_log_callback` or `clear_log_callback` returns, the
/// previous callback is no longer running anywhere and has been destroyed.
/// An empty `fn` removes the callback.
///
/// Throws `Error`: `Status::InvalidArgument` (`max_level` below 1),
/// `Status::WouldDeadlock` (called from inside the log callback).
inline void set_log_callback(int max_level, LogCallback fn);

/// Removes the log callback (see `set_log_callback`).
inline void clear_log_callback() {
    detail::refuse_inside_log_callback();
    auto& state = detail::log_state();
    std::unique_ptr<LogCallback> old;  // destroyed after the mutex is released
    std::lock_guard<std::mutex> lock(state.mutex);
    detail::check_log_status(authing_mfa_set_log_callback(0, nullptr, nullptr));
    old = std::move(state.current);
}

inline void set_log_callback(int max_level, LogCallback fn) {
    if (!fn) {
        clear_log_callback();
        return;
    }
    detail::refuse_inside_log_callback();
    auto& state = detail::log_state();
    // Declared before the lock: when it goes out of scope it holds the old
    // callback, which is destroyed after the mutex is released (its
    // destructor may then do anything, even install another logger).
    auto fresh = std::make_unique<LogCallback>(std::move(fn));
    std::lock_guard<std::mutex> lock(state.mutex);
    detail::check_log_status(authing_mfa_set_log_callback(max_level, &detail::on_log, fresh.get()));
    std::swap(state.current, fresh);
}

}  // namespace authing_mfa

#endif  // AUTHING_MFA_LOG_HPP
