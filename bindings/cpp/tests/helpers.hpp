// Helpers shared by the test files.
#pragma once

#include "authing_mfa.hpp"
#include "devserver.hpp"

#include <initializer_list>
#include <stdexcept>
#include <string>

namespace testsupport {

/// Runs `f`, which must throw authing_mfa::Error, and returns the error.
/// Anything else (no exception, another type) fails the test.
template <class F>
authing_mfa::Error catch_error(F&& f) {
    try {
        f();
    } catch (const authing_mfa::Error& e) {
        return e;
    }
    throw std::runtime_error("expected an authing_mfa::Error, but nothing was thrown");
}

/// No secret may appear in what() or message() of an error.
inline void expect_no_secrets(const authing_mfa::Error& e, std::initializer_list<std::string> secrets) {
    const std::string what = e.what();
    for (const std::string& s : secrets) {
        if (s.empty()) continue;
        EXPECT_EQ(what.find(s), std::string::npos) << "what() leaks a secret: " << what;
        EXPECT_EQ(e.message().find(s), std::string::npos) << "message() leaks a secret";
    }
}

/// The TOTP code for `secret` at the server's (shiftable) clock.
inline std::string code_now(const std::string& secret) {
    return authing_mfa::totp_generate(secret, server_now());
}

/// A 6-digit code that is valid for none of the steps the server accepts
/// (now and one step either side).
inline std::string wrong_code(const std::string& secret) {
    const auto now = server_now();
    const std::string a = authing_mfa::totp_generate(secret, now - 30);
    const std::string b = authing_mfa::totp_generate(secret, now);
    const std::string c = authing_mfa::totp_generate(secret, now + 30);
    for (int n = 0;; ++n) {
        std::string w = std::to_string(100000 + n);
        if (w != a && w != b && w != c) return w;
    }
}

/// Creates a user with a username and password and returns the username.
inline std::string new_user(const std::string& password, json extra = json::object()) {
    const std::string username = unique("cppuser");
    extra["username"] = username;
    extra["password"] = password;
    create_user(extra);
    return username;
}

/// Logs in a user without MFA: returns its user token.
inline std::string login_token(const std::string& account, const std::string& password) {
    const json env = dev_login(account, password);
    if (env.value("code", 0) != 200) throw std::runtime_error("login failed: " + env.dump());
    return env["data"]["token"].get<std::string>();
}

/// Logs in a user with MFA: returns the mfaToken of the 1635 answer.
inline std::string login_mfa_token(const std::string& account, const std::string& password) {
    const json env = dev_login(account, password);
    if (env.value("code", 0) != 1635) throw std::runtime_error("expected 1635, got " + env.dump());
    return env["data"]["mfaToken"].get<std::string>();
}

}  // namespace testsupport
