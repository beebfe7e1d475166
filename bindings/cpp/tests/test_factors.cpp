// Authing's v3 factor API (issue #13): sign_in_by_credentials and the factor
// methods, against a local stub (tests/stub_server.hpp) that answers as
// Authing's v3 API does and records what the wrapper sent. (The dev server's
// v3 endpoints come in a later change; everything here is a stub.)
#include "helpers.hpp"
#include "stub_server.hpp"

#include <functional>
#include <future>
#include <map>
#include <string>
#include <utility>
#include <vector>

using authing_mfa::Client;
using authing_mfa::Error;
using authing_mfa::Status;
using namespace testsupport;

namespace {

const char* const kTokens =
    R"({"access_token":"at-1","id_token":"id-1","token_type":"Bearer","expire_in":1209600})";
const char* const kFactor = R"({"factorId":"f1","factorType":"OTP","profile":{}})";
const char* const kEnroll =
    R"({"enrollmentToken":"enr-1","otpData":{"qrCodeUri":"otpauth://totp/x?secret=ABC","qrCodeDataUrl":"data:,","recoveryCode":"r-1"}})";
const char* const kFailure = R"({"statusCode":400,"apiCode":6001,"message":"x","requestId":"req-1"})";

std::string ok(const std::string& data) { return R"({"statusCode":200,"message":"ok","data":)" + data + "}"; }

/// Answers every v3 path as Authing does, or every request with `failure`.
StubServer::Handler v3(std::string failure = "") {
    return [failure](const StubRequest& r) -> std::pair<int, std::string> {
        if (!failure.empty()) return {200, failure};
        static const std::map<std::string, std::string> answers = {
            {"/api/v3/signin", ok(kTokens)},
            {"/api/v3/send-enroll-factor-request", ok(kEnroll)},
            {"/api/v3/enroll-factor", R"({"statusCode":200,"message":"enrolled"})"},
            {"/api/v3/reset-factor", R"({"statusCode":200,"message":"reset"})"},
            {"/api/v3/list-enrolled-factors", ok(std::string("[") + kFactor + "]")},
            {"/api/v3/get-factor", ok(kFactor)},
            {"/api/v3/list-factors-to-enroll", ok(R"([{"factorType":"SMS"}])")},
            {"/api/v3/mfa-totp-verify", ok(R"({"verified":true})")},
            {"/mfa/token/introspection", R"({"active":true,"userId":"u1"})"},
        };
        const auto it = answers.find(r.path.substr(0, r.path.find('?')));
        if (it != answers.end()) return {200, it->second};
        return {404, R"({"statusCode":404,"message":"no such path"})"};
    };
}

Client client_for(const std::string& url, const std::string& access_token = "", const std::string& token = "") {
    authing_mfa::Options o;
    o.app_host = url;
    o.app_id = "app-1";
    o.user_pool_id = "pool-1";
    o.access_token = access_token;
    o.token = token;
    return Client(o);
}

std::string header(const StubRequest& r, const std::string& name) {
    const auto it = r.headers.find(name);
    return it == r.headers.end() ? std::string("<none>") : it->second;
}

json body_of(const StubRequest& r) { return r.body.empty() ? json() : json::parse(r.body); }

/// Every factor call (they need an access token), by name.
const std::vector<std::pair<std::string, std::function<void(const Client&)>>>& factor_calls() {
    static const std::vector<std::pair<std::string, std::function<void(const Client&)>>> calls = {
        {"send_enroll_factor_request",
         [](const Client& c) { c.send_enroll_factor_request(R"({"factorType":"OTP"})"); }},
        {"enroll_factor",
         [](const Client& c) {
             c.enroll_factor(R"({"factorType":"OTP","enrollmentToken":"e","enrollmentData":{"passCode":"1"}})");
         }},
        {"reset_factor", [](const Client& c) { c.reset_factor(R"({"factorId":"f1"})"); }},
        {"list_enrolled_factors", [](const Client& c) { c.list_enrolled_factors(); }},
        {"get_factor", [](const Client& c) { c.get_factor(R"({"factorId":"f1"})"); }},
        {"list_factors_to_enroll", [](const Client& c) { c.list_factors_to_enroll(); }},
        {"mfa_otp_verify", [](const Client& c) { c.mfa_otp_verify(R"({"totp":"123456"})"); }},
        {"list_enrolled_factors_future", [](const Client& c) { c.list_enrolled_factors_future().result.get(); }},
        {"mfa_otp_verify_future",
         [](const Client& c) { c.mfa_otp_verify_future(R"({"totp":"123456"})").result.get(); }},
    };
    return calls;
}

}  // namespace

