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

#ifndef AUTHING_MFA_HPP
#define AUTHING_MFA_HPP

#include "authing_mfa.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

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

/// The library's version at run time, e.g. "0.1.0". Compare with
/// `AUTHING_MFA_VERSION_STRING` (the header's) to detect a mismatched build.
inline std::string version() { return authing_mfa_version(); }

/// The operations the library runs (`authing_mfa_operations`), as JSON text:
/// an array, one object each in the JS SDK's order, e.g.
/// `{"name": "verifyTotpMfa", "aliases": [], "cFunction":
/// "authing_mfa_verify_totp", "keys": ["totp", "mfaToken"]}`. `name` and
/// `aliases` are what `Client::call` accepts; `keys` the keys its
/// parameter object may hold. Each has a `Client` method: the name in
/// snake_case, except the SDK's misspelt `assosicate…` (spelled
/// `associate_…`) and `associateFaceByLocalFile` and `associateFaceByBlob`,
/// both run by `associate_face_by_files`. Parse it with your JSON library.
inline std::string operations() {
    const char* list = authing_mfa_operations();  // a static string: never freed
    return list ? list : "[]";
}

/// The name of a status, e.g. "AUTHING_MFA_ERR_API".
inline std::string status_name(Status status) {
    return authing_mfa_status_name(static_cast<authing_mfa_status>(status));
}

/// Quotes `s` as a JSON string literal (with the quotes). `s` must be UTF-8;
/// the library rejects invalid UTF-8 with `Status::InvalidUtf8`, so it is
/// passed through here rather than silently repaired.
inline std::string json_quote(std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(s.size() + 2);
    out.push_back('"');
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out.push_back(hex[c >> 4]);
                out.push_back(hex[c & 0xF]);
            } else {
                out.push_back(ch);
            }
        }
    }
    out.push_back('"');
    return out;
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
/// - `json()`: the whole error JSON of the C API (it includes `data`: same
///   caution).
///
/// `what()` is "<STATUS_NAME>: <message> (code N, HTTP N)" and never includes
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
    const std::string& json() const noexcept { return details_->json; }

private:
    struct Details {
        Status status = Status::Ok;
        std::string status_name;
        std::string message;
        std::optional<long long> code;
        std::optional<long long> http_status;
        std::string data_json = "null";
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
        if (d.code || d.http_status) {
            s += " (";
            if (d.code) s += "code " + std::to_string(*d.code);
            if (d.code && d.http_status) s += ", ";
            if (d.http_status) s += "HTTP " + std::to_string(*d.http_status);
            s += ")";
        }
        return s;
    }

    static std::shared_ptr<const Details> parse(Status status, std::string error_json);

    std::shared_ptr<const Details> details_;
};

namespace detail {

/// Owns one `char *` returned by the library and frees it with
/// `authing_mfa_string_free`. It is created before the C call and the call
/// writes into `out()`, so no path (an exception while copying included)
/// can leak the string.
class OwnedString {
public:
    OwnedString() noexcept = default;
    ~OwnedString() { authing_mfa_string_free(p_); }
    OwnedString(const OwnedString&) = delete;
    OwnedString& operator=(const OwnedString&) = delete;

    char** out() noexcept { return &p_; }
    bool empty() const noexcept { return p_ == nullptr; }
    std::string str() const { return p_ ? std::string(p_) : std::string(); }

private:
    char* p_ = nullptr;
};

/// A minimal reader for the error JSON of the C API: it takes the few
/// top-level fields `Error` needs and the raw text of `data`. The input is
/// produced by the library (serde_json), but it is read defensively anyway:
/// every access is bounds-checked, nesting is skipped iteratively (no
/// recursion, so no stack exhaustion), and any surprise stops the read.
class JsonReader {
public:
    explicit JsonReader(std::string_view s) noexcept : s_(s) {}

