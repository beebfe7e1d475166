// The other operations against the dev server: SMS and email second
// factors, phoneOrEmailBindable, face binding and verification, the generic
// call(), the current user as token source, and concurrent use.
#include "helpers.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>
#include <vector>

using authing_mfa::Client;
using authing_mfa::Error;
using authing_mfa::Params;
using authing_mfa::Status;
using namespace testsupport;

namespace {

std::string unique_phone() {
    static std::atomic<int> n{0};
    const long v = (static_cast<long>(::getpid()) * 1000 + ++n) % 100000000L;
    char buf[16];
    std::snprintf(buf, sizeof buf, "139%08ld", v);
    return buf;
}

/// A user with application MFA on `factor` ("sms" or "email"); returns the
/// user id.
std::string user_with_factor(const json& fields, const std::string& factor) {
    const json user = create_user(fields);
    const std::string id = user.at("id").get<std::string>();
    set_factor(id, factor, json{{"enabled", true}});
    return id;
}

/// A temporary file removed at scope exit.
struct TempFile {
    std::string path;
    explicit TempFile(const std::string& bytes) {
        char tmpl[] = "/tmp/authing-mfa-cpp-XXXXXX";
        const int fd = ::mkstemp(tmpl);
        if (fd < 0) throw std::runtime_error("mkstemp failed");
        ::close(fd);
        path = tmpl;
        std::ofstream(path, std::ios::binary) << bytes;
    }
    ~TempFile() { std::remove(path.c_str()); }
};

}  // namespace

TEST(SmsMfa, VerifyWithTheSentCode) {
    const std::string phone = unique_phone();
    const std::string password = "Passw0rd!sms";
    user_with_factor(json{{"username", unique("sms")}, {"phone", phone}, {"password", password}}, "sms");
    const std::string mfa_token = login_mfa_token(phone, password);
    Client client(client_options());

    post_ok("/api/v2/sms/send", json{{"phone", phone}});
    const std::string code = latest_code(phone);
    const std::string wrong = code == "000000" ? "000001" : "000000";
    Error e = catch_error([&] {
        client.verify_app_sms_mfa(Params().set("phone", phone).set("code", wrong).set("mfaToken", mfa_token));
    });
    EXPECT_EQ(e.status(), Status::Api);
    EXPECT_EQ(e.code(), 2001);
    expect_no_secrets(e, {mfa_token});

    const json user = json::parse(client.verify_app_sms_mfa(
        Params().set("phone", phone).set("code", code).set("mfaToken", mfa_token).set("phoneCountryCode", "+86")));
    EXPECT_EQ(user.at("phone"), phone);
    EXPECT_FALSE(user.at("token").get<std::string>().empty());
}

TEST(EmailMfa, VerifyWithTheSentCode) {
    const std::string email = unique("mail") + "@example.com";
    const std::string password = "Passw0rd!email";
    user_with_factor(json{{"email", email}, {"password", password}}, "email");
    const std::string mfa_token = login_mfa_token(email, password);
    Client client(client_options());

    post_ok("/api/v2/email/send", json{{"email", email}});
    const std::string code = latest_code(email);
    const json user = json::parse(client.verify_app_email_mfa(
        Params().set("email", email).set("code", code).set("mfaToken", mfa_token)));
    EXPECT_EQ(user.at("email"), email);
    EXPECT_FALSE(user.at("token").get<std::string>().empty());
    // The mfaToken completed a login: it is spent (2207).
    Error e = catch_error([&] {
        client.verify_app_email_mfa(Params().set("email", email).set("code", code).set("mfaToken", mfa_token));
    });
    EXPECT_EQ(e.status(), Status::Api);
    EXPECT_EQ(e.code(), 2207);
    expect_no_secrets(e, {code, mfa_token});
    // The code was used up: refused with a fresh mfaToken too.
    const std::string fresh_token = login_mfa_token(email, password);
    e = catch_error([&] {
        client.verify_app_email_mfa(Params().set("email", email).set("code", code).set("mfaToken", fresh_token));
    });
    EXPECT_EQ(e.code(), 2001);
    expect_no_secrets(e, {code, fresh_token});
}

TEST(PhoneOrEmailBindable, TrueForOwnOrFreeFalseForTaken) {
    const std::string phone = unique_phone();
    const std::string other_phone = unique_phone();
    const std::string password = "Passw0rd!bind";
    user_with_factor(json{{"phone", phone}, {"password", password}}, "sms");
    create_user(json{{"phone", other_phone}, {"password", password}});
    const std::string mfa_token = login_mfa_token(phone, password);
    Client client(client_options());

    EXPECT_TRUE(client.phone_or_email_bindable(Params().set("phone", phone).set("mfaToken", mfa_token)));
    EXPECT_TRUE(client.phone_or_email_bindable(Params().set("phone", unique_phone()).set("mfaToken", mfa_token)));
    EXPECT_FALSE(client.phone_or_email_bindable(Params().set("phone", other_phone).set("mfaToken", mfa_token)));
    EXPECT_TRUE(client.phone_or_email_bindable(
        Params().set("email", unique("free") + "@example.com").set("mfaToken", mfa_token)));
    // The generic call gives the same answer as JSON.
    EXPECT_EQ(client.call("phoneOrEmailBindable", Params().set("phone", other_phone).set("mfaToken", mfa_token)),
              "false");
    const Error e = catch_error([&] { client.phone_or_email_bindable(Params().set("phone", phone)); });
    EXPECT_EQ(e.status(), Status::InvalidArgument);  // mfaToken is required
}