TEST(Factors, EveryFactorCallSendsTheAccessTokenRaw) {
    StubServer stub(v3());
    const Client c = client_for(stub.url(), "at-0", "user-token");
    EXPECT_EQ(json::parse(c.send_enroll_factor_request(R"({"factorType":"OTP"})")), json::parse(kEnroll));
    c.send_enroll_factor_request(R"({"factorType":"SMS","profile":{"phoneNumber":"13800000000","phoneCountryCode":"+86"}})");
    EXPECT_EQ(json::parse(c.enroll_factor(
                  R"({"factorType":"OTP","enrollmentToken":"enr-1","enrollmentData":{"passCode":"123456"}})")),
              json::parse(R"({"statusCode":200,"message":"enrolled"})"));
    EXPECT_EQ(json::parse(c.reset_factor(R"({"factorId":"f1"})")),
              json::parse(R"({"statusCode":200,"message":"reset"})"));
    EXPECT_EQ(json::parse(c.list_enrolled_factors()), json::parse(std::string("[") + kFactor + "]"));
    EXPECT_EQ(json::parse(c.get_factor(R"({"factorId":"f 1"})")), json::parse(kFactor));
    EXPECT_EQ(json::parse(c.list_factors_to_enroll()), json::parse(R"([{"factorType":"SMS"}])"));
    EXPECT_EQ(json::parse(c.mfa_otp_verify(R"({"totp":"123456"})")), json::parse(R"({"verified":true})"));

    const std::vector<std::tuple<std::string, std::string, json>> want = {
        {"POST", "/api/v3/send-enroll-factor-request", json::parse(R"({"factorType":"OTP"})")},
        {"POST", "/api/v3/send-enroll-factor-request",
         json::parse(R"({"factorType":"SMS","profile":{"phoneNumber":"13800000000","phoneCountryCode":"+86"}})")},
        {"POST", "/api/v3/enroll-factor",
         json::parse(R"({"factorType":"OTP","enrollmentToken":"enr-1","enrollmentData":{"passCode":"123456"}})")},
        {"POST", "/api/v3/reset-factor", json::parse(R"({"factorId":"f1"})")},
        {"GET", "/api/v3/list-enrolled-factors", json()},
        {"GET", "/api/v3/get-factor?factorId=f+1", json()},  // a space as "+", as axios encodes it
        {"GET", "/api/v3/list-factors-to-enroll", json()},
        {"POST", "/api/v3/mfa-totp-verify", json::parse(R"({"totp":"123456"})")},
    };
    const auto reqs = stub.requests();
    ASSERT_EQ(reqs.size(), want.size());
    for (std::size_t i = 0; i < reqs.size(); ++i) {
        EXPECT_EQ(reqs[i].method, std::get<0>(want[i]));
        EXPECT_EQ(reqs[i].path, std::get<1>(want[i]));
        EXPECT_EQ(body_of(reqs[i]), std::get<2>(want[i])) << reqs[i].path;
        // Raw, as authing-node-sdk sends it: no "Bearer ", not the user token.
        EXPECT_EQ(header(reqs[i], "authorization"), "at-0") << reqs[i].path;
        // Of the x-authing-* headers, v3 calls carry only the app ID.
        EXPECT_EQ(header(reqs[i], "x-authing-app-id"), "app-1");
        EXPECT_EQ(header(reqs[i], "x-authing-userpool-id"), "<none>");
    }
}

TEST(Factors, SignInKeepsTheAccessToken) {
    StubServer stub(v3());
    const Client c = client_for(stub.url(), "", "user-token");
    const json tokens = json::parse(c.sign_in_by_credentials(
        R"({"connection":"PASSWORD","passwordPayload":{"email":"a@example.com","password":"p@ss"},"options":{"scope":"openid profile"}})"));
    EXPECT_EQ(tokens, json::parse(kTokens));
    c.list_enrolled_factors();
    const auto reqs = stub.requests();
    ASSERT_EQ(reqs.size(), 2u);
    EXPECT_EQ(reqs[0].method + " " + reqs[0].path, "POST /api/v3/signin");
    EXPECT_EQ(body_of(reqs[0]),
              json::parse(R"({"connection":"PASSWORD","passwordPayload":{"email":"a@example.com","password":"p@ss"},"options":{"scope":"openid profile"}})"));
    // A public client: no client authentication; the user token is no v3 credential.
    EXPECT_EQ(header(reqs[0], "authorization"), "<none>");
    EXPECT_EQ(reqs[1].path, "/api/v3/list-enrolled-factors");
    EXPECT_EQ(header(reqs[1], "authorization"), "at-1");
}

