// authing_mfa/totp.hpp: the TOTP helpers (tests, tools): `totp_generate`
// and `totp_parse_uri`. They need no client and send nothing.
// Part of the C++ wrapper; include <authing_mfa.hpp> for all of it.

#ifndef AUTHING_MFA_TOTP_HPP
#define AUTHING_MFA_TOTP_HPP

#include "authing_mfa.h"
#include "authing_mfa/c_call.hpp"

#include <cstdint>
#include <string>

namespace authing_mfa {

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

#endif  // AUTHING_MFA_TOTP_HPP
