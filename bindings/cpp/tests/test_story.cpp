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
    EXPECT_EQ(list[0].at("secret"), secret);
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
