// authing_mfa/error.hpp: statuses and errors. `Status` (the C API's
// statuses as a scoped enum), `status_name`, the `Error` exception every
// failure throws (read from the C API's error JSON), and
// `detail::local_error` for the failures the wrapper finds itself.
// Part of the C++ wrapper; include <authing_mfa.hpp> for all of it.

#ifndef AUTHING_MFA_ERROR_HPP
#define AUTHING_MFA_ERROR_HPP

#include "authing_mfa.h"
#include "authing_mfa/json.hpp"

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace authing_mfa {

/// The statuses of the C API as a scoped enum. The values are the C macros
/// themselves, so they cannot drift; a status this enum does not name (from a
/// newer library) still round-trips through `Status` unchanged.
enum class Status : authing_mfa_status {
    Ok = AUTHING_MFA_OK,
    NullArgument = AUTHING_MFA_ERR_NULL_ARGUMENT,
    InvalidUtf8 = AUTHING_MFA_ERR_INVALID_UTF8,
    InvalidJson = AUTHING_MFA_ERR_INVALID_JSON,
    InvalidArgument = AUTHING_MFA_ERR_INVALID_ARGUMENT,
    Api = AUTHING_MFA_ERR_API,
    HttpStatus = AUTHING_MFA_ERR_HTTP_STATUS,
    Network = AUTHING_MFA_ERR_NETWORK,
    Timeout = AUTHING_MFA_ERR_TIMEOUT,
    Decode = AUTHING_MFA_ERR_DECODE,
    Io = AUTHING_MFA_ERR_IO,
    Cancelled = AUTHING_MFA_ERR_CANCELLED,
    Shutdown = AUTHING_MFA_ERR_SHUTDOWN,
    WouldDeadlock = AUTHING_MFA_ERR_WOULD_DEADLOCK,
    /// A call in a child process forked after the library's first use.
    Forked = AUTHING_MFA_ERR_FORKED,
    Panic = AUTHING_MFA_ERR_PANIC,
};

/// The name of a status, e.g. "AUTHING_MFA_ERR_API".
inline std::string status_name(Status status) {
    return authing_mfa_status_name(static_cast<authing_mfa_status>(status));
}

/// An error from the library, or from this wrapper's own checks.
///
/// - `status()`: the C status (`Status::Api`, `Status::Network`, …);
/// - `code()`: the Authing code (6001 wrong TOTP, 6002 wrong recovery code,
///   1635 MFA required, 400 at confirm, …) when the server sent one;
/// - `http_status()`: when there was an HTTP answer;
/// - `message()`: the library's or server's sentence (no secrets);
/// - `data_json()`: the envelope's `data` as JSON text, `"null"` when none.
///   It MAY HOLD SECRETS (the `mfaToken` of a 1635 answer): do not log it;
/// - `request_id()`: the `requestId` of a failed v3 answer (Authing's
///   reference for a support request), when it sent one;
/// - `json()`: the whole error JSON of the C API (it includes `data`: same
///   caution).
///
/// `what()` is "<STATUS_NAME>: <message> (code N, HTTP N, request ID)" and never includes
/// `data`. Copying an `Error` never throws (the details are shared).
class Error : public std::runtime_error {
public:
    /// Builds an error from a C status and the C API's error JSON (which may
    /// be empty when the library gave none). Unreadable JSON never throws
    /// here: the fields it would have given are simply absent.
    Error(Status status, std::string error_json)
        : Error(parse(status, std::move(error_json))) {}

    Status status() const noexcept { return details_->status; }
    const std::string& status_name() const noexcept { return details_->status_name; }
    const std::string& message() const noexcept { return details_->message; }
    std::optional<long long> code() const noexcept { return details_->code; }
    std::optional<long long> http_status() const noexcept { return details_->http_status; }
    const std::string& data_json() const noexcept { return details_->data_json; }
    const std::optional<std::string>& request_id() const noexcept { return details_->request_id; }
    const std::string& json() const noexcept { return details_->json; }

private:
    struct Details {
        Status status = Status::Ok;
        std::string status_name;
        std::string message;
        std::optional<long long> code;
        std::optional<long long> http_status;
        std::string data_json = "null";
        std::optional<std::string> request_id;
        std::string json;
    };

    explicit Error(std::shared_ptr<const Details> d)
        : std::runtime_error(describe(*d)), details_(std::move(d)) {}

    static std::string describe(const Details& d) {
        std::string s = d.status_name;
        if (!d.message.empty()) {
            s += ": ";
            s += d.message;
        }
        if (d.code || d.http_status || d.request_id) {
            std::string sep;
            s += " (";
            if (d.code) s += "code " + std::to_string(*d.code), sep = ", ";
            if (d.http_status) s += sep + "HTTP " + std::to_string(*d.http_status), sep = ", ";
            if (d.request_id) s += sep + "request " + *d.request_id;
            s += ")";
        }
        return s;
    }

    static std::shared_ptr<const Details> parse(Status status, std::string error_json);

    std::shared_ptr<const Details> details_;
};

namespace detail {

/// An error made by the wrapper itself, in the C API's error JSON shape so
/// that it reads like any other.
inline Error local_error(Status status, std::string_view message) {
    std::string json = "{\"status\":" + json_quote(status_name(status)) +
                       ",\"message\":" + json_quote(message) +
                       ",\"code\":null,\"httpStatus\":null,\"data\":null}";
    return Error(status, std::move(json));
}

}  // namespace detail

inline std::shared_ptr<const Error::Details> Error::parse(Status status, std::string error_json) {
    auto d = std::make_shared<Details>();
    d->status = status;
    d->status_name = authing_mfa::status_name(status);
    detail::JsonReader r(error_json);
    if (r.eat('{') && !r.eat('}')) {
        std::string key;
        std::string text;
        std::optional<long long> number;
        std::string_view raw;
        for (;;) {
            if (!r.string(key) || !r.eat(':')) break;
            bool ok = true;
            if (key == "message" && r.at('"')) {
                ok = r.string(text);
                if (ok) d->message = text;
            } else if (key == "requestId" && r.at('"')) {
                ok = r.string(text);
                if (ok) d->request_id = text;
            } else if ((key == "code" || key == "httpStatus") && r.at_number()) {
                ok = r.integer(number);
                if (ok) (key == "code" ? d->code : d->http_status) = number;
            } else {
                ok = r.value(raw);
                if (ok && key == "data") d->data_json = std::string(raw);
            }
            if (!ok || !r.eat(',')) break;
        }
    }
    d->json = std::move(error_json);
    return d;
}

}  // namespace authing_mfa

#endif  // AUTHING_MFA_ERROR_HPP