    void ws() noexcept {
        while (i_ < s_.size() &&
               (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
            ++i_;
    }
    bool eat(char c) noexcept {
        ws();
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    bool at(char c) noexcept {
        ws();
        return i_ < s_.size() && s_[i_] == c;
    }
    bool at_number() noexcept {
        ws();
        return i_ < s_.size() && (s_[i_] == '-' || (s_[i_] >= '0' && s_[i_] <= '9'));
    }
    bool done() noexcept {
        ws();
        return i_ == s_.size();
    }

    /// Reads a string literal, decoding escapes (including \uXXXX surrogate
    /// pairs) into UTF-8.
    bool string(std::string& out) {
        out.clear();
        if (!eat('"')) return false;
        while (i_ < s_.size()) {
            const char c = s_[i_++];
            if (c == '"') return true;
            if (static_cast<unsigned char>(c) < 0x20) return false;
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (i_ >= s_.size()) return false;
            const char e = s_[i_++];
            switch (e) {
            case '"': out.push_back('"'); break;
            case '\\': out.push_back('\\'); break;
            case '/': out.push_back('/'); break;
            case 'b': out.push_back('\b'); break;
            case 'f': out.push_back('\f'); break;
            case 'n': out.push_back('\n'); break;
            case 'r': out.push_back('\r'); break;
            case 't': out.push_back('\t'); break;
            case 'u': {
                std::uint32_t cp = 0;
                if (!hex4(cp)) return false;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    std::uint32_t lo = 0;
                    if (i_ + 1 < s_.size() && s_[i_] == '\\' && s_[i_ + 1] == 'u') {
                        i_ += 2;
                        if (!hex4(lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    } else {
                        return false;
                    }
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return false;
                }
                utf8(cp, out);
                break;
            }
            default: return false;
            }
        }
        return false;
    }

    /// Reads an integer that fits a long long. A number with a fraction or an
    /// exponent, or out of range, is skipped and reported as absent.
    bool integer(std::optional<long long>& out) {
        ws();
        const std::size_t start = i_;
        if (i_ < s_.size() && s_[i_] == '-') ++i_;
        const std::size_t digits = i_;
        while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
        if (i_ == digits) return false;
        bool integral = true;
        while (i_ < s_.size() && (s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E' ||
                                  s_[i_] == '+' || s_[i_] == '-' ||
                                  (s_[i_] >= '0' && s_[i_] <= '9'))) {
            integral = false;
            ++i_;
        }
        out.reset();
        if (!integral || i_ - digits > 18) return true;  // 18 digits always fit
        long long v = 0;
        for (std::size_t k = digits; k < i_; ++k) v = v * 10 + (s_[k] - '0');
        out = (s_[start] == '-') ? -v : v;
        return true;
    }

    /// Skips one value of any type, returning its raw text in `raw`.
    bool value(std::string_view& raw) {
        ws();
        const std::size_t start = i_;
        if (i_ >= s_.size()) return false;
        const char c = s_[i_];
        if (c == '"') {
            std::string ignored;
            if (!string(ignored)) return false;
        } else if (c == '{' || c == '[') {
            std::size_t depth = 0;
            while (i_ < s_.size()) {
                const char d = s_[i_];
                if (d == '"') {
                    std::string ignored;
                    if (!string(ignored)) return false;
                    continue;
                }
                ++i_;
                if (d == '{' || d == '[') {
                    ++depth;
                } else if (d == '}' || d == ']') {
                    if (--depth == 0) break;
                }
            }
            if (depth != 0) return false;
        } else {
            // true, false, null or a number: up to the next delimiter.
            while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}' && s_[i_] != ']' &&
                   s_[i_] != ' ' && s_[i_] != '\t' && s_[i_] != '\n' && s_[i_] != '\r')
                ++i_;
            if (i_ == start) return false;
        }
        raw = s_.substr(start, i_ - start);
        return true;
    }

private:
    bool hex4(std::uint32_t& v) noexcept {
        if (s_.size() - i_ < 4) return false;
        v = 0;
        for (int k = 0; k < 4; ++k) {
            const char h = s_[i_++];
            v <<= 4;
            if (h >= '0' && h <= '9') v |= static_cast<std::uint32_t>(h - '0');
            else if (h >= 'a' && h <= 'f') v |= static_cast<std::uint32_t>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') v |= static_cast<std::uint32_t>(h - 'A' + 10);
            else return false;
        }
        return true;
    }

    static void utf8(std::uint32_t cp, std::string& out) {
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }

    std::string_view s_;
    std::size_t i_ = 0;
};

/// An error made by the wrapper itself, in the C API's error JSON shape so
/// that it reads like any other.
inline Error local_error(Status status, std::string_view message) {
    std::string json = "{\"status\":" + json_quote(status_name(status)) +
                       ",\"message\":" + json_quote(message) +
                       ",\"code\":null,\"httpStatus\":null,\"data\":null}";
    return Error(status, std::move(json));
}

/// Throws unless `status` is OK, with the error JSON the call produced.
inline void check(authing_mfa_status status, const OwnedString& error_json) {
    if (status != AUTHING_MFA_OK) throw Error(static_cast<Status>(status), error_json.str());
}

/// The C API reads NUL-terminated strings: an embedded NUL would silently
/// cut the input short (a token, a code), so it is refused instead.
inline const char* c_str(const std::string& s, std::string_view what) {
    if (s.find('\0') != std::string::npos)
        throw local_error(Status::InvalidArgument,
                          std::string(what) + " contains a NUL character");
    return s.c_str();
}

inline const char* c_str(const std::optional<std::string>& s, std::string_view what) {
    return s ? c_str(*s, what) : nullptr;
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

/// Builds a flat JSON object of string (or boolean) parameters, escaping the
/// values: `Params().set("totp", code).set("mfaToken", token)`. Converts to
/// `std::string`, so it can be passed wherever parameters are expected.
class Params {
public:
    Params& set(std::string_view key, std::string_view value) {
        return raw(key, json_quote(value));
    }
    /// A null pointer becomes JSON `null` rather than undefined behaviour.
    Params& set(std::string_view key, const char* value) {
        return value ? set(key, std::string_view(value)) : raw(key, "null");
    }
    Params& set(std::string_view key, bool value) { return raw(key, value ? "true" : "false"); }
    /// Adds an already-encoded JSON value (a number, an object…) as is.
    Params& raw(std::string_view key, std::string_view json_value) {
        body_ += body_.empty() ? "" : ",";
        body_ += json_quote(key);
        body_ += ':';
        body_ += json_value;
        return *this;
    }
    std::string str() const { return "{" + body_ + "}"; }
    operator std::string() const { return str(); }

private:
    std::string body_;
};

/// The client options (the C API's `options_json`). Empty strings and unset
/// optionals are left out, which the library reads as "not given".
struct Options {
    std::string app_host;      ///< base URL, e.g. "https://my-app.authing.cn"
    std::string host;          ///< used when app_host is empty
    std::string user_pool_id;  ///< x-authing-userpool-id
    std::string app_id;        ///< x-authing-app-id
    std::string tenant_id;     ///< x-authing-app-tenant-id
    std::string lang;          ///< "zh-CN" (library default) or "en-US"
    std::optional<long long> timeout_ms;          ///< default 30000
    std::string request_from;                     ///< default "sdk"
    std::string token;                            ///< initial user token (a secret)
    bool allow_insecure_http = false;             ///< plain http to a non-loopback host
    std::string ca_cert_pem;                      ///< extra trusted certificates
    std::optional<long long> max_response_bytes;  ///< default 4 MiB

    std::string to_json() const {
        Params p;
        const auto put = [&p](const char* key, const std::string& v) {
            if (!v.empty()) p.set(key, v);
        };
        put("appHost", app_host);
        put("host", host);
        put("userPoolId", user_pool_id);
        put("appId", app_id);
        put("tenantId", tenant_id);
        put("lang", lang);
        if (timeout_ms) p.raw("timeout", std::to_string(*timeout_ms));
        put("requestFrom", request_from);
        put("token", token);
        if (allow_insecure_http) p.set("allowInsecureHttp", true);
        put("caCertPem", ca_cert_pem);
        if (max_response_bytes) p.raw("maxResponseBytes", std::to_string(*max_response_bytes));
        return p.str();
    }
};

// --- Non-blocking calls: Result, Operation, AsyncCall ------------------------

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

/// An Authing MFA client. Movable, not copyable. A moved-from `Client` is
/// empty: `valid()` is false and every method throws `Error` with
/// `Status::NullArgument` and the message "use of a moved-from
/// authing_mfa::Client"; assigning a live client to it makes it usable again.
class Client {
public:
    /// A client from options (all defaults: Authing's public host).
    explicit Client(const Options& options = Options()) : Client(options.to_json()) {}

    /// A client from the C API's options JSON, e.g.
    /// `{"appHost":"https://x.authing.cn","userPoolId":"…","lang":"en-US"}`.
    explicit Client(const std::string& options_json) {
        detail::OwnedString err;
        const authing_mfa_status st = authing_mfa_client_new(
            detail::c_str(options_json, "options JSON"), &handle_, err.out());
        detail::check(st, err);
    }

    ~Client() { authing_mfa_client_free(handle_); }

    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    Client(Client&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    Client& operator=(Client&& other) noexcept {
        if (this != &other) {
            authing_mfa_client_free(handle_);
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }

    /// False after the client was moved from.
    bool valid() const noexcept { return handle_ != nullptr; }
    explicit operator bool() const noexcept { return valid(); }

    /// The C handle, still owned by this object (for C APIs not wrapped here).
    authing_mfa_client* native_handle() const noexcept { return handle_; }

    // --- Token state (the JS SDK's setToken / setCurrentUser / logout) -----

    /// Sets the user token sent as `Authorization: Bearer …`. "" clears it.
    void set_token(const std::string& token) {
        detail::OwnedString err;
        const authing_mfa_status st =
            authing_mfa_client_set_token_ex(live(), detail::c_str(token, "token"), err.out());
        detail::check(st, err);
    }
    void clear_token() {
        detail::OwnedString err;
        detail::check(authing_mfa_client_set_token_ex(live(), nullptr, err.out()), err);
    }

    /// Stores the current user (a JSON object); its `token`, if any, becomes
    /// the user token, and a user without one clears it.
    void set_current_user(const std::string& user_json) {
        detail::OwnedString err;
        const authing_mfa_status st = authing_mfa_client_set_current_user(
            live(), detail::c_str(user_json, "user JSON"), err.out());
        detail::check(st, err);
    }
    /// The current user as JSON, "null" when there is none.
    std::string get_current_user() const {
        detail::OwnedString out;
        check_status(authing_mfa_client_get_current_user(live(), out.out()), "get_current_user");
        return out.str();
    }
    /// Forgets the current user and the token (the JS SDK's `logout`, local only).
    void clear_current_user() { check_status(authing_mfa_client_clear_current_user(live()), "clear_current_user"); }

    // --- The operations: params and results are the C API's JSON ----------

    /// `{"type"?, "mfaToken"?, "source"?}`; none sends type=totp&source=SELF.
    std::string get_mfa_authenticators(const std::optional<std::string>& params = std::nullopt) const {
        return op(authing_mfa_get_authenticators, params);
    }
    /// `{"authenticatorType"?, "mfaToken"?, "source"?}` → `{secret, qrcode_uri, recovery_code, …}`.
    std::string associate_mfa_authenticator(const std::optional<std::string>& params = std::nullopt) const {
        return op(authing_mfa_associate_authenticator, params);
    }
    /// No parameters (none, "null" or "{}") → `{"code":200,"message":…}`.
    std::string delete_mfa_authenticator(const std::optional<std::string>& params = std::nullopt) const {
        return op(authing_mfa_delete_authenticator, params);
    }
    /// `{"totp", "authenticatorType"?, "source"?, "mfaToken"?}`. A wrong code
    /// throws `Status::HttpStatus` with `http_status()` 400.
    std::string confirm_associate_mfa_authenticator(const std::string& params) const {
        return op(authing_mfa_confirm_associate_authenticator, params);
    }
    /// `{"totp", "mfaToken"}` → the user with `token`. Wrong or replayed:
    /// `Status::Api`, `code()` 6001.
    std::string verify_totp_mfa(const std::string& params) const {
        return op(authing_mfa_verify_totp, params);
    }
    /// `{"recoveryCode", "mfaToken"}` → `{"user", "recoveryCode": new}`.
    /// Wrong or used: `Status::Api`, `code()` 6002.
    std::string verify_totp_recovery_code(const std::string& params) const {
        return op(authing_mfa_verify_totp_recovery_code, params);
    }
    /// `{"phone", "code", "mfaToken", "phoneCountryCode"?}` → the user.
    std::string verify_app_sms_mfa(const std::string& params) const {
        return op(authing_mfa_verify_app_sms, params);
    }
    /// `{"email", "code", "mfaToken"}` → the user.
    std::string verify_app_email_mfa(const std::string& params) const {
        return op(authing_mfa_verify_app_email, params);
    }
    /// `{"phone"?, "email"?, "mfaToken"}` → whether they can be bound.
    bool phone_or_email_bindable(const std::string& params) const {
        const std::string r = op(authing_mfa_phone_or_email_bindable, params);
        detail::JsonReader reader(r);
        std::string_view v;
        if (reader.value(v) && reader.done()) {
            if (v == "true") return true;
            if (v == "false") return false;
        }
        throw detail::local_error(Status::Decode, "phoneOrEmailBindable: the result is not a boolean");
    }
    /// `{"baseFace": url, "compareFace": url, "mfaToken"?}` → the user.
    std::string associate_face_by_url(const std::string& params) const {
        return op(authing_mfa_associate_face_by_url, params);
    }
    /// `{"baseFace": path, "compareFace"?: path, "mfaToken"?}` → the user.
    std::string associate_face_by_files(const std::string& params) const {
        return op(authing_mfa_associate_face_by_files, params);
    }
    /// `{"photo", "mfaToken"}` → the user with `token`.
    std::string verify_face_mfa(const std::string& params) const {
        return op(authing_mfa_verify_face, params);
    }
    /// Any operation by its JS method name (e.g. "verifyTotpMfa").
    std::string call(const std::string& method,
                     const std::optional<std::string>& params = std::nullopt) const {
        detail::OwnedString result;
        detail::OwnedString err;
        const authing_mfa_status st =
            authing_mfa_call(live(), detail::c_str(method, "method"),
                             detail::c_str(params, "params JSON"), result.out(), err.out());
        detail::check(st, err);
        return result.str();
    }

    // --- Non-blocking forms ------------------------------------------------
    //
    // Both forms return at once; the call runs on the library's I/O threads.
    // The client may be destroyed while its calls are in flight (they keep
    // what they need and complete). Parameter errors (bad JSON, a missing
    // key) arrive as the call's error, like every other failure.

    /// Starts `method` (a JS SDK name such as "verifyTotpMfa", as for
    /// `call`) and returns at once. `on_done` is then called exactly once,
    /// with the result JSON or the `Error` (including `Status::Cancelled`
    /// after `Operation::cancel()`, and `Status::Shutdown`).
    ///
    /// `on_done` runs on a library thread (possibly before `call_async`
    /// returns), and is destroyed there right after it returns. It must
    /// return promptly and must not block: a blocking method called from it
    /// throws `Error` with `Status::WouldDeadlock`, and waiting there on a
    /// future of another call can stall the library's two I/O threads. It
    /// may start more non-blocking calls and cancel or drop `Operation`s.
    ///
    /// Exceptions: if `on_done` throws, the exception is caught and dropped
    /// (it must not unwind into the C library, and std::terminate would be
    /// worse); catch inside `on_done` if you need to react.
    ///
    /// Throws `Error` (and `on_done` is then never called, and destroyed
    /// before this returns) when the call is refused at once: an unknown
    /// method (`Status::InvalidArgument`), a NUL character in `method` or
    /// `params`, an empty `on_done` or a moved-from client
    /// (`Status::NullArgument`), after `shutdown` (`Status::Shutdown`).
    Operation call_async(const std::string& method, const std::optional<std::string>& params,
                         Callback on_done) const {
        if (!on_done)
            throw detail::local_error(Status::NullArgument, "call_async: on_done is empty");
        return start(method, params, std::make_unique<detail::FunctionCompletion>(std::move(on_done)));
    }

    /// Starts `method` like `call_async` and returns its future with the
    /// handle to cancel it. `result.get()` returns the result JSON or
    /// throws `Error` (`Status::Cancelled` after `cancel()`).
    ///
    /// Unlike `call_async`, a call refused at once does not throw here: the
    /// `Error` is stored in the future (and `op` is empty), so one `catch`
    /// around `get()` sees every failure. Do not `get()` or `wait()` from
    /// inside a library callback.
    AsyncCall call_future(const std::string& method,
                          const std::optional<std::string>& params = std::nullopt) const {
        auto completion = std::make_unique<detail::PromiseCompletion>();
        std::future<std::string> result = completion->promise.get_future();
        try {
            Operation op = start(method, params, std::move(completion));
            return AsyncCall{std::move(result), std::move(op)};
        } catch (const Error&) {
            // `completion` (and its promise) is gone: a fresh future holds the error.
            std::promise<std::string> refused;
            refused.set_exception(std::current_exception());
            return AsyncCall{refused.get_future(), Operation()};
        }
    }

    // Per-operation non-blocking forms: `<operation>_async(params, on_done)`
    // as `call_async`, and `<operation>_future(params)` as `call_future`,
    // with the parameters and results of the blocking method of the same
    // name. (`phone_or_email_bindable` has none: use
    // `call_async("phoneOrEmailBindable", …)`, whose result is "true" or
    // "false".)

    Operation get_mfa_authenticators_async(const std::optional<std::string>& params, Callback on_done) const {
        return call_async("getMfaAuthenticators", params, std::move(on_done));
    }
    AsyncCall get_mfa_authenticators_future(const std::optional<std::string>& params = std::nullopt) const {
        return call_future("getMfaAuthenticators", params);
    }
    Operation associate_mfa_authenticator_async(const std::optional<std::string>& params, Callback on_done) const {
        return call_async("associateMfaAuthenticator", params, std::move(on_done));
    }
    AsyncCall associate_mfa_authenticator_future(const std::optional<std::string>& params = std::nullopt) const {
        return call_future("associateMfaAuthenticator", params);
    }
    Operation delete_mfa_authenticator_async(const std::optional<std::string>& params, Callback on_done) const {
        return call_async("deleteMfaAuthenticator", params, std::move(on_done));
    }
    AsyncCall delete_mfa_authenticator_future(const std::optional<std::string>& params = std::nullopt) const {
        return call_future("deleteMfaAuthenticator", params);
    }
    Operation confirm_associate_mfa_authenticator_async(const std::string& params, Callback on_done) const {
        return call_async("confirmAssociateMfaAuthenticator", params, std::move(on_done));
    }
    AsyncCall confirm_associate_mfa_authenticator_future(const std::string& params) const {
        return call_future("confirmAssociateMfaAuthenticator", params);
    }
    Operation verify_totp_mfa_async(const std::string& params, Callback on_done) const {
        return call_async("verifyTotpMfa", params, std::move(on_done));
    }
    AsyncCall verify_totp_mfa_future(const std::string& params) const {
        return call_future("verifyTotpMfa", params);
    }
    Operation verify_totp_recovery_code_async(const std::string& params, Callback on_done) const {
        return call_async("verifyTotpRecoveryCode", params, std::move(on_done));
    }
    AsyncCall verify_totp_recovery_code_future(const std::string& params) const {
        return call_future("verifyTotpRecoveryCode", params);
    }
    Operation verify_app_sms_mfa_async(const std::string& params, Callback on_done) const {
        return call_async("verifyAppSmsMfa", params, std::move(on_done));
    }
    AsyncCall verify_app_sms_mfa_future(const std::string& params) const {
        return call_future("verifyAppSmsMfa", params);
    }
    Operation verify_app_email_mfa_async(const std::string& params, Callback on_done) const {
        return call_async("verifyAppEmailMfa", params, std::move(on_done));
    }
    AsyncCall verify_app_email_mfa_future(const std::string& params) const {
        return call_future("verifyAppEmailMfa", params);
    }
    Operation associate_face_by_url_async(const std::string& params, Callback on_done) const {
        return call_async("associateFaceByUrl", params, std::move(on_done));
    }
    AsyncCall associate_face_by_url_future(const std::string& params) const {
        return call_future("associateFaceByUrl", params);
    }
    Operation associate_face_by_files_async(const std::string& params, Callback on_done) const {
        return call_async("associateFaceByLocalFile", params, std::move(on_done));
    }
    AsyncCall associate_face_by_files_future(const std::string& params) const {
        return call_future("associateFaceByLocalFile", params);
    }
    Operation verify_face_mfa_async(const std::string& params, Callback on_done) const {
        return call_async("verifyFaceMfa", params, std::move(on_done));
    }
    AsyncCall verify_face_mfa_future(const std::string& params) const {
        return call_future("verifyFaceMfa", params);
    }

private:
    /// Hands `completion` to `authing_mfa_call_async`. Until the C call
    /// accepts, the unique_ptr owns it, so every refusal (a throw from
    /// c_str or live(), or a refused status) frees it here; once accepted,
    /// ownership passes to `detail::on_async_done`, which frees it after the
    /// one callback. (The callback may already have run and freed it before
    /// `release()`: `release()` only forgets the pointer.)
    Operation start(const std::string& method, const std::optional<std::string>& params,
                    std::unique_ptr<detail::Completion> completion) const {
        authing_mfa_client* const client = live();
        const char* const m = detail::c_str(method, "method");
        const char* const p = detail::c_str(params, "params JSON");
        authing_mfa_op* op = nullptr;
        detail::OwnedString err;
        const authing_mfa_status st = authing_mfa_call_async_ex(client, m, p, &detail::on_async_done,
                                                                completion.get(), &op, err.out());
        detail::check(st, err);  // refused: the callback never fires, `completion` frees it
        static_cast<void>(completion.release());
        return Operation(op);
    }

    using OpFn = authing_mfa_status (*)(const authing_mfa_client*, const char*, char**, char**);

    authing_mfa_client* live() const {
        if (!handle_)
            throw detail::local_error(Status::NullArgument,
                                      "use of a moved-from authing_mfa::Client");
        return handle_;
    }

    // For the calls that give no error JSON (get_current_user,
    // clear_current_user): their only failures are a NULL client (ruled out
    // by live()) and a caught panic.
    static void check_status(authing_mfa_status st, std::string_view what) {
        if (st == AUTHING_MFA_OK) return;
        throw detail::local_error(static_cast<Status>(st), std::string(what) + " failed");
    }

    std::string op(OpFn fn, const std::optional<std::string>& params) const {
        detail::OwnedString result;
        detail::OwnedString err;
        const authing_mfa_status st =
            fn(live(), detail::c_str(params, "params JSON"), result.out(), err.out());
        detail::check(st, err);
        return result.str();
    }

    authing_mfa_client* handle_ = nullptr;
};

// --- Logging and shutdown (process-wide) -------------------------------------

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

// --- TOTP helpers (tests, tools) --------------------------------------------

/// The 6-digit TOTP code for a base32 secret at `unix_time` (seconds).
inline std::string totp_generate(const std::string& secret_base32, std::int64_t unix_time) {
    detail::OwnedString code;
    detail::OwnedString err;
    const authing_mfa_status st = authing_mfa_totp_generate(
        detail::c_str(secret_base32, "secret"), unix_time, code.out(), err.out());
    detail::check(st, err);
    return code.str();
}

/// The TOTP code for a base32 secret now (the system clock).
inline std::string totp_generate(const std::string& secret_base32) {
    detail::OwnedString code;
    detail::OwnedString err;
    const authing_mfa_status st =
        authing_mfa_totp_generate_now(detail::c_str(secret_base32, "secret"), code.out(), err.out());
    detail::check(st, err);
    return code.str();
}

/// Parses an `otpauth://totp/…` URI into
/// `{"secret","issuer","account","digits","period","algorithm"}` JSON.
inline std::string totp_parse_uri(const std::string& otpauth_uri) {
    detail::OwnedString out;
    detail::OwnedString err;
    const authing_mfa_status st =
        authing_mfa_totp_parse_uri(detail::c_str(otpauth_uri, "URI"), out.out(), err.out());
    detail::check(st, err);
    return out.str();
}

}  // namespace authing_mfa

#endif  // AUTHING_MFA_HPP