TEST(FaceMfa, AssociateByUrlThenVerify) {
    const std::string password = "Passw0rd!face";
    const std::string account = new_user(password);
    Client client(client_options());
    client.set_token(login_token(account, password));

    const std::string url = "https://example.com/faces/" + unique("f") + ".jpg";
    Error e = catch_error([&] {
        client.associate_face_by_url(Params().set("baseFace", url).set("compareFace", url + "?other"));
    });
    EXPECT_EQ(e.code(), 6010);  // the two photos differ
    const json user = json::parse(client.associate_face_by_url(Params().set("baseFace", url).set("compareFace", url)));
    EXPECT_EQ(user.at("username"), account);

    const std::string mfa_token = login_mfa_token(account, password);
    e = catch_error([&] {
        client.verify_face_mfa(Params().set("photo", url + "?someone-else").set("mfaToken", mfa_token));
    });
    EXPECT_EQ(e.status(), Status::Api);
    EXPECT_EQ(e.code(), 6012);
    expect_no_secrets(e, {mfa_token});
    const json verified = json::parse(client.verify_face_mfa(Params().set("photo", url).set("mfaToken", mfa_token)));
    EXPECT_FALSE(verified.at("token").get<std::string>().empty());
}

TEST(FaceMfa, AssociateByFilesThenVerifyWithAnUpload) {
    const std::string password = "Passw0rd!files";
    const std::string account = new_user(password);
    Client client(client_options());
    client.set_token(login_token(account, password));

    const std::string bytes = "\xff\xd8\xff not really a jpeg " + unique("face");
    TempFile a(bytes), b(bytes), other("different bytes");
    Error e = catch_error([&] {
        client.associate_face_by_files(Params().set("baseFace", a.path).set("compareFace", other.path));
    });
    EXPECT_EQ(e.code(), 6010);
    const json user = json::parse(
        client.associate_face_by_files(Params().set("baseFace", a.path).set("compareFace", b.path)));
    EXPECT_EQ(user.at("username"), account);
    // With the base image only (uploaded once, used for both).
    EXPECT_NO_THROW(client.associate_face_by_files(Params().set("baseFace", a.path)));

    const std::string mfa_token = login_mfa_token(account, password);
    const std::string key = upload(bytes, "face.jpg");
    const json verified = json::parse(client.verify_face_mfa(Params().set("photo", key).set("mfaToken", mfa_token)));
    EXPECT_FALSE(verified.at("token").get<std::string>().empty());
}

TEST(Call, GenericEntryPointTakesJsMethodNames) {
    const std::string password = "Passw0rd!call";
    const std::string account = new_user(password);
    Client client(client_options());
    client.set_token(login_token(account, password));

    EXPECT_EQ(json::parse(client.call("getMfaAuthenticators")), json::array());
    // The SDK's misspelling and the corrected name both work.
    const json first = json::parse(client.call("assosicateMfaAuthenticator", Params().set("authenticatorType", "totp")));
    const json assoc = json::parse(client.call("associateMfaAuthenticator"));  // replaces the pending one
    EXPECT_NE(first.at("secret"), assoc.at("secret"));
    const std::string secret = assoc.at("secret").get<std::string>();
    EXPECT_EQ(json::parse(client.call("confirmAssosicateMfaAuthenticator",
                                      Params().set("totp", code_now(secret))))["code"], 200);
    const std::string mfa_token = login_mfa_token(account, password);
    const json user = json::parse(
        client.call("verifyTotpMfa", Params().set("totp", code_now(secret)).set("mfaToken", mfa_token)));
    EXPECT_EQ(user.at("username"), account);
    client.set_token(user.at("token").get<std::string>());
    EXPECT_EQ(json::parse(client.call("deleteMfaAuthenticator"))["code"], 200);
    const Error e = catch_error([&] { client.call("deleteMfaAuthenticator", "{}"); });
    EXPECT_EQ(e.code(), 6005);
}

TEST(TokenState, CurrentUserSuppliesTheToken) {
    const std::string password = "Passw0rd!user";
    const std::string account = new_user(password);
    const json login = dev_login(account, password);
    Client client(client_options());
    client.set_current_user(login.at("data").dump());
    EXPECT_EQ(json::parse(client.get_current_user()).at("username"), account);
    EXPECT_EQ(json::parse(client.get_mfa_authenticators()), json::array());
    client.clear_current_user();  // logout: the token is gone too
    EXPECT_EQ(catch_error([&] { client.get_mfa_authenticators(); }).code(), 2020);
    // A token from the options.
    authing_mfa::Options o;
    o.app_host = DevServerEnv::base_url();
    o.token = login.at("data").at("token").get<std::string>();
    EXPECT_EQ(json::parse(Client(o).get_mfa_authenticators()), json::array());
}

TEST(Threads, OneClientServesManyThreads) {
    const std::string password = "Passw0rd!threads";
    const std::string account = new_user(password);
    Client owner(client_options());
    owner.set_token(login_token(account, password));
    // Operations are const: a const Client may be shared by threads.
    const Client& client = owner;
    std::atomic<int> ok{0};
    std::atomic<int> failed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 5; ++i) {
                try {
                    if (json::parse(client.get_mfa_authenticators()) == json::array()) ++ok;
                } catch (...) {
                    ++failed;
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(ok.load(), 20);
    EXPECT_EQ(failed.load(), 0);
}
