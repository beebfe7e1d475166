// The TOTP MFA story against the dev server, with the error families it
// meets on the way (API 6001/6002/2020/6005, HTTP 400 at confirm).
#include "helpers.hpp"

#include <algorithm>

using authing_mfa::Client;
using authing_mfa::Error;
using authing_mfa::Params;
using authing_mfa::Status;
using namespace testsupport;

TEST(MfaStory, BindLoginVerifyRecoverUnbind) {
    const std::string password = "Passw0rd!story";
    const std::string account = new_user(password);
    const std::string user_token = login_token(account, password);

    Client client(client_options());
    client.set_token(user_token);
    EXPECT_EQ(json::parse(client.get_mfa_authenticators()), json::array());

    // Associate: a secret, its otpauth URI and a recovery code.
    const json assoc = json::parse(client.associate_mfa_authenticator());
    const std::string secret = assoc.at("secret").get<std::string>();
    const std::string recovery = assoc.at("recovery_code").get<std::string>();
    EXPECT_EQ(assoc.at("authenticator_type"), "totp");
    EXPECT_EQ(json::parse(authing_mfa::totp_parse_uri(assoc.at("qrcode_uri").get<std::string>()))["secret"],
              secret);
    // MFA is not enforced (nor listed) before confirm.
    EXPECT_EQ(json::parse(client.get_mfa_authenticators()), json::array());
    EXPECT_EQ(dev_login(account, password)["code"], 200);

    // Confirm with a wrong code: HTTP 400 with code 400.
    const std::string wrong = wrong_code(secret);
    Error e = catch_error([&] {
        client.confirm_associate_mfa_authenticator(Params().set("authenticatorType", "totp").set("totp", wrong));
    });
    EXPECT_EQ(e.status(), Status::HttpStatus) << e.what();
    EXPECT_EQ(e.http_status(), 400);
    EXPECT_EQ(e.code(), 400);
    EXPECT_FALSE(e.message().empty());
    expect_no_secrets(e, {wrong, secret, user_token, recovery});

    // Confirm with a right code.
    const json confirmed = json::parse(client.confirm_associate_mfa_authenticator(
        Params().set("authenticatorType", "totp").set("totp", code_now(secret))));
    EXPECT_EQ(confirmed.at("code"), 200);
    const json list = json::parse(client.get_mfa_authenticators(Params().set("type", "totp").set("source", "SELF")));
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].at("authenticatorType"), "totp");
    EXPECT_EQ(list[0].at("secret"), secret);
    EXPECT_EQ(list[0].at("enable"), true);

    // Log in again: MFA is now required; verify with a fresh code.
    std::string mfa_token = login_mfa_token(account, password);
    const std::string code = code_now(secret);
    const json user = json::parse(client.verify_totp_mfa(Params().set("totp", code).set("mfaToken", mfa_token)));
    EXPECT_EQ(user.at("username"), account);
    EXPECT_FALSE(user.at("token").get<std::string>().empty());

    // Replaying the same code fails with 6001 (HTTP 200).
    mfa_token = login_mfa_token(account, password);
    e = catch_error([&] { client.verify_totp_mfa(Params().set("totp", code).set("mfaToken", mfa_token)); });
    EXPECT_EQ(e.status(), Status::Api);
    EXPECT_EQ(e.code(), 6001);
    EXPECT_EQ(e.http_status(), 200);
    EXPECT_EQ(e.message(), "Security code error, please re-enter");  // the client asked for en-US
    EXPECT_STREQ(e.what(), "AUTHING_MFA_ERR_API: Security code error, please re-enter (code 6001, HTTP 200)");
    expect_no_secrets(e, {code, mfa_token, secret, user_token});
    // The wrapper's reading agrees with a real JSON parser's.
    const json ej = json::parse(e.json());
    EXPECT_EQ(ej["code"], 6001);
    EXPECT_EQ(ej["httpStatus"], 200);
    EXPECT_EQ(ej["message"], e.message());
    EXPECT_EQ(ej["status"], e.status_name());
    EXPECT_EQ(json::parse(e.data_json()), ej["data"]);

    // A code from the next time step works with the same mfaToken.
    advance_clock(30);
    EXPECT_NO_THROW(client.verify_totp_mfa(Params().set("totp", code_now(secret)).set("mfaToken", mfa_token)));

    // The recovery code logs in once and is rotated.
    mfa_token = login_mfa_token(account, password);
    const json rec = json::parse(
        client.verify_totp_recovery_code(Params().set("recoveryCode", recovery).set("mfaToken", mfa_token)));
    EXPECT_EQ(rec.at("user").at("username"), account);
    const std::string new_recovery = rec.at("recoveryCode").get<std::string>();
    EXPECT_FALSE(new_recovery.empty());
    EXPECT_NE(new_recovery, recovery);

    mfa_token = login_mfa_token(account, password);
    e = catch_error([&] {
        client.verify_totp_recovery_code(Params().set("recoveryCode", recovery).set("mfaToken", mfa_token));
    });
    EXPECT_EQ(e.status(), Status::Api);
    EXPECT_EQ(e.code(), 6002);
    expect_no_secrets(e, {recovery, new_recovery, mfa_token});
    const json rec2 = json::parse(
        client.verify_totp_recovery_code(Params().set("recoveryCode", new_recovery).set("mfaToken", mfa_token)));
    const std::string fresh_token = rec2.at("user").at("token").get<std::string>();

    // Unbind with the user token: MFA is off again.
    client.set_token(fresh_token);
    const json deleted = json::parse(client.delete_mfa_authenticator());
    EXPECT_EQ(deleted.at("code"), 200);
    EXPECT_EQ(json::parse(client.get_mfa_authenticators()), json::array());
    EXPECT_EQ(dev_login(account, password)["code"], 200);
    e = catch_error([&] { client.delete_mfa_authenticator(); });
    EXPECT_EQ(e.status(), Status::Api);
    EXPECT_EQ(e.code(), 6005);
}