TEST(Factors, SignInAliasAndNonBlockingForms) {
    StubServer stub(v3());
    const Client c = client_for(stub.url());
    EXPECT_EQ(json::parse(c.sign_in_future(R"({"connection":"PASSCODE","passCodePayload":{"phone":"1","passCode":"2"}})")
                              .result.get()),
              json::parse(kTokens));
    std::promise<authing_mfa::Result> done;
    auto result = done.get_future();
    c.get_factor_async(R"({"factorId":"f1"})", [&done](authing_mfa::Result r) { done.set_value(std::move(r)); });
    EXPECT_EQ(json::parse(result.get().value()), json::parse(kFactor));
    EXPECT_EQ(json::parse(c.sign_in(R"({"connection":"PASSWORD"})")), json::parse(kTokens));
    EXPECT_EQ(json::parse(c.call("signIn", R"({"connection":"PASSWORD"})")), json::parse(kTokens));
    const auto reqs = stub.requests();
    ASSERT_EQ(reqs.size(), 4u);
    EXPECT_EQ(reqs[0].path, "/api/v3/signin");
    EXPECT_EQ(body_of(reqs[0]), json::parse(R"({"connection":"PASSCODE","passCodePayload":{"phone":"1","passCode":"2"}})"));
    EXPECT_EQ(header(reqs[1], "authorization"), "at-1");
}

TEST(Factors, V3FailureIsApiErrorWithCodeAndRequestId) {
    StubServer stub(v3(kFailure));
    const Client c = client_for(stub.url(), "at-0");
    const Error e = catch_error([&] { c.mfa_otp_verify(R"({"totp":"123456"})"); });
    EXPECT_EQ(e.status(), Status::Api);
    EXPECT_EQ(e.code(), 6001);
    EXPECT_EQ(e.message(), "x");
    EXPECT_EQ(e.http_status(), 200);
    EXPECT_EQ(e.request_id(), std::optional<std::string>("req-1"));
    EXPECT_EQ(std::string(e.what()), "AUTHING_MFA_ERR_API: x (code 6001, HTTP 200, request req-1)");
    const Error f = catch_error([&] { c.list_enrolled_factors_future().result.get(); });
    EXPECT_EQ(f.code(), 6001);
    EXPECT_EQ(f.request_id(), std::optional<std::string>("req-1"));

    // Without apiCode the code is the statusCode; a failed sign-in keeps no token.
    StubServer refused(v3(R"({"statusCode":401,"message":"unauthorized","requestId":"req-2"})"));
    const Client d = client_for(refused.url());
    const Error g = catch_error([&] { d.sign_in(R"({"connection":"PASSWORD"})"); });
    EXPECT_EQ(g.code(), 401);
    EXPECT_EQ(g.request_id(), std::optional<std::string>("req-2"));
    EXPECT_EQ(catch_error([&] { d.list_enrolled_factors(); }).status(), Status::InvalidArgument);
    EXPECT_EQ(refused.requests().size(), 1u);

    // A v2 error has none.
    StubServer v2([](const StubRequest&) { return std::make_pair(200, std::string(R"({"code":6001,"message":"wrong"})")); });
    const Client h = client_for(v2.url());
    const Error v2e = catch_error([&] { h.verify_totp_mfa(R"({"totp":"1","mfaToken":"m"})"); });
    EXPECT_EQ(v2e.code(), 6001);
    EXPECT_FALSE(v2e.request_id().has_value());
}

TEST(Factors, NoAccessTokenIsRefusedBeforeAnyRequest) {
    StubServer stub(v3());
    const Client c = client_for(stub.url(), "", "user-token");  // a user token is no access token
    for (const auto& [name, call] : factor_calls()) {
        const Error e = catch_error([&] { call(c); });
        EXPECT_EQ(e.status(), Status::InvalidArgument) << name << ": " << e.what();
    }
    EXPECT_TRUE(stub.requests().empty());
}

