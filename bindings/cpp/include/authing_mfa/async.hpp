// authing_mfa/async.hpp: the pieces of a non-blocking call. `Result` (what
// a callback receives), `Operation` (the RAII handle that cancels a call),
// `AsyncCall` (a future and its handle), `Callback`, and the `detail`
// plumbing that hands a callback or a promise to `authing_mfa_call_async_ex`
// and completes it exactly once on the library's thread without letting an
// exception unwind into C. `Client::call_async` and `Client::call_future`
// (authing_mfa/client.hpp) start the calls.
// Part of the C++ wrapper; include <authing_mfa.hpp> for all of it.

#ifndef AUTHING_MFA_ASYNC_HPP
#define AUTHING_MFA_ASYNC_HPP

#include "authing_mfa.h"
#include "authing_mfa/error.hpp"

#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace authing_mfa {

/// The outcome of a non-blocking call, handed to the `on_done` callback of
/// `Client::call_async`: either the result JSON (what the blocking method
/// would have returned) or the `Error` (what it would have thrown, plus
/// `Status::Cancelled` and `Status::Shutdown`).
///
/// Nothing is thrown on the library thread that delivers it: the error is a
/// value here, and `value()` rethrows it only when you ask.
class Result {
public:
    explicit Result(std::string json) : v_(std::in_place_index<0>, std::move(json)) {}
    explicit Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

    /// True when the call succeeded.
    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }
    /// `Status::Ok`, or the error's status.
    Status status() const noexcept { return ok() ? Status::Ok : std::get<1>(v_).status(); }

    /// The result JSON; throws the `Error` when the call failed.
    const std::string& value() const& {
        if (!ok()) throw std::get<1>(v_);
        return std::get<0>(v_);
    }
    std::string value() && {
        if (!ok()) throw std::get<1>(v_);
        return std::move(std::get<0>(v_));
    }
    /// The error; throws `std::logic_error` when the call succeeded (check
    /// `ok()` first).
    const Error& error() const {
        if (ok()) throw std::logic_error("authing_mfa::Result::error() called on a success");
        return std::get<1>(v_);
    }

private:
    std::variant<std::string, Error> v_;
};

/// The handle on one non-blocking call, for cancelling it. RAII over
/// `authing_mfa_op *`: movable, not copyable; the destructor releases the
/// handle (`authing_mfa_op_free`) and does NOT cancel the call: its callback
/// still fires (or its future still gets its value). Dropping an
/// `Operation` is therefore "fire and forget"; call `cancel()` first to stop
/// the call.
///
/// `cancel()` may be called from any thread, from inside any callback, as
/// often as you like, and after the call finished (it then does nothing).
/// A moved-from or default-constructed `Operation` is empty and its
/// `cancel()` does nothing. Destroying or assigning an `Operation` must not
/// race with `cancel()` on the same object.
class Operation {
public:
    Operation() noexcept = default;
    /// Adopts a handle from `authing_mfa_call_async` (released by this object).
    explicit Operation(authing_mfa_op* op) noexcept : op_(op) {}
    ~Operation() { authing_mfa_op_free(op_); }

    Operation(const Operation&) = delete;
    Operation& operator=(const Operation&) = delete;
    Operation(Operation&& other) noexcept : op_(std::exchange(other.op_, nullptr)) {}
    Operation& operator=(Operation&& other) noexcept {
        if (this != &other) {
            authing_mfa_op_free(op_);  // releases, does not cancel
            op_ = std::exchange(other.op_, nullptr);
        }
        return *this;
    }

    /// Asks the call to stop: if its answer has not come yet, it completes
    /// soon with `Status::Cancelled`; otherwise nothing happens. A request
    /// already sent may still have reached the server.
    void cancel() const noexcept { authing_mfa_op_cancel(op_); }

    /// False when empty (moved from, or from a refused `call_future`).
    bool valid() const noexcept { return op_ != nullptr; }
    explicit operator bool() const noexcept { return valid(); }

    /// The C handle, still owned by this object.
    authing_mfa_op* native_handle() const noexcept { return op_; }

private:
    authing_mfa_op* op_ = nullptr;
};

/// What `Client::call_future` returns: the future result and the handle to
/// cancel it. `result.get()` returns the result JSON or throws
/// `authing_mfa::Error` (`Status::Cancelled` after `cancel()`). Use with a
/// structured binding: `auto [result, op] = client.call_future(...)`.
/// Destroying it without waiting is fine: the call goes on and its value is
/// dropped (the future does not block in its destructor).
struct AsyncCall {
    std::future<std::string> result;
    Operation op;

    void cancel() const noexcept { op.cancel(); }
};

/// The callback type of `Client::call_async`.
using Callback = std::function<void(Result)>;

namespace detail {

/// The heap object passed to the C API as `user_data`. It is created just
/// before `authing_mfa_call_async`, owned by the caller until that call
/// accepts, then owned by the C callback `on_async_done`, which deletes it
/// after completing: exactly once per accepted call, and never for a refused
/// call (the caller's `unique_ptr` still owns and frees it).
struct Completion {
    virtual ~Completion() = default;
    /// Must not throw: it runs on a library thread, inside a C callback.
    virtual void complete(authing_mfa_status status, const char* json) noexcept = 0;
};

inline std::string borrowed(const char* json) { return json ? std::string(json) : std::string(); }

/// Calls a `std::function<void(Result)>`.
struct FunctionCompletion final : Completion {
    explicit FunctionCompletion(Callback f) : fn(std::move(f)) {}
    void complete(authing_mfa_status status, const char* json) noexcept override {
        try {
            Result r = status == AUTHING_MFA_OK
                           ? Result(borrowed(json))
                           : Result(Error(static_cast<Status>(status), borrowed(json)));
            fn(std::move(r));
        } catch (...) {
            // An exception must never unwind into the C library (that is
            // undefined behaviour), and std::terminate would kill the whole
            // program for one failed callback: it is caught and dropped. The
            // documented rule is that on_done should not throw. (The one
            // exception not from on_done is std::bad_alloc while copying the
            // answer, before on_done is called: out of memory, on_done is
            // then skipped rather than the process aborted.)
        }
    }
    Callback fn;
};

/// Fulfils a `std::promise<std::string>`.
struct PromiseCompletion final : Completion {
    void complete(authing_mfa_status status, const char* json) noexcept override {
        try {
            if (status == AUTHING_MFA_OK)
                promise.set_value(borrowed(json));
            else
                promise.set_exception(
                    std::make_exception_ptr(Error(static_cast<Status>(status), borrowed(json))));
        } catch (...) {
            // Out of memory while copying the answer: report that instead.
            // If even that fails, the destroyed promise makes get() throw
            // std::future_error (broken_promise); nothing escapes into C.
            try {
                promise.set_exception(std::current_exception());
            } catch (...) {
            }
        }
    }
    std::promise<std::string> promise;
};

/// The C callback given to `authing_mfa_call_async`: completes and frees the
/// `Completion` (its destructor runs here too, on the library thread).
inline void on_async_done(void* user_data, authing_mfa_status status, const char* json) noexcept {
    std::unique_ptr<Completion> completion(static_cast<Completion*>(user_data));
    completion->complete(status, json);
}

}  // namespace detail

}  // namespace authing_mfa

#endif  // AUTHING_MFA_ASYNC_HPP