TEST(MfaStory, MfaTokenAuthorizesBindingDuringTheMfaStage) {
    // A user with SMS MFA binds TOTP with only an mfaToken (no user token).
    const std::string password = "Passw0rd!stage";
    const std::string account = new_user(password);
    const json created = dev_login(account, password);
    const std::string user_id = created.at("data").at("id").get<std::string>();
    set_factor(user_id, "sms", json{{"enabled", true}});
    const std::string mfa_token = login_mfa_token(account, password);

    Client client(client_options());
    const json assoc = json::parse(client.associate_mfa_authenticator(Params().set("mfaToken", mfa_token)));
    const std::string secret = assoc.at("secret").get<std::string>();
    client.confirm_associate_mfa_authenticator(
        Params().set("totp", code_now(secret)).set("mfaToken", mfa_token));
    const json list = json::parse(client.get_mfa_authenticators(Params().set("type", "totp").set("mfaToken", mfa_token)));
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].at("userId"), user_id);
    // An mfaToken is never shown the secret of a bound authenticator: it
    // would pass the second factor.
    EXPECT_EQ(list[0].at("secret"), "");
}

TEST(Errors, ApiMissingTokenAndLanguage) {
    // No token at all: code 2020 from the server, as an API error.
    Client en(client_options("en-US"));
    Error e = catch_error([&] { en.get_mfa_authenticators(); });
    EXPECT_EQ(e.status(), Status::Api);
    EXPECT_EQ(e.code(), 2020);
    EXPECT_EQ(e.http_status(), 200);

    // The same failure in Chinese (the default language).
    Client zh(client_options("zh-CN"));
    const Error z = catch_error([&] { zh.get_mfa_authenticators(); });
    EXPECT_EQ(z.code(), 2020);
    EXPECT_NE(z.message(), e.message());
    const std::string m = z.message();
    EXPECT_TRUE(std::any_of(m.begin(), m.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }))
        << m;

    // An invalid token: 2207.
    en.set_token("not-a-real-token");
    e = catch_error([&] { en.get_mfa_authenticators(); });
    EXPECT_EQ(e.code(), 2207);
    expect_no_secrets(e, {"not-a-real-token"});
}

// The first factor and Authing's v3 factor API through the wrapper, as an
// application meets them (issues #12 and #13), mirroring
// devserver/tests/story_via_library.rs.

namespace {

std::string email_options(const std::string& app_id = "") {
    json o = json::parse(client_options());
    if (!app_id.empty()) o["appId"] = app_id;
    return o.dump();
}

}  // namespace

