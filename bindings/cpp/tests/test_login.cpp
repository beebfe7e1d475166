// The first factor (issue #12): the logins that lead to the MFA stage and
// the calls around them, against a local stub (tests/stub_server.hpp) that
// answers as Authing does and records what the wrapper sent.
#include "helpers.hpp"
#include "stub_server.hpp"

#include <unistd.h>

#include <cctype>
#include <functional>
#include <future>
#include <string>
#include <vector>

using authing_mfa::Client;
using authing_mfa::Error;
using authing_mfa::Params;
using authing_mfa::Status;
using namespace testsupport;

namespace {

// A fixed 1024-bit RSA public key (SPKI PEM), made once with `openssl
// genrsa 1024 | openssl rsa -pubout`. Its private half is not kept: the
// tests check the ciphertext's shape, not its plaintext.
const char* const kTestPublicKey =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDH5clphRH/2U6p4OQL9DgBg2Cg\n"
    "w4+drgm0vqXC/hM9UIkGAkdDc5tkDQW0nN18cNKhfsPfC5maYt+jgUbjWY8j78oz\n"
    "xXiEjXWdnlUQYQXNudRcpC9/QBCQl9a0KiH4bhVR1ItvoXXA0r5TZBq8XnnMz/UY\n"
    "DXKPM2iqH8z34OkbnwIDAQAB\n"
    "-----END PUBLIC KEY-----\n";
constexpr std::size_t kModulusBytes = 128;

// A login that needs a second factor, as Authing's GraphQL answers it: HTTP
// 200, the error object in errors[0].message.
const char* const kMfaRequired =
    R"({"data":null,"errors":[{"message":{"code":1635,"message":"请输入二次认证安全码","data":{"mfaToken":"m"}}}]})";

using ordered = nlohmann::ordered_json;

/// The GraphQL document's operation, e.g. "mutation loginByEmail" (the SDK's
/// documents start with blank lines).
std::string operation_of(const json& body) {
    const std::string q = body.at("query").get<std::string>();
    const std::string head = q.substr(0, q.find('('));
    std::string out;
    std::size_t i = 0;
    while (i < head.size()) {
        while (i < head.size() && std::isspace(static_cast<unsigned char>(head[i]))) ++i;
        std::size_t j = i;
        while (j < head.size() && !std::isspace(static_cast<unsigned char>(head[j]))) ++j;
        if (j > i) out += (out.empty() ? "" : " ") + head.substr(i, j - i);
        i = j;
    }
    return out;
}

/// Answers as Authing: the key at /.well-known, `graphql(body)` at
/// /graphql/v2 (default: the document's root field with {"id":"u1","token":"tok"}),
/// envelopes elsewhere.
StubServer::Handler authing(std::function<std::string(const json&)> graphql = nullptr) {
    return [graphql](const StubRequest& r) -> std::pair<int, std::string> {
        const std::string path = r.path.substr(0, r.path.find('?'));
        if (path == "/api/v2/.well-known")
        {
            json answer = {{"code", 200}, {"message", "ok"}};
            answer["data"]["publicKey"] = kTestPublicKey;
            return {200, answer.dump()};
        }
        if (path == "/graphql/v2") {
            const json body = json::parse(r.body);
            if (graphql) return {200, graphql(body)};
            const std::string op = operation_of(body);
            const std::string root = op.substr(op.rfind(' ') + 1);
            json answer;
            answer["data"][root]["id"] = "u1";
            answer["data"][root]["token"] = "tok";
            return {200, answer.dump()};
        }
        if (path == "/api/v2/logout") return {200, R"({"code":200,"message":"logged out"})"};
        if (path == "/api/v2/login/email-code") return {200, R"({"code":200,"message":"ok","data":{"id":"u1","token":"tok"}})"};
        if (path == "/api/v2/sms/send") return {200, R"({"code":200,"message":"sent","data":{"sent":true}})"};
        return {404, R"({"code":404,"message":"no such path"})"};
    };
}

Client client_for(const std::string& url, const std::string& public_key = "", const std::string& token = "") {
    authing_mfa::Options o;
    o.app_host = url;
    o.app_id = "app-1";
    o.public_key = public_key;
    o.token = token;
    return Client(o);
}

std::vector<std::string> keys_of(const ordered& object) {
    std::vector<std::string> keys;
    for (const auto& item : object.items()) keys.push_back(item.key());
    return keys;
}

/// An RSA ciphertext of the test key in standard base64, not the clear text.
void expect_encrypted(const json& value, const std::string& clear) {
    ASSERT_TRUE(value.is_string()) << value.dump();
    const std::string s = value.get<std::string>();
    EXPECT_NE(s, clear);
    ASSERT_EQ(s.size() % 4, 0u) << s;
    for (char ch : s)
        EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(ch)) || ch == '+' || ch == '/' || ch == '=') << s;
    const std::size_t padding = (s.size() && s.back() == '=') + (s.size() > 1 && s[s.size() - 2] == '=');
    EXPECT_EQ(s.size() / 4 * 3 - padding, kModulusBytes) << s;
}

}  // namespace

