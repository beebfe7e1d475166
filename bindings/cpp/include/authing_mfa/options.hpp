// authing_mfa/options.hpp: `Options`, the client options as a struct,
// written as the C API's options JSON.
// Part of the C++ wrapper; include <authing_mfa.hpp> for all of it.

#ifndef AUTHING_MFA_OPTIONS_HPP
#define AUTHING_MFA_OPTIONS_HPP

#include "authing_mfa/json.hpp"

#include <optional>
#include <string>

namespace authing_mfa {

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
    /// How often a GET (get_mfa_authenticators, logout, the .well-known key
    /// of the password logins) is retried after a network failure or an
    /// answer of 429, 502, 503 or 504, within the timeout: 0 to 10, default
    /// 2. POST and DELETE operations are never retried.
    std::optional<int> max_retries;
    /// RSA public key (PEM or base64 DER) password logins encrypt with;
    /// empty: the server's /api/v2/.well-known key, fetched once per client.
    std::string public_key;
    /// The initial v3 access token (a secret), as `Client::set_access_token`.
    std::string access_token;
    /// The application's secret for `Client::sign_in_by_credentials` (a
    /// native app should hold none: leave it and the next one empty).
    std::string app_secret;
    /// How `sign_in_by_credentials` authenticates the application:
    /// "client_secret_post" (the default with `app_secret`),
    /// "client_secret_basic" (needs `app_secret`) or "none" (the default
    /// without).
    std::string token_end_point_auth_method;

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
        if (max_retries) p.raw("maxRetries", std::to_string(*max_retries));
        put("publicKey", public_key);
        put("accessToken", access_token);
        put("appSecret", app_secret);
        put("tokenEndPointAuthMethod", token_end_point_auth_method);
        return p.str();
    }
};

}  // namespace authing_mfa

#endif  // AUTHING_MFA_OPTIONS_HPP
