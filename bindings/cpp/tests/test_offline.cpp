// Tests that need no server: versions, statuses, JSON helpers, the error
// reader, TOTP helpers, argument checks, network and timeout failures, move
// semantics and token state.
#include "helpers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ctime>
#include <type_traits>

using authing_mfa::Client;
using authing_mfa::Error;
using authing_mfa::Params;
using authing_mfa::Status;
using testsupport::catch_error;
using testsupport::json;

// RFC 6238's SHA1 key "12345678901234567890" in base32.
static const std::string kRfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

static std::string options_for_port(std::uint16_t port, long long timeout_ms = 5000) {
    return json{{"appHost", "http://127.0.0.1:" + std::to_string(port)}, {"timeout", timeout_ms}}.dump();
}

TEST(Version, RuntimeMatchesHeader) {
    EXPECT_EQ(authing_mfa::version(), AUTHING_MFA_VERSION_STRING);
    EXPECT_EQ(authing_mfa::version(),
              std::to_string(AUTHING_MFA_VERSION_MAJOR) + "." + std::to_string(AUTHING_MFA_VERSION_MINOR) +
                  "." + std::to_string(AUTHING_MFA_VERSION_PATCH));
}

TEST(Status, NamesMatchTheCApi) {
    const std::pair<Status, const char*> cases[] = {
        {Status::Ok, "AUTHING_MFA_OK"},
        {Status::NullArgument, "AUTHING_MFA_ERR_NULL_ARGUMENT"},
        {Status::InvalidUtf8, "AUTHING_MFA_ERR_INVALID_UTF8"},
        {Status::InvalidJson, "AUTHING_MFA_ERR_INVALID_JSON"},
        {Status::InvalidArgument, "AUTHING_MFA_ERR_INVALID_ARGUMENT"},
        {Status::Api, "AUTHING_MFA_ERR_API"},
        {Status::HttpStatus, "AUTHING_MFA_ERR_HTTP_STATUS"},
        {Status::Network, "AUTHING_MFA_ERR_NETWORK"},
        {Status::Timeout, "AUTHING_MFA_ERR_TIMEOUT"},
        {Status::Decode, "AUTHING_MFA_ERR_DECODE"},
        {Status::Io, "AUTHING_MFA_ERR_IO"},
        {Status::Cancelled, "AUTHING_MFA_ERR_CANCELLED"},
        {Status::Shutdown, "AUTHING_MFA_ERR_SHUTDOWN"},
        {Status::WouldDeadlock, "AUTHING_MFA_ERR_WOULD_DEADLOCK"},
        {Status::Forked, "AUTHING_MFA_ERR_FORKED"},
        {Status::Panic, "AUTHING_MFA_ERR_PANIC"},
    };
    for (const auto& [status, name] : cases) EXPECT_EQ(authing_mfa::status_name(status), name);
    EXPECT_EQ(authing_mfa::status_name(static_cast<Status>(12345)), "AUTHING_MFA_UNKNOWN_STATUS");
}

TEST(Json, QuoteEscapesEverythingJsonRequires) {
    const std::string tricky = std::string("a\"b\\c/d\n\r\t\b\f") + '\x01' + '\x1f' + "é中😀";
    const std::string quoted = authing_mfa::json_quote(tricky);
    EXPECT_EQ(json::parse(quoted).get<std::string>(), tricky);
    EXPECT_EQ(authing_mfa::json_quote(""), "\"\"");
    EXPECT_EQ(authing_mfa::json_quote("\x01"), "\"\\u0001\"");
}

TEST(Json, ParamsBuildsAnObject) {
    const std::string s = Params().set("totp", "12\"34").set("mfaToken", std::string("t\\k")).set("flag", true)
                              .raw("n", "42").raw("o", "{\"x\":[1]}");
    const json j = json::parse(s);
    EXPECT_EQ(j["totp"], "12\"34");
    EXPECT_EQ(j["mfaToken"], "t\\k");
    EXPECT_EQ(j["flag"], true);
    EXPECT_EQ(j["n"], 42);
    EXPECT_EQ(j["o"]["x"][0], 1);
    EXPECT_EQ(Params().str(), "{}");
    const char* none = nullptr;
    EXPECT_EQ(json::parse(Params().set("source", none).str())["source"], nullptr);
}