// v2: login_by_email -> bind TOTP -> login_by_email fails with 1635 and
// data.mfaToken -> verify_totp_mfa -> logout.
TEST(LoginStory, LoginByEmailThenTotpSecondFactorAndLogout) {
    const std::string password = "Passw0rd!v2story";
    const std::string email = unique("cpp-v2") + "@example.com";
    new_user(password, json{{"email", email}});
    const std::string login = json{{"email", email}, {"password", password}}.dump();

    Client client(email_options());
    const json user = json::parse(client.login_by_email(login));
    EXPECT_EQ(user.at("email"), email);
    const std::string user_token = user.at("token").get<std::string>();
    EXPECT_FALSE(user_token.empty());
    EXPECT_EQ(json::parse(client.get_current_user()), user) << "the login set the current user";

    // Bound with the login's user token.
    const json assoc = json::parse(client.associate_mfa_authenticator());
    const std::string secret = assoc.at("secret").get<std::string>();
    EXPECT_EQ(json::parse(client.confirm_associate_mfa_authenticator(
                  Params().set("authenticatorType", "totp").set("totp", code_now(secret))))
                  .at("code"),
              200);

    const std::string wrong_password = "Wr0ng!" + password;
    Error e = catch_error([&] { client.login_by_email(json{{"email", email}, {"password", wrong_password}}.dump()); });
    EXPECT_EQ(e.status(), Status::Api) << e.what();
    EXPECT_EQ(e.code(), 2333);
    expect_no_secrets(e, {wrong_password});

    e = catch_error([&] { client.login_by_email(login); });
    EXPECT_EQ(e.status(), Status::Api) << e.what();
    EXPECT_EQ(e.code(), 1635);
    EXPECT_EQ(e.http_status(), 200);
    EXPECT_EQ(e.message(), "Please enter the secondary authentication security code");
    const std::string mfa_token = json::parse(e.data_json()).at("mfaToken").get<std::string>();
    EXPECT_EQ(std::count(mfa_token.begin(), mfa_token.end(), '.'), 2);
    expect_no_secrets(e, {mfa_token, password, user_token});

    // A fresh code: a later step than the confirm's (no replay).
    advance_clock(30);
    const std::string code = code_now(secret);
    const std::string verified = client.verify_totp_mfa(Params().set("totp", code).set("mfaToken", mfa_token));
    EXPECT_EQ(json::parse(verified).at("email"), email);
    client.set_current_user(verified);

    EXPECT_EQ(json::parse(client.logout()).at("code"), 200);
    EXPECT_EQ(client.get_current_user(), "null") << "cleared once the server agreed";
    e = catch_error([&] { client.get_mfa_authenticators(); });
    EXPECT_EQ(e.code(), 2020);
}