TEST(Login, ByEmailSendsTheSdksInputWithAnEncryptedPassword) {
    StubServer stub(authing());
    const Client c = client_for(stub.url());
    EXPECT_EQ(c.get_current_user(), "null");
    const std::string user = c.login_by_email(Params()
                                                  .set("email", "a@example.com")
                                                  .set("password", "p@ssw0rd")
                                                  .set("autoRegister", true)
                                                  .raw("customData", R"({"school":"x"})")
                                                  .raw("context", R"({"source":"cpp"})"));
    EXPECT_EQ(json::parse(user), json::parse(R"({"id":"u1","token":"tok"})"));
    // The user is the current user, its token the user token.
    EXPECT_EQ(json::parse(c.get_current_user()), json::parse(user));
    c.check_login_status();

    const auto reqs = stub.requests();
    ASSERT_EQ(reqs.size(), 3u);
    EXPECT_EQ(reqs[0].method + " " + reqs[0].path, "GET /api/v2/.well-known");
    EXPECT_EQ(reqs[1].method + " " + reqs[1].path, "POST /graphql/v2");
    const ordered body = ordered::parse(reqs[1].body);
    EXPECT_EQ(operation_of(json::parse(reqs[1].body)), "mutation loginByEmail");
    const ordered& input = body.at("variables").at("input");
    // The JS SDK's keys, in its order (AC:567-577).
    EXPECT_EQ(keys_of(input), (std::vector<std::string>{"email", "password", "autoRegister", "params", "context"}));
    EXPECT_EQ(input.at("email"), "a@example.com");
    EXPECT_EQ(input.at("autoRegister"), true);
    expect_encrypted(json::parse(input.at("password").dump()), "p@ssw0rd");
    EXPECT_EQ(input.at("params"), R"([{"key":"school","value":"x"}])");
    EXPECT_EQ(input.at("context"), R"({"source":"cpp"})");
    EXPECT_EQ(reqs[1].body.find("p@ssw0rd"), std::string::npos);
    EXPECT_EQ(reqs[1].headers.count("authorization"), 0u);
    EXPECT_EQ(reqs[2].headers.at("authorization"), "Bearer tok");
}