TEST(Options, SerializesOnlyWhatIsSet) {
    EXPECT_EQ(authing_mfa::Options().to_json(), "{}");
    authing_mfa::Options o;
    o.app_host = "http://127.0.0.1:1";
    o.user_pool_id = "pool\"1";
    o.app_id = "app";
    o.tenant_id = "tenant";
    o.lang = "en-US";
    o.timeout_ms = 1234;
    o.request_from = "cpp";
    o.token = "tok";
    o.allow_insecure_http = true;
    o.max_response_bytes = 1000;
    o.max_retries = 0;  // a value, not "unset": no retries
    const json j = json::parse(o.to_json());
    EXPECT_EQ(j, (json{{"appHost", "http://127.0.0.1:1"}, {"userPoolId", "pool\"1"}, {"appId", "app"},
                       {"tenantId", "tenant"}, {"lang", "en-US"}, {"timeout", 1234}, {"requestFrom", "cpp"},
                       {"token", "tok"}, {"allowInsecureHttp", true}, {"maxResponseBytes", 1000},
                       {"maxRetries", 0}}));
    // The library accepts every key the struct writes.
    EXPECT_NO_THROW(Client{o});
    o.max_retries = 11;  // above the library's bound
    EXPECT_EQ(catch_error([&] { Client c(o); }).status(), Status::InvalidArgument);
    o.max_retries = 10;
    o.lang = "xx-XX";
    const Error e = catch_error([&] { Client c(o); });
    EXPECT_EQ(e.status(), Status::InvalidArgument);
}

TEST(Client, BadTokenIsRefusedWithTheLibrarysMessage) {
    // authing_mfa_client_set_token_ex gives the error JSON: the library's
    // message, which never quotes the token.
    Client c(std::string("{\"appHost\":\"http://127.0.0.1:1\"}"));
    for (const std::string bad : {"a b", "tab\there", "caf\xc3\xa9"}) {
        const Error e = catch_error([&] { c.set_token(bad); });
        EXPECT_EQ(e.status(), Status::InvalidArgument);
        EXPECT_NE(std::string(e.what()).find("contains characters not allowed in an HTTP header"),
                  std::string::npos)
            << e.what();
        EXPECT_EQ(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
    EXPECT_NO_THROW(c.set_token("good.token"));
    EXPECT_NO_THROW(c.clear_token());
}

TEST(Client, ConstructionErrorsAreTyped) {
    Error e = catch_error([] { Client c(std::string("{\"appHots\":\"http://127.0.0.1:1\"}")); });
    EXPECT_EQ(e.status(), Status::InvalidArgument);
    EXPECT_EQ(e.status_name(), "AUTHING_MFA_ERR_INVALID_ARGUMENT");
    EXPECT_NE(std::string(e.what()).find("appHots"), std::string::npos) << e.what();
    EXPECT_FALSE(e.code());
    EXPECT_FALSE(e.http_status());
    EXPECT_EQ(e.data_json(), "null");
    EXPECT_EQ(json::parse(e.json())["status"], "AUTHING_MFA_ERR_INVALID_ARGUMENT");

    e = catch_error([] { Client c(std::string("not json")); });
    EXPECT_EQ(e.status(), Status::InvalidJson);
    e = catch_error([] { Client c(std::string("{\"timeout\":\"soon\"}")); });
    EXPECT_EQ(e.status(), Status::InvalidJson);
    e = catch_error([] { Client c(std::string("{\"appHost\":\"\xff\"}")); });
    EXPECT_EQ(e.status(), Status::InvalidUtf8);
    // The defaults need no network at construction.
    EXPECT_NO_THROW(Client());
    EXPECT_NO_THROW(Client(std::string("{}")));
}

TEST(Error, ReadsEveryFieldAndKeepsDataOutOfWhat) {
    const std::string raw =
        R"({"status":"AUTHING_MFA_ERR_API","message":"请完成 \"MFA\" \u8ba4\u8bc1 \ud83d\ude00 {x}",)"
        R"("code":1635,"httpStatus":200,"data":{"mfaToken":"SECRET-MFA-TOKEN","nested":[{"a":"]}\""},null]}})";
    const Error e(Status::Api, raw);
    EXPECT_EQ(e.status(), Status::Api);
    EXPECT_EQ(e.status_name(), "AUTHING_MFA_ERR_API");
    EXPECT_EQ(e.message(), "请完成 \"MFA\" 认证 😀 {x}");
    EXPECT_EQ(e.code(), 1635);
    EXPECT_EQ(e.http_status(), 200);
    EXPECT_EQ(json::parse(e.data_json()), json::parse(raw)["data"]);
    EXPECT_EQ(e.json(), raw);
    EXPECT_STREQ(e.what(), "AUTHING_MFA_ERR_API: 请完成 \"MFA\" 认证 😀 {x} (code 1635, HTTP 200)");
    testsupport::expect_no_secrets(e, {"SECRET-MFA-TOKEN", "mfaToken"});
    // It is a std::runtime_error, and copies share the details without throwing.
    static_assert(std::is_nothrow_copy_constructible_v<Error>);
    static_assert(std::is_base_of_v<std::runtime_error, Error>);
    const Error copy = e;
    EXPECT_EQ(copy.code(), 1635);
    EXPECT_STREQ(copy.what(), e.what());
}