// v3: sign_in -> list_factors_to_enroll -> send_enroll_factor_request OTP ->
// enroll_factor with a real code -> list_enrolled_factors -> mfa_otp_verify ->
// v2's login_by_email of the same user fails with 1635 -> verify_mfa_token ->
// reset_factor -> v2's login needs no second factor.
TEST(V3Story, EnrollOtpVerifyIntrospectResetSharesUsersWithV2) {
    const std::string password = "Passw0rd!v3story";
    const std::string email = unique("cpp-v3") + "@example.com";
    new_user(password, json{{"email", email}});
    const std::string login = json{{"email", email}, {"password", password}}.dump();

    Client client(email_options("cpp-story-v3"));  // a public client: no appSecret
    Client v2(email_options());

    Error e = catch_error([&] { client.list_enrolled_factors(); });
    EXPECT_EQ(e.status(), Status::InvalidArgument) << "no access token yet: " << e.what();

    const std::string wrong_password = "Wr0ng!" + password;
    e = catch_error([&] {
        client.sign_in(json{{"connection", "PASSWORD"},
                            {"passwordPayload", {{"email", email}, {"password", wrong_password}}}}
                           .dump());
    });
    EXPECT_EQ(e.status(), Status::Api) << e.what();
    EXPECT_EQ(e.code(), 2333);
    EXPECT_TRUE(e.request_id().has_value());
    expect_no_secrets(e, {wrong_password});

    const json signed_in = json::parse(client.sign_in_by_credentials(
        json{{"connection", "PASSWORD"}, {"passwordPayload", {{"email", email}, {"password", password}}}}.dump()));
    EXPECT_TRUE(signed_in.at("access_token").is_string());
    EXPECT_EQ(signed_in.at("token_type"), "bearer");

    // The client keeps the access token: the factor calls need no more.
    const auto has_otp = [](const json& list) {
        return std::any_of(list.begin(), list.end(), [](const json& f) { return f.at("factorType") == "OTP"; });
    };
    EXPECT_TRUE(has_otp(json::parse(client.list_factors_to_enroll())));
    EXPECT_EQ(json::parse(client.list_enrolled_factors()), json::array());

    const json request = json::parse(client.send_enroll_factor_request(R"({"factorType":"OTP","profile":{}})"));
    const std::string enrollment_token = request.at("enrollmentToken").get<std::string>();
    const json uri = json::parse(authing_mfa::totp_parse_uri(request.at("otpData").at("qrCodeUri").get<std::string>()));
    EXPECT_EQ(uri.at("account"), email);
    const std::string secret = uri.at("secret").get<std::string>();
    const json enrolled = json::parse(client.enroll_factor(json{{"factorType", "OTP"},
                                                                {"enrollmentToken", enrollment_token},
                                                                {"enrollmentData", {{"passCode", code_now(secret)}}}}
                                                               .dump()));
    EXPECT_EQ(enrolled.at("statusCode"), 200);
    // An enrollment token is single use; the error holds neither it nor the code.
    e = catch_error([&] {
        client.enroll_factor(json{{"factorType", "OTP"},
                                  {"enrollmentToken", enrollment_token},
                                  {"enrollmentData", {{"passCode", "135791"}}}}
                                 .dump());
    });
    EXPECT_EQ(e.status(), Status::Api) << e.what();
    EXPECT_TRUE(e.request_id().has_value());
    expect_no_secrets(e, {enrollment_token, "135791"});

    const json factors = json::parse(client.list_enrolled_factors());
    ASSERT_EQ(factors.size(), 1u) << factors.dump();
    EXPECT_EQ(factors[0].at("factorType"), "OTP");
    const std::string factor_id = factors[0].at("factorId").get<std::string>();
    EXPECT_EQ(json::parse(client.get_factor(Params().set("factorId", factor_id))).at("factorId"), factor_id);
    EXPECT_FALSE(has_otp(json::parse(client.list_factors_to_enroll())));

    // A fresh code, one step on (the enrolment's step is spent).
    advance_clock(30);
    const std::string code = code_now(secret);
    EXPECT_EQ(json::parse(client.mfa_otp_verify(Params().set("totp", code))), (json{{"verified", true}}));
    EXPECT_EQ(json::parse(client.mfa_otp_verify(Params().set("totp", code))), (json{{"verified", false}}))
        << "a replay";

    // The factor bound through v3 is the one v2's login asks for.
    e = catch_error([&] { v2.login_by_email(login); });
    EXPECT_EQ(e.status(), Status::Api) << e.what();
    EXPECT_EQ(e.code(), 1635);
    const std::string mfa_token = json::parse(e.data_json()).at("mfaToken").get<std::string>();
    expect_no_secrets(e, {mfa_token, password});
    const json introspected = json::parse(client.verify_mfa_token(Params().set("token", mfa_token)));
    EXPECT_EQ(introspected.at("active"), true) << introspected.dump();
    EXPECT_EQ(json::parse(client.verify_mfa_token(Params().set("token", "not.an.mfatoken"))),
              (json{{"active", false}}));

    EXPECT_EQ(json::parse(client.reset_factor(Params().set("factorId", factor_id))).at("statusCode"), 200);
    EXPECT_EQ(json::parse(client.list_enrolled_factors()), json::array());
    e = catch_error([&] { client.reset_factor(Params().set("factorId", factor_id)); });
    EXPECT_EQ(e.status(), Status::Api) << e.what();
    EXPECT_TRUE(e.request_id().has_value());

    // No second factor after the reset: v2's login gives the user.
    const json again = json::parse(v2.login_by_email(login));
    EXPECT_EQ(again.at("email"), email);
    EXPECT_FALSE(again.at("token").get<std::string>().empty());
}