TEST(Login, OtherLoginsSendTheirOperations) {
    StubServer stub(authing());
    const Client c = client_for(stub.url(), "", "old-token");
    c.login_by_username(Params().set("username", "bob").set("password", "pw").set("clientIp", "10.0.0.1"));
    c.login_by_phone_password(Params().set("phone", "13800000000").set("password", "pw").set("captchaCode", "c"));
    c.login_by_phone_code(Params().set("phone", "13800000000").set("code", "1234").set("phoneCountryCode", "+86"));
    c.login_by_email_code(Params().set("email", "a@example.com").set("code", "5678"));
    const auto reqs = stub.requests();
    ASSERT_EQ(reqs.size(), 5u);  // the key is fetched once per client
    EXPECT_EQ(reqs[0].path, "/api/v2/.well-known");
    const std::vector<std::pair<std::string, std::vector<std::string>>> want{
        {"mutation loginByUsername", {"username", "password", "autoRegister", "clientIp", "params", "context"}},
        // captchaCode before autoRegister here, as in the SDK.
        {"mutation loginByPhonePassword", {"phone", "password", "captchaCode", "autoRegister", "params", "context"}},
        {"mutation loginByPhoneCode", {"phone", "code", "phoneCountryCode", "params", "context"}},
    };
    for (std::size_t i = 0; i < want.size(); ++i) {
        const StubRequest& r = reqs[i + 1];
        EXPECT_EQ(operation_of(json::parse(r.body)), want[i].first);
        EXPECT_EQ(keys_of(ordered::parse(r.body).at("variables").at("input")), want[i].second) << want[i].first;
        // The stored token: the option's, then the first login's user's.
        EXPECT_EQ(r.headers.at("authorization"), i == 0 ? "Bearer old-token" : "Bearer tok");
    }
    expect_encrypted(json::parse(reqs[1].body)["variables"]["input"]["password"], "pw");
    expect_encrypted(json::parse(reqs[2].body)["variables"]["input"]["password"], "pw");
    // loginByEmailCode: REST, without the stored token (the SDK's unSetToken).
    EXPECT_EQ(reqs[4].method + " " + reqs[4].path, "POST /api/v2/login/email-code");
    EXPECT_EQ(reqs[4].headers.count("authorization"), 0u);
    EXPECT_EQ(keys_of(ordered::parse(reqs[4].body)), (std::vector<std::string>{"email", "code", "params", "context"}));
}

TEST(Login, NeedingMfaThrowsApi1635WithTheMfaToken) {
    StubServer stub(authing([](const json&) { return std::string(kMfaRequired); }));
    const Client c = client_for(stub.url());
    const std::string params = Params().set("email", "a@example.com").set("password", "pw");
    const Error e = catch_error([&] { c.login_by_email(params); });
    EXPECT_EQ(e.status(), Status::Api);
    EXPECT_EQ(e.code().value_or(0), 1635);
    EXPECT_EQ(json::parse(e.data_json()).at("mfaToken"), "m");
    EXPECT_EQ(e.message(), "请输入二次认证安全码");
    EXPECT_EQ(std::string(e.what()).find("mfaToken"), std::string::npos) << e.what();
    EXPECT_EQ(c.get_current_user(), "null");
    // The same from the non-blocking forms.
    const Error f = catch_error([&] {
        c.login_by_username_future(Params().set("username", "bob").set("password", "pw")).result.get();
    });
    EXPECT_EQ(f.code().value_or(0), 1635);
    EXPECT_EQ(json::parse(f.data_json()).at("mfaToken"), "m");
    std::promise<authing_mfa::Result> done;
    auto result = done.get_future();
    c.login_by_phone_password_async(Params().set("phone", "1").set("password", "pw"),
                                    [&done](authing_mfa::Result r) { done.set_value(std::move(r)); });
    const Error g = catch_error([&] { result.get().value(); });
    EXPECT_EQ(g.code().value_or(0), 1635);
}

TEST(Login, ApplicationMfaOverRestIs1636) {
    StubServer stub([](const StubRequest&) {
        return std::make_pair(200, std::string(R"({"code":1636,"message":"MFA","data":{"mfaToken":"m2"}})"));
    });
    const Client c = client_for(stub.url());
    const Error e = catch_error([&] { c.login_by_email_code(Params().set("email", "a@example.com").set("code", "1")); });
    EXPECT_EQ(e.status(), Status::Api);
    EXPECT_EQ(e.code().value_or(0), 1636);
    EXPECT_EQ(json::parse(e.data_json()).at("mfaToken"), "m2");
}

TEST(Login, PublicKeyOptionSkipsTheFetchAndGarbageIsRefused) {
    StubServer stub(authing());
    const Client c = client_for(stub.url(), kTestPublicKey);
    const std::string user = c.login_by_phone_password_future(Params().set("phone", "1").set("password", "pw")).result.get();
    EXPECT_EQ(json::parse(user).at("id"), "u1");
    EXPECT_EQ(json::parse(c.get_current_user()).at("token"), "tok");
    const auto reqs = stub.requests();
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_EQ(reqs[0].path, "/graphql/v2");

    authing_mfa::Options bad;
    bad.public_key = "not a key";
    const Error e = catch_error([&] { Client x(bad); });
    EXPECT_EQ(e.status(), Status::InvalidArgument);
    EXPECT_NE(e.message().find("publicKey"), std::string::npos) << e.message();
}