TEST(Error, ToleratesOddOrBrokenJson) {
    // Nulls, keys in another order, unknown keys, non-integer numbers.
    Error e(Status::HttpStatus,
            R"({"extra":{"code":1},"data":null,"code":null,"httpStatus":502.5,"message":"bad gateway","status":"x"})");
    EXPECT_EQ(e.message(), "bad gateway");
    EXPECT_FALSE(e.code());
    EXPECT_FALSE(e.http_status());
    EXPECT_EQ(e.data_json(), "null");
    EXPECT_STREQ(e.what(), "AUTHING_MFA_ERR_HTTP_STATUS: bad gateway");
    // The status comes from the return code, not the JSON.
    EXPECT_EQ(e.status_name(), "AUTHING_MFA_ERR_HTTP_STATUS");

    e = Error(Status::Api, R"({"code":-42,"httpStatus":99999999999999999999,"data":"a,b}"})");
    EXPECT_EQ(e.code(), -42);
    EXPECT_FALSE(e.http_status());  // too large for long long: absent, not wrapped
    EXPECT_EQ(e.data_json(), "\"a,b}\"");

    for (const char* broken : {"", "{", "[1,2]", "{\"message\":\"unterminated", "{\"code\":", "{\"data\":{",
                               "{\"message\":\"bad \\x escape\"}", "{\"message\":\"\\ud800\"}", "nul"}) {
        const Error b(Status::Decode, broken);
        EXPECT_EQ(b.status(), Status::Decode) << broken;
        EXPECT_EQ(b.json(), broken);
        EXPECT_EQ(std::string(b.what()).rfind("AUTHING_MFA_ERR_DECODE", 0), 0u) << b.what();
    }
    // Data before a broken tail is still read.
    e = Error(Status::Api, R"({"code":6001,"data":[1,{"k":"v"}],"message":)");
    EXPECT_EQ(e.code(), 6001);
    EXPECT_EQ(e.data_json(), R"([1,{"k":"v"}])");
}

TEST(Totp, GenerateMatchesRfc6238AndNow) {
    EXPECT_EQ(authing_mfa::totp_generate(kRfcSecret, 59), "287082");
    EXPECT_EQ(authing_mfa::totp_generate(kRfcSecret, 1111111109), "081804");
    // Case, spaces and padding are ignored.
    EXPECT_EQ(authing_mfa::totp_generate("gezd gnbv gy3t qojq gezd gnbv gy3t qojq====", 59), "287082");
    const std::time_t before = std::time(nullptr);
    const std::string now = authing_mfa::totp_generate(kRfcSecret);
    const std::time_t after = std::time(nullptr);
    EXPECT_TRUE(now == authing_mfa::totp_generate(kRfcSecret, before) ||
                now == authing_mfa::totp_generate(kRfcSecret, after));
}

