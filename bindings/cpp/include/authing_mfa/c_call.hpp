// authing_mfa/c_call.hpp: the plumbing of one C call, used by every
// wrapper function that calls the C API: strings in (`detail::c_str`, which
// refuses an embedded NUL), strings out (`detail::OwnedString`, which frees
// what the library returns on every path) and the status out
// (`detail::check`, which throws the call's `Error`).
// Part of the C++ wrapper; include <authing_mfa.hpp> for all of it.

#ifndef AUTHING_MFA_C_CALL_HPP
#define AUTHING_MFA_C_CALL_HPP

#include "authing_mfa.h"
#include "authing_mfa/error.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace authing_mfa {

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

}  // namespace authing_mfa

#endif  // AUTHING_MFA_C_CALL_HPP
