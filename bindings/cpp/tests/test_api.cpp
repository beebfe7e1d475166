// The public API's exact shape: every public function of the wrapper with
// its parameter and result types, checked at compile time, and every
// default argument used once. The header is split into parts
// (authing_mfa/*.hpp) and its operations share private helpers; this file
// fails to compile if that ever changes a public signature, drops an
// overload or a default argument, or makes a method non-const.
#include "authing_mfa.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

using authing_mfa::AsyncCall;
using authing_mfa::Callback;
using authing_mfa::Client;
using authing_mfa::Operation;
using authing_mfa::Status;

namespace {

using OptionalParams = const std::optional<std::string>&;
using RequiredParams = const std::string&;

// `&Client::name` has exactly type `type` (which names the class, the
// parameters, the result and the const-ness).
#define AUTHING_MFA_EXPECT_SIGNATURE(name, type) \
    static_assert(std::is_same_v<decltype(&Client::name), type>, #name " changed its signature")

// An operation whose parameters are optional (`P` OptionalParams) or
// required (RequiredParams): its blocking, `_async` and `_future` forms.
#define AUTHING_MFA_EXPECT_OPERATION(name, P)                                                  \
    AUTHING_MFA_EXPECT_SIGNATURE(name, std::string (Client::*)(P) const);                      \
    AUTHING_MFA_EXPECT_SIGNATURE(name##_async, Operation (Client::*)(P, Callback) const);      \
    AUTHING_MFA_EXPECT_SIGNATURE(name##_future, AsyncCall (Client::*)(P) const)

AUTHING_MFA_EXPECT_OPERATION(get_mfa_authenticators, OptionalParams);
AUTHING_MFA_EXPECT_OPERATION(associate_mfa_authenticator, OptionalParams);
AUTHING_MFA_EXPECT_OPERATION(delete_mfa_authenticator, OptionalParams);
AUTHING_MFA_EXPECT_OPERATION(confirm_associate_mfa_authenticator, RequiredParams);
AUTHING_MFA_EXPECT_OPERATION(verify_totp_mfa, RequiredParams);
AUTHING_MFA_EXPECT_OPERATION(verify_totp_recovery_code, RequiredParams);
AUTHING_MFA_EXPECT_OPERATION(verify_app_sms_mfa, RequiredParams);
AUTHING_MFA_EXPECT_OPERATION(verify_app_email_mfa, RequiredParams);
AUTHING_MFA_EXPECT_OPERATION(associate_face_by_url, RequiredParams);
AUTHING_MFA_EXPECT_OPERATION(associate_face_by_files, RequiredParams);
AUTHING_MFA_EXPECT_OPERATION(verify_face_mfa, RequiredParams);
AUTHING_MFA_EXPECT_SIGNATURE(phone_or_email_bindable, bool (Client::*)(RequiredParams) const);

AUTHING_MFA_EXPECT_SIGNATURE(call, std::string (Client::*)(RequiredParams, OptionalParams) const);
AUTHING_MFA_EXPECT_SIGNATURE(call_async, Operation (Client::*)(RequiredParams, OptionalParams, Callback) const);
AUTHING_MFA_EXPECT_SIGNATURE(call_future, AsyncCall (Client::*)(RequiredParams, OptionalParams) const);

AUTHING_MFA_EXPECT_SIGNATURE(set_token, void (Client::*)(RequiredParams));
AUTHING_MFA_EXPECT_SIGNATURE(clear_token, void (Client::*)());
AUTHING_MFA_EXPECT_SIGNATURE(set_current_user, void (Client::*)(RequiredParams));
AUTHING_MFA_EXPECT_SIGNATURE(get_current_user, std::string (Client::*)() const);
AUTHING_MFA_EXPECT_SIGNATURE(clear_current_user, void (Client::*)());
AUTHING_MFA_EXPECT_SIGNATURE(valid, bool (Client::*)() const noexcept);
AUTHING_MFA_EXPECT_SIGNATURE(native_handle, authing_mfa_client* (Client::*)() const noexcept);

#undef AUTHING_MFA_EXPECT_OPERATION
#undef AUTHING_MFA_EXPECT_SIGNATURE

// Constructors: both explicit, the options one with a default.
static_assert(std::is_default_constructible_v<Client>);
static_assert(std::is_constructible_v<Client, const authing_mfa::Options&>);
static_assert(std::is_constructible_v<Client, const std::string&>);
static_assert(!std::is_convertible_v<const authing_mfa::Options&, Client>);
static_assert(!std::is_convertible_v<const std::string&, Client>);

// The free functions (overloads picked by their exact pointer type).
static_assert(std::is_same_v<decltype(&authing_mfa::version), std::string (*)()>);
static_assert(std::is_same_v<decltype(&authing_mfa::operations), std::string (*)()>);
static_assert(std::is_same_v<decltype(&authing_mfa::status_name), std::string (*)(Status)>);
static_assert(std::is_same_v<decltype(&authing_mfa::json_quote), std::string (*)(std::string_view)>);
static_assert(std::is_same_v<decltype(&authing_mfa::set_log_callback), void (*)(int, authing_mfa::LogCallback)>);
static_assert(std::is_same_v<decltype(&authing_mfa::clear_log_callback), void (*)()>);
static_assert(std::is_same_v<decltype(&authing_mfa::shutdown), void (*)(std::chrono::milliseconds)>);
static_assert(std::is_same_v<decltype(&authing_mfa::totp_parse_uri), std::string (*)(const std::string&)>);
[[maybe_unused]] constexpr auto totp_at = static_cast<std::string (*)(const std::string&, std::int64_t)>(
    &authing_mfa::totp_generate);
[[maybe_unused]] constexpr auto totp_now = static_cast<std::string (*)(const std::string&)>(
    &authing_mfa::totp_generate);

// The public types the methods use.
static_assert(std::is_same_v<Callback, std::function<void(authing_mfa::Result)>>);
static_assert(std::is_same_v<authing_mfa::LogCallback, std::function<void(int, std::string_view)>>);
static_assert(std::is_same_v<decltype(AsyncCall::result), std::future<std::string>>);
static_assert(std::is_same_v<decltype(AsyncCall::op), Operation>);
static_assert(std::is_same_v<std::underlying_type_t<Status>, authing_mfa_status>);

}  // namespace

// Every default argument, on a moved-from client: each call is refused
// before anything is sent, with the moved-from error.
TEST(Api, DefaultArgumentsCompileAndReachTheClient) {
    Client live;
    Client moved(std::move(live));
    const Client& c = live;  // NOLINT(bugprone-use-after-move): the moved-from one
    const auto refused = [](auto&& f) {
        try {
            f();
        } catch (const authing_mfa::Error& e) {
            return e.status() == Status::NullArgument;
        }
        return false;
    };
    EXPECT_TRUE(refused([&] { c.get_mfa_authenticators(); }));
    EXPECT_TRUE(refused([&] { c.associate_mfa_authenticator(); }));
    EXPECT_TRUE(refused([&] { c.delete_mfa_authenticator(); }));
    EXPECT_TRUE(refused([&] { c.call("verifyTotpMfa"); }));
    // The futures hold the refusal instead of throwing it.
    EXPECT_TRUE(refused([&] { c.get_mfa_authenticators_future().result.get(); }));
    EXPECT_TRUE(refused([&] { c.associate_mfa_authenticator_future().result.get(); }));
    EXPECT_TRUE(refused([&] { c.delete_mfa_authenticator_future().result.get(); }));
    EXPECT_TRUE(refused([&] { c.call_future("verifyTotpMfa").result.get(); }));
}