TEST(Totp, BadSecretIsInvalidArgumentWithoutTheSecret) {
    const std::string secret = "NOT-BASE32-!!!SECRETVALUE";
    const Error e = catch_error([&] { authing_mfa::totp_generate(secret, 0); });
    EXPECT_EQ(e.status(), Status::InvalidArgument);
    testsupport::expect_no_secrets(e, {secret, "SECRETVALUE"});
    EXPECT_EQ(catch_error([] { authing_mfa::totp_generate(kRfcSecret, -1); }).status(), Status::InvalidArgument);
    EXPECT_EQ(catch_error([] { authing_mfa::totp_generate(""); }).status(), Status::InvalidArgument);
}

TEST(Totp, ParseUri) {
    const json j = json::parse(authing_mfa::totp_parse_uri(
        "otpauth://totp/Acme:alice%40example.com?secret=" + kRfcSecret + "&issuer=Acme"));
    EXPECT_EQ(j["secret"], kRfcSecret);
    EXPECT_EQ(j["issuer"], "Acme");
    EXPECT_EQ(j["account"], "alice@example.com");
    EXPECT_EQ(j["digits"], 6);
    EXPECT_EQ(j["period"], 30);
    EXPECT_EQ(j["algorithm"], "SHA1");
    const std::string bad = "otpauth://hotp/x?secret=SUPERSECRETBASE32";
    const Error e = catch_error([&] { authing_mfa::totp_parse_uri(bad); });
    EXPECT_EQ(e.status(), Status::InvalidArgument);
    testsupport::expect_no_secrets(e, {"SUPERSECRETBASE32"});
}

TEST(Arguments, EmbeddedNulIsRefusedBeforeTheCall) {
    Client c(options_for_port(testsupport::closed_port()));
    Error e = catch_error([&] { c.set_token(std::string("abc\0def", 7)); });
    EXPECT_EQ(e.status(), Status::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("token contains a NUL"), std::string::npos) << e.what();
    testsupport::expect_no_secrets(e, {"abc", "def"});
    e = catch_error([&] { c.verify_totp_mfa(std::string("{\"totp\":\"1\"}\0x", 15)); });
    EXPECT_EQ(e.status(), Status::InvalidArgument);
    e = catch_error([&] { authing_mfa::totp_generate(std::string("GEZD\0GNBV", 9), 0); });
    EXPECT_EQ(e.status(), Status::InvalidArgument);
    e = catch_error([&] { c.call(std::string("verifyTotpMfa\0", 14), "{}"); });
    EXPECT_EQ(e.status(), Status::InvalidArgument);
}

TEST(Arguments, CheckedBeforeAnyRequest) {
    // The client points at a closed port: were anything sent, the error would
    // be Network. Invalid input must fail first, as InvalidArgument/Json.
    Client c(options_for_port(testsupport::closed_port()));
    const std::string mfa_token = "MFA-TOKEN-SECRET-123";
    Error e = catch_error([&] { c.verify_totp_mfa(Params().set("totp", "123456")); });
    EXPECT_EQ(e.status(), Status::InvalidArgument);
    EXPECT_FALSE(e.code());
    EXPECT_FALSE(e.http_status());
    e = catch_error([&] { c.verify_totp_mfa(Params().set("totp", "123456").set("mfaToken", mfa_token).set("x", "1")); });
    EXPECT_EQ(e.status(), Status::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find('x'), std::string::npos);
    testsupport::expect_no_secrets(e, {mfa_token, "123456"});
    e = catch_error([&] { c.verify_totp_mfa("[1]"); });
    EXPECT_EQ(e.status(), Status::InvalidJson);
    e = catch_error([&] { c.verify_totp_mfa(R"({"totp":123456,"mfaToken":"t"})"); });
    EXPECT_EQ(e.status(), Status::InvalidJson);
    e = catch_error([&] { c.delete_mfa_authenticator(R"({"anything":1})"); });
    EXPECT_EQ(e.status(), Status::InvalidArgument);
    e = catch_error([&] { c.call("noSuchMethod", "{}"); });
    EXPECT_EQ(e.status(), Status::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("noSuchMethod"), std::string::npos) << e.what();
    e = catch_error([&] { c.set_token("has space"); });
    EXPECT_EQ(e.status(), Status::InvalidArgument);
    testsupport::expect_no_secrets(e, {"has space"});
    e = catch_error([&] { c.associate_face_by_files(R"({"baseFace":"/nonexistent/authing-mfa-face.jpg"})"); });
    EXPECT_EQ(e.status(), Status::Io);
}