TEST(Factors, SetAccessToken) {
    StubServer stub(v3());
    Client c = client_for(stub.url(), "at-0");
    c.list_factors_to_enroll();
    c.set_access_token("at-2");
    c.list_factors_to_enroll();
    c.clear_access_token();
    EXPECT_EQ(catch_error([&] { c.list_factors_to_enroll(); }).status(), Status::InvalidArgument);
    c.set_access_token("at-3");
    c.set_access_token("");
    EXPECT_EQ(catch_error([&] { c.list_factors_to_enroll(); }).status(), Status::InvalidArgument);
    c.set_access_token("at-3");
    for (const std::string bad : {"has space", "line\nbreak", "\xc3\xbcnicode"}) {
        const Error e = catch_error([&] { c.set_access_token(bad); });
        EXPECT_EQ(e.status(), Status::InvalidArgument) << bad;
        expect_no_secrets(e, {bad});
    }
    EXPECT_EQ(catch_error([&] { c.set_access_token("bad\xff"); }).status(), Status::InvalidUtf8);
    EXPECT_EQ(catch_error([&] { c.set_access_token(std::string("nul\0x", 5)); }).status(), Status::InvalidArgument);
    c.set_token("user-token");  // separate state
    c.list_factors_to_enroll();
    std::vector<std::string> auths;
    for (const auto& r : stub.requests()) auths.push_back(header(r, "authorization"));
    EXPECT_EQ(auths, (std::vector<std::string>{"at-0", "at-2", "at-3"}));
    authing_mfa::Options bad;
    bad.access_token = "bad token";
    EXPECT_EQ(catch_error([&] { Client x(bad); }).status(), Status::InvalidArgument);
    Client moved = std::move(c);
    EXPECT_EQ(catch_error([&] { c.set_access_token("x"); }).status(), Status::NullArgument);
}

// The stored access token goes along, raw, as authing-node-sdk sends it
// (include/authing_mfa.h, since cd4ce64/c41e70a); never the user token.
TEST(Factors, VerifyMfaTokenSendsAFormBodyAndTheAccessToken) {
    StubServer stub(v3());
    const Client c = client_for(stub.url(), "at-0", "user-token");
    EXPECT_EQ(json::parse(c.verify_mfa_token(R"({"token":"mfa-1"})")), json::parse(R"({"active":true,"userId":"u1"})"));
    const auto reqs = stub.requests();
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_EQ(reqs[0].method + " " + reqs[0].path, "POST /mfa/token/introspection");
    EXPECT_EQ(reqs[0].body, "token=mfa-1");
    EXPECT_EQ(header(reqs[0], "content-type").rfind("application/x-www-form-urlencoded", 0), 0u);
    EXPECT_EQ(header(reqs[0], "authorization"), "at-0");
}

TEST(Factors, AppSecretAndTokenEndPointAuthMethod) {
    StubServer stub(v3());
    for (const std::string method : {"", "client_secret_basic", "none"}) {
        authing_mfa::Options o;
        o.app_host = stub.url();
        o.app_id = "app-1";
        o.app_secret = "s3cret";
        o.token_end_point_auth_method = method;
        Client(o).sign_in(R"({"connection":"PASSWORD","passwordPayload":{"account":"a","password":"p"}})");
    }
    const auto reqs = stub.requests();
    ASSERT_EQ(reqs.size(), 3u);
    const json post = body_of(reqs[0]);
    EXPECT_EQ(post.value("client_id", ""), "app-1");
    EXPECT_EQ(post.value("client_secret", ""), "s3cret");
    EXPECT_EQ(header(reqs[0], "authorization"), "<none>");
    EXPECT_FALSE(body_of(reqs[1]).contains("client_secret"));
    EXPECT_EQ(header(reqs[1], "authorization"), "Basic YXBwLTE6czNjcmV0");  // base64("app-1:s3cret")
    EXPECT_FALSE(body_of(reqs[2]).contains("client_secret"));
    EXPECT_EQ(header(reqs[2], "authorization"), "<none>");

    authing_mfa::Options basic_without_secret;
    basic_without_secret.token_end_point_auth_method = "client_secret_basic";
    EXPECT_EQ(catch_error([&] { Client x(basic_without_secret); }).status(), Status::InvalidArgument);
}