TEST(Login, TooLongPasswordIsRefusedBeforeAnyRequest) {
    StubServer stub(authing());
    const Client c = client_for(stub.url());
    const std::string pw(600, 'x');
    const Error e = catch_error([&] { c.login_by_email(Params().set("email", "a@example.com").set("password", pw)); });
    EXPECT_EQ(e.status(), Status::InvalidArgument);
    EXPECT_NE(e.message().find("password"), std::string::npos) << e.message();
    EXPECT_EQ(e.message().find(pw), std::string::npos);
    EXPECT_TRUE(stub.requests().empty());
    // A missing key is named; a refused host is a network error.
    const Error missing = catch_error([&] { c.login_by_username(Params().set("username", "bob")); });
    EXPECT_EQ(missing.status(), Status::InvalidArgument);
    EXPECT_NE(missing.message().find("password"), std::string::npos) << missing.message();
    const Client refused = client_for("http://127.0.0.1:" + std::to_string(closed_port()));
    const Error net = catch_error([&] { refused.login_by_email(Params().set("email", "a@example.com").set("password", "pw")); });
    EXPECT_EQ(net.status(), Status::Network);
}

TEST(Login, SendCodesCheckLoginStatusAndLogout) {
    const std::string status = R"({"code":200,"message":"ok","status":true,"exp":2,"iat":1,"data":{"id":"u1"}})";
    StubServer stub(authing([&status](const json& body) {
        if (operation_of(body) == "mutation sendEmail") return std::string(R"({"data":{"sendEmail":{"message":"sent","code":200}}})");
        return R"({"data":{"checkLoginStatus":)" + status + "}}";
    }));
    Client c = client_for(stub.url());
    EXPECT_EQ(json::parse(c.send_sms_code(Params().set("phone", "13800000000").set("scene", "mfa-verify"))),
              json::parse(R"({"sent":true})"));
    EXPECT_EQ(json::parse(c.send_email(Params().set("email", "a@example.com").set("scene", "MFA_VERIFY_CODE"))),
              json::parse(R"({"message":"sent","code":200})"));
    EXPECT_EQ(json::parse(c.check_login_status(std::string(Params().set("token", "t1")))), json::parse(status));
    c.set_current_user(R"({"id":"u1","token":"tok"})");
    EXPECT_EQ(json::parse(c.logout()), json::parse(R"({"code":200,"message":"logged out"})"));
    EXPECT_EQ(c.get_current_user(), "null");

    const auto reqs = stub.requests();
    ASSERT_EQ(reqs.size(), 4u);
    EXPECT_EQ(reqs[0].method + " " + reqs[0].path, "POST /api/v2/sms/send");
    EXPECT_EQ(json::parse(reqs[0].body), json::parse(R"({"phone":"13800000000","scene":"mfa-verify"})"));
    EXPECT_EQ(json::parse(reqs[1].body).at("variables"), json::parse(R"({"email":"a@example.com","scene":"MFA_VERIFY_CODE"})"));
    EXPECT_EQ(operation_of(json::parse(reqs[2].body)), "query checkLoginStatus");
    EXPECT_EQ(json::parse(reqs[2].body).at("variables"), json::parse(R"({"token":"t1"})"));
    EXPECT_EQ(reqs[3].method + " " + reqs[3].path, "GET /api/v2/logout?app_id=app-1");
    EXPECT_EQ(reqs[3].headers.at("authorization"), "Bearer tok");
}

TEST(Login, SendSmsCodeAgainstTheDevServer) {
    authing_mfa::Options o;
    o.app_host = DevServerEnv::base_url();
    const Client c(o);
    const std::string phone = "137" + std::to_string(100000000 + ::getpid() % 90000000).substr(1);
    c.send_sms_code(Params().set("phone", phone).set("scene", "mfa-verify"));
    const json outbox = http_request(DevServerEnv::port(), "GET", "/__dev/outbox?to=" + phone).envelope();
    EXPECT_EQ(outbox.value("code", 0), 200) << outbox.dump();
    EXPECT_EQ(outbox.at("data").size(), 1u) << outbox.dump();
}