TEST(Errors, NetworkOnAClosedPort) {
    Client c(options_for_port(testsupport::closed_port()));
    c.set_token("user-token-secret");
    const Error e = catch_error([&] { c.get_mfa_authenticators(); });
    EXPECT_EQ(e.status(), Status::Network);
    EXPECT_FALSE(e.code());
    EXPECT_FALSE(e.http_status());
    EXPECT_EQ(e.data_json(), "null");
    testsupport::expect_no_secrets(e, {"user-token-secret"});
}

TEST(Errors, TimeoutOnASilentServer) {
    // A socket that listens but never answers: the kernel accepts the
    // connection, nobody reads, and the client's 300 ms deadline fires.
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(fd, 8), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    Client c(options_for_port(ntohs(addr.sin_port), 300));
    const Error e = catch_error([&] { c.get_mfa_authenticators(Params().set("mfaToken", "t")); });
    ::close(fd);
    EXPECT_EQ(e.status(), Status::Timeout) << e.what();
}

TEST(Move, MovedFromClientThrowsAClearError) {
    static_assert(!std::is_copy_constructible_v<Client>);
    static_assert(!std::is_copy_assignable_v<Client>);
    static_assert(std::is_nothrow_move_constructible_v<Client>);
    static_assert(std::is_nothrow_move_assignable_v<Client>);

    Client a(options_for_port(testsupport::closed_port()));
    a.set_current_user(R"({"id":"u1","token":"tok1"})");
    authing_mfa_client* const handle = a.native_handle();
    Client b(std::move(a));
    EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): that is the test
    EXPECT_FALSE(static_cast<bool>(a));
    EXPECT_EQ(a.native_handle(), nullptr);
    EXPECT_EQ(b.native_handle(), handle);
    EXPECT_EQ(json::parse(b.get_current_user())["id"], "u1");  // the state moved along

    const Error e = catch_error([&] { a.get_mfa_authenticators(); });
    EXPECT_EQ(e.status(), Status::NullArgument);
    EXPECT_NE(std::string(e.what()).find("moved-from authing_mfa::Client"), std::string::npos) << e.what();
    EXPECT_EQ(catch_error([&] { a.set_token("x"); }).status(), Status::NullArgument);
    EXPECT_EQ(catch_error([&] { a.get_current_user(); }).status(), Status::NullArgument);
    EXPECT_EQ(catch_error([&] { a.call("verifyTotpMfa", "{}"); }).status(), Status::NullArgument);
    EXPECT_EQ(catch_error([&] { (void)a.phone_or_email_bindable("{}"); }).status(), Status::NullArgument);

    // Move assignment frees the old handle and takes the new one; the
    // moved-from object becomes usable again by assignment.
    Client c;
    c = std::move(b);
    EXPECT_EQ(c.native_handle(), handle);
    EXPECT_FALSE(b.valid());  // NOLINT(bugprone-use-after-move)
    a = Client(options_for_port(testsupport::closed_port()));
    EXPECT_TRUE(a.valid());
    EXPECT_EQ(a.get_current_user(), "null");
    // Self-move-assignment keeps the handle.
    Client& alias = c;
    c = std::move(alias);
    EXPECT_EQ(c.native_handle(), handle);
}

TEST(TokenState, CurrentUserRoundTripsAndClears) {
    Client c(options_for_port(testsupport::closed_port()));
    EXPECT_EQ(c.get_current_user(), "null");
    const std::string user = R"({"id":"u1","token":"tok-1","nested":{"k":[1,2]}})";
    c.set_current_user(user);
    EXPECT_EQ(c.get_current_user(), user);  // kept byte for byte
    c.clear_current_user();
    EXPECT_EQ(c.get_current_user(), "null");
    EXPECT_EQ(catch_error([&] { c.set_current_user("[]"); }).status(), Status::InvalidJson);
    EXPECT_EQ(catch_error([&] { c.set_current_user(R"({"token":5})"); }).status(), Status::InvalidJson);
    EXPECT_NO_THROW(c.set_token("abc"));
    EXPECT_NO_THROW(c.clear_token());
    EXPECT_NO_THROW(c.set_token(""));
}
