// authing_mfa/client.hpp: `Client`, an Authing MFA client: its options
// and token state, and every operation in its blocking, `_async` and
// `_future` forms, with `call`, `call_async` and `call_future` for any
// operation by its JS name.
// Part of the C++ wrapper; include <authing_mfa.hpp> for all of it.

#ifndef AUTHING_MFA_CLIENT_HPP
#define AUTHING_MFA_CLIENT_HPP

#include "authing_mfa.h"
#include "authing_mfa/async.hpp"
#include "authing_mfa/c_call.hpp"
#include "authing_mfa/error.hpp"
#include "authing_mfa/json.hpp"
#include "authing_mfa/operations.hpp"
#include "authing_mfa/options.hpp"

#include <exception>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace authing_mfa {

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

    /// Sets the v3 access token (authing-node-sdk's `setAccessToken`), sent
    /// raw in `authorization` by the v3 factor methods; "" clears it.
    /// `sign_in_by_credentials` sets it from its answer, `Options::access_token`
    /// at creation. A token HTTP headers cannot carry throws `Error` with
    /// `Status::InvalidArgument`.
    void set_access_token(const std::string& access_token) {
        detail::OwnedString err;
        const authing_mfa_status st = authing_mfa_client_set_access_token(
            live(), detail::c_str(access_token, "access token"), err.out());
        detail::check(st, err);
    }
    void clear_access_token() {
        detail::OwnedString err;
        detail::check(authing_mfa_client_set_access_token(live(), nullptr, err.out()), err);
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
    //
    // Each operation has three forms, kept together under the blocking
    // method's comment: the blocking method, `<operation>_async(params,
    // on_done)` as `call_async`, and `<operation>_future(params)` as
    // `call_future`, the last two with the parameters and results of the
    // blocking method. (`phone_or_email_bindable` has no non-blocking form:
    // use `call_async("phoneOrEmailBindable", …)`, whose result is "true" or
    // "false".) Every form names the operation's `detail::op` entry
    // (authing_mfa/operations.hpp: its JS name and C function) and leaves the
    // rest to `run`, `run_async` or `run_future`.

    /// `{"type"?, "mfaToken"?, "source"?}`; none sends type=totp&source=SELF.
    std::string get_mfa_authenticators(const std::optional<std::string>& params = std::nullopt) const {
        return run(detail::op::get_mfa_authenticators, params);
    }
    Operation get_mfa_authenticators_async(const std::optional<std::string>& params, Callback on_done) const {
        return run_async(detail::op::get_mfa_authenticators, params, std::move(on_done));
    }
    AsyncCall get_mfa_authenticators_future(const std::optional<std::string>& params = std::nullopt) const {
        return run_future(detail::op::get_mfa_authenticators, params);
    }

    /// `{"authenticatorType"?, "mfaToken"?, "source"?}` → `{secret, qrcode_uri, recovery_code, …}`.
    std::string associate_mfa_authenticator(const std::optional<std::string>& params = std::nullopt) const {
        return run(detail::op::associate_mfa_authenticator, params);
    }
    Operation associate_mfa_authenticator_async(const std::optional<std::string>& params, Callback on_done) const {
        return run_async(detail::op::associate_mfa_authenticator, params, std::move(on_done));
    }
    AsyncCall associate_mfa_authenticator_future(const std::optional<std::string>& params = std::nullopt) const {
        return run_future(detail::op::associate_mfa_authenticator, params);
    }

    /// No parameters (none, "null" or "{}") → `{"code":200,"message":…}`.
    std::string delete_mfa_authenticator(const std::optional<std::string>& params = std::nullopt) const {
        return run(detail::op::delete_mfa_authenticator, params);
    }
    Operation delete_mfa_authenticator_async(const std::optional<std::string>& params, Callback on_done) const {
        return run_async(detail::op::delete_mfa_authenticator, params, std::move(on_done));
    }
    AsyncCall delete_mfa_authenticator_future(const std::optional<std::string>& params = std::nullopt) const {
        return run_future(detail::op::delete_mfa_authenticator, params);
    }

    /// `{"totp", "authenticatorType"?, "source"?, "mfaToken"?}`. A wrong code
    /// throws `Status::HttpStatus` with `http_status()` 400.
    std::string confirm_associate_mfa_authenticator(const std::string& params) const {
        return run(detail::op::confirm_associate_mfa_authenticator, params);
    }
    Operation confirm_associate_mfa_authenticator_async(const std::string& params, Callback on_done) const {
        return run_async(detail::op::confirm_associate_mfa_authenticator, params, std::move(on_done));
    }
    AsyncCall confirm_associate_mfa_authenticator_future(const std::string& params) const {
        return run_future(detail::op::confirm_associate_mfa_authenticator, params);
    }

    /// `{"totp", "mfaToken"}` → the user with `token`. Wrong or replayed:
    /// `Status::Api`, `code()` 6001.
    std::string verify_totp_mfa(const std::string& params) const {
        return run(detail::op::verify_totp_mfa, params);
    }
    Operation verify_totp_mfa_async(const std::string& params, Callback on_done) const {
        return run_async(detail::op::verify_totp_mfa, params, std::move(on_done));
    }
    AsyncCall verify_totp_mfa_future(const std::string& params) const {
        return run_future(detail::op::verify_totp_mfa, params);
    }

    /// `{"recoveryCode", "mfaToken"}` → `{"user", "recoveryCode": new}`.
    /// Wrong or used: `Status::Api`, `code()` 6002.
    std::string verify_totp_recovery_code(const std::string& params) const {
        return run(detail::op::verify_totp_recovery_code, params);
    }
    Operation verify_totp_recovery_code_async(const std::string& params, Callback on_done) const {
        return run_async(detail::op::verify_totp_recovery_code, params, std::move(on_done));
    }
    AsyncCall verify_totp_recovery_code_future(const std::string& params) const {
        return run_future(detail::op::verify_totp_recovery_code, params);
    }

    /// `{"phone", "code", "mfaToken", "phoneCountryCode"?}` → the user.
    std::string verify_app_sms_mfa(const std::string& params) const {
        return run(detail::op::verify_app_sms_mfa, params);
    }
    Operation verify_app_sms_mfa_async(const std::string& params, Callback on_done) const {
        return run_async(detail::op::verify_app_sms_mfa, params, std::move(on_done));
    }
    AsyncCall verify_app_sms_mfa_future(const std::string& params) const {
        return run_future(detail::op::verify_app_sms_mfa, params);
    }

    /// `{"email", "code", "mfaToken"}` → the user.
    std::string verify_app_email_mfa(const std::string& params) const {
        return run(detail::op::verify_app_email_mfa, params);
    }
    Operation verify_app_email_mfa_async(const std::string& params, Callback on_done) const {
        return run_async(detail::op::verify_app_email_mfa, params, std::move(on_done));
    }
    AsyncCall verify_app_email_mfa_future(const std::string& params) const {
        return run_future(detail::op::verify_app_email_mfa, params);
    }

    /// `{"phone"?, "email"?, "mfaToken"}` → whether they can be bound.
    bool phone_or_email_bindable(const std::string& params) const {
        const std::string r = run(detail::op::phone_or_email_bindable, params);
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
        return run(detail::op::associate_face_by_url, params);
    }
    Operation associate_face_by_url_async(const std::string& params, Callback on_done) const {
        return run_async(detail::op::associate_face_by_url, params, std::move(on_done));
    }
    AsyncCall associate_face_by_url_future(const std::string& params) const {
        return run_future(detail::op::associate_face_by_url, params);
    }

    /// `{"baseFace": path, "compareFace"?: path, "mfaToken"?}` → the user.
    std::string associate_face_by_files(const std::string& params) const {
        return run(detail::op::associate_face_by_files, params);
    }
    Operation associate_face_by_files_async(const std::string& params, Callback on_done) const {
        return run_async(detail::op::associate_face_by_files, params, std::move(on_done));
    }
    AsyncCall associate_face_by_files_future(const std::string& params) const {
        return run_future(detail::op::associate_face_by_files, params);
    }

    /// `{"photo", "mfaToken"}` → the user with `token`.
    std::string verify_face_mfa(const std::string& params) const {
        return run(detail::op::verify_face_mfa, params);
    }
    Operation verify_face_mfa_async(const std::string& params, Callback on_done) const {
        return run_async(detail::op::verify_face_mfa, params, std::move(on_done));
    }
    AsyncCall verify_face_mfa_future(const std::string& params) const {
        return run_future(detail::op::verify_face_mfa, params);
    }

    // --- The first factor (issue #12) ----------------------------------------
    //
    // A login that needs a second factor throws `Error` with `Status::Api`,
    // `code()` 1635 (the user's own MFA) or 1636 (the application's), and
    // `data()` as the server sent it: its `mfaToken` is what
    // `verify_totp_mfa` and the other verify methods take. A successful
    // login makes the user the current user (`get_current_user()`), its
    // token the user token. Passwords are RSA-encrypted with
    // `Options::public_key` or the server's `/api/v2/.well-known` key; one
    // too long for RSA throws `Status::InvalidArgument` before any request.

    /// `{"email", "password", "autoRegister"?, "captchaCode"?, "clientIp"?,
    /// "customData"?: {…}, "context"?: {…}}` → the user with `token`.
    std::string login_by_email(const std::string& params) const {
        return run(detail::op::login_by_email, params);
    }
    Operation login_by_email_async(const std::string& params, Callback on_done) const {
        return run_async(detail::op::login_by_email, params, std::move(on_done));
    }
    AsyncCall login_by_email_future(const std::string& params) const {
        return run_future(detail::op::login_by_email, params);
    }

    /// `{"username", "password"}` and the options of `login_by_email` → the user.
    std::string login_by_username(const std::string& params) const {
        return run(detail::op::login_by_username, params);
    }
    Operation login_by_username_async(const std::string& params, Callback on_done) const {
        return run_async(detail::op::login_by_username, params, std::move(on_done));
    }
    AsyncCall login_by_username_future(const std::string& params) const {
        return run_future(detail::op::login_by_username, params);
    }

    /// `{"phone", "password"}` and the options of `login_by_email` → the user.
    std::string login_by_phone_password(const std::string& params) const {
        return run(detail::op::login_by_phone_password, params);
    }
    Operation login_by_phone_password_async(const std::string& params, Callback on_done) const {
        return run_async(detail::op::login_by_phone_password, params, std::move(on_done));
    }
    AsyncCall login_by_phone_password_future(const std::string& params) const {
        return run_future(detail::op::login_by_phone_password, params);
    }

    /// `{"phone", "code", "phoneCountryCode"?, "clientIp"?, "customData"?,
    /// "context"?}` → the user (send the code with `send_sms_code`, scene "login").
    std::string login_by_phone_code(const std::string& params) const {
        return run(detail::op::login_by_phone_code, params);
    }
    Operation login_by_phone_code_async(const std::string& params, Callback on_done) const {
        return run_async(detail::op::login_by_phone_code, params, std::move(on_done));
    }
    AsyncCall login_by_phone_code_future(const std::string& params) const {
        return run_future(detail::op::login_by_phone_code, params);
    }

    /// `{"email", "code", "phoneCountryCode"?, "clientIp"?, "customData"?,
    /// "context"?}` → the user (sent without a token, as in the JS SDK; send
    /// the code with `send_email`, scene "LOGIN_VERIFY_CODE").
    std::string login_by_email_code(const std::string& params) const {
        return run(detail::op::login_by_email_code, params);
    }
    Operation login_by_email_code_async(const std::string& params, Callback on_done) const {
        return run_async(detail::op::login_by_email_code, params, std::move(on_done));
    }
    AsyncCall login_by_email_code_future(const std::string& params) const {
        return run_future(detail::op::login_by_email_code, params);
    }

    /// `{"phone", "phoneCountryCode"?, "scene"?}` (scene "mfa-verify" for the
    /// MFA stage, "login" for `login_by_phone_code`) → the server's `data`.
    std::string send_sms_code(const std::string& params) const {
        return run(detail::op::send_sms_code, params);
    }
    Operation send_sms_code_async(const std::string& params, Callback on_done) const {
        return run_async(detail::op::send_sms_code, params, std::move(on_done));
    }
    AsyncCall send_sms_code_future(const std::string& params) const {
        return run_future(detail::op::send_sms_code, params);
    }

    /// `{"email", "scene"}` (scene "MFA_VERIFY_CODE" for the MFA stage,
    /// "LOGIN_VERIFY_CODE" for `login_by_email_code`) → `{"message", "code"}`.
    std::string send_email(const std::string& params) const {
        return run(detail::op::send_email, params);
    }
    Operation send_email_async(const std::string& params, Callback on_done) const {
        return run_async(detail::op::send_email, params, std::move(on_done));
    }
    AsyncCall send_email_future(const std::string& params) const {
        return run_future(detail::op::send_email, params);
    }

    /// No parameters → the server's `{"code", "message"}`; the current user
    /// and token are cleared only then (`clear_current_user` is local only).
    std::string logout(const std::optional<std::string>& params = std::nullopt) const {
        return run(detail::op::logout, params);
    }
    Operation logout_async(const std::optional<std::string>& params, Callback on_done) const {
        return run_async(detail::op::logout, params, std::move(on_done));
    }
    AsyncCall logout_future(const std::optional<std::string>& params = std::nullopt) const {
        return run_future(detail::op::logout, params);
    }

    /// `{"token"?}` (none: the stored user token) → `{code, message, status,
    /// exp, iat, data}`.
    std::string check_login_status(const std::optional<std::string>& params = std::nullopt) const {
        return run(detail::op::check_login_status, params);
    }
    Operation check_login_status_async(const std::optional<std::string>& params, Callback on_done) const {
        return run_async(detail::op::check_login_status, params, std::move(on_done));
    }
    AsyncCall check_login_status_future(const std::optional<std::string>& params = std::nullopt) const {
        return run_future(detail::op::check_login_status, params);
    }

    // --- Authing's v3 factor API (issue #13) --------------------------------
    //
    // authing-node-sdk's AuthenticationClient calls. They carry the v3 access
    // token (from `sign_in_by_credentials`, `Options::access_token` or
    // `set_access_token`) raw in `authorization`, not the user token; without
    // one they throw `Error` with `Status::InvalidArgument` before any
    // request. A v3 failure (statusCode other than 200) throws `Error` with
    // `Status::Api`, `code()` the answer's apiCode (else its statusCode) and
    // `request_id()` its requestId.

    /// `{"connection": "PASSWORD" | "PASSCODE" | …, "passwordPayload"?:
    /// {"email" | "username" | "phone" | "account", "password"},
    /// "passCodePayload"?: {"email" | "phone", "passCode",
    /// "phoneCountryCode"?}, "options"?: {…}}` → the answer's `data`
    /// (`{access_token, id_token, token_type, expire_in, …}`); its
    /// `access_token` becomes the client's access token. The application
    /// authenticates as `Options::token_end_point_auth_method` says.
    std::string sign_in_by_credentials(const std::string& params) const {
        return run(detail::op::sign_in_by_credentials, params);
    }
    Operation sign_in_by_credentials_async(const std::string& params, Callback on_done) const {
        return run_async(detail::op::sign_in_by_credentials, params, std::move(on_done));
    }
    AsyncCall sign_in_by_credentials_future(const std::string& params) const {
        return run_future(detail::op::sign_in_by_credentials, params);
    }
    /// `sign_in_by_credentials` by its short name (JS `signIn`, C `authing_mfa_sign_in`).
    std::string sign_in(const std::string& params) const { return sign_in_by_credentials(params); }
    Operation sign_in_async(const std::string& params, Callback on_done) const {
        return sign_in_by_credentials_async(params, std::move(on_done));
    }
    AsyncCall sign_in_future(const std::string& params) const { return sign_in_by_credentials_future(params); }

    /// `{"factorType": "OTP" | "SMS" | "EMAIL" | "FACE", "profile"?:
    /// {"phoneNumber", "phoneCountryCode"?} | {"email"}}` → `{enrollmentToken
    /// (valid one minute), otpData?: {qrCodeUri, qrCodeDataUrl, recoveryCode}}`.
    std::string send_enroll_factor_request(const std::string& params) const {
        return run(detail::op::send_enroll_factor_request, params);
    }
    Operation send_enroll_factor_request_async(const std::string& params, Callback on_done) const {
        return run_async(detail::op::send_enroll_factor_request, params, std::move(on_done));
    }
    AsyncCall send_enroll_factor_request_future(const std::string& params) const {
        return run_future(detail::op::send_enroll_factor_request, params);
    }

    /// `{"factorType", "enrollmentToken", "enrollmentData": {"passCode"} |
    /// {"photo", "isExternalPhoto"}}` → `{"statusCode": 200, "message"}`.
    std::string enroll_factor(const std::string& params) const {
        return run(detail::op::enroll_factor, params);
    }
    Operation enroll_factor_async(const std::string& params, Callback on_done) const {
        return run_async(detail::op::enroll_factor, params, std::move(on_done));
    }
    AsyncCall enroll_factor_future(const std::string& params) const {
        return run_future(detail::op::enroll_factor, params);
    }

    /// `{"factorId"}` → `{"statusCode": 200, "message"}`: unbinds the factor.
    std::string reset_factor(const std::string& params) const {
        return run(detail::op::reset_factor, params);
    }
    Operation reset_factor_async(const std::string& params, Callback on_done) const {
        return run_async(detail::op::reset_factor, params, std::move(on_done));
    }
    AsyncCall reset_factor_future(const std::string& params) const {
        return run_future(detail::op::reset_factor, params);
    }

    /// No parameters → `[{factorId, factorType, profile}]`.
    std::string list_enrolled_factors(const std::optional<std::string>& params = std::nullopt) const {
        return run(detail::op::list_enrolled_factors, params);
    }
    Operation list_enrolled_factors_async(const std::optional<std::string>& params, Callback on_done) const {
        return run_async(detail::op::list_enrolled_factors, params, std::move(on_done));
    }
    AsyncCall list_enrolled_factors_future(const std::optional<std::string>& params = std::nullopt) const {
        return run_future(detail::op::list_enrolled_factors, params);
    }

    /// `{"factorId"}` → `{factorId, factorType, profile}`.
    std::string get_factor(const std::string& params) const {
        return run(detail::op::get_factor, params);
    }
    Operation get_factor_async(const std::string& params, Callback on_done) const {
        return run_async(detail::op::get_factor, params, std::move(on_done));
    }
    AsyncCall get_factor_future(const std::string& params) const {
        return run_future(detail::op::get_factor, params);
    }

    /// No parameters → `[{factorType}]`: the factors the application enables
    /// that the user has not enrolled.
    std::string list_factors_to_enroll(const std::optional<std::string>& params = std::nullopt) const {
        return run(detail::op::list_factors_to_enroll, params);
    }
    Operation list_factors_to_enroll_async(const std::optional<std::string>& params, Callback on_done) const {
        return run_async(detail::op::list_factors_to_enroll, params, std::move(on_done));
    }
    AsyncCall list_factors_to_enroll_future(const std::optional<std::string>& params = std::nullopt) const {
        return run_future(detail::op::list_factors_to_enroll, params);
    }

    /// `{"totp"}` → `{"verified": true | false}` (path /api/v3/mfa-totp-verify).
    std::string mfa_otp_verify(const std::string& params) const {
        return run(detail::op::mfa_otp_verify, params);
    }
    Operation mfa_otp_verify_async(const std::string& params, Callback on_done) const {
        return run_async(detail::op::mfa_otp_verify, params, std::move(on_done));
    }
    AsyncCall mfa_otp_verify_future(const std::string& params) const {
        return run_future(detail::op::mfa_otp_verify, params);
    }

    /// `{"token": mfaToken}` → `{active, userPoolId?, userId?, exp?, iat?}`
    /// (not enveloped). Sends the form body `token=…` to
    /// /mfa/token/introspection. Needs no token; the stored access token,
    /// if any, goes along as the SDK sends it.
    std::string verify_mfa_token(const std::string& params) const {
        return run(detail::op::verify_mfa_token, params);
    }
    Operation verify_mfa_token_async(const std::string& params, Callback on_done) const {
        return run_async(detail::op::verify_mfa_token, params, std::move(on_done));
    }
    AsyncCall verify_mfa_token_future(const std::string& params) const {
        return run_future(detail::op::verify_mfa_token, params);
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

private:
    /// The blocking form of an operation: its C function, on this thread.
    std::string run(const detail::OperationSpec& operation, const std::optional<std::string>& params) const {
        detail::OwnedString result;
        detail::OwnedString err;
        const authing_mfa_status st =
            operation.c_function(live(), detail::c_str(params, "params JSON"), result.out(), err.out());
        detail::check(st, err);
        return result.str();
    }
    /// The `_async` form: `call_async` with the operation's JS name.
    Operation run_async(const detail::OperationSpec& operation, const std::optional<std::string>& params,
                        Callback on_done) const {
        return call_async(operation.js_name, params, std::move(on_done));
    }
    /// The `_future` form: `call_future` with the operation's JS name.
    AsyncCall run_future(const detail::OperationSpec& operation,
                         const std::optional<std::string>& params) const {
        return call_future(operation.js_name, params);
    }

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

    authing_mfa_client* handle_ = nullptr;
};

}  // namespace authing_mfa

#endif  // AUTHING_MFA_CLIENT_HPP
