// Test support: the dev server process (a gtest Environment) and a tiny
// HTTP/1.1 client for its /__dev/ control endpoints, which are not part of
// the library. Results are read with nlohmann::json, an oracle independent of
// the wrapper's own error-JSON reader.
#pragma once

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <sys/types.h>

namespace testsupport {

using nlohmann::json;

struct HttpResponse {
    int status = 0;
    std::string body;
    json envelope() const { return json::parse(body); }
};

/// One request on a fresh connection to 127.0.0.1 (`Connection: close`).
/// `content_type` defaults to JSON when there is a body.
HttpResponse http_request(std::uint16_t port, const std::string& method, const std::string& path,
                          const std::string& body = "", const std::string& content_type = "",
                          const std::string& bearer = "");

/// A port on 127.0.0.1 where nothing listens (bound, then closed).
std::uint16_t closed_port();

/// Starts `authing-mfa-devserver --port 0 --exit-on-stdin-close`, reads its
/// base URL from the first stdout line, and stops it by closing its stdin
/// (so a crashed test process cannot leave it running).
class DevServerEnv : public ::testing::Environment {
public:
    void SetUp() override;
    void TearDown() override;

    static const std::string& base_url();
    static std::uint16_t port();

private:
    pid_t pid_ = -1;
    int stdin_fd_ = -1;
    int stdout_fd_ = -1;
};

// --- Dev server helpers (each asserts the envelope says 200) ---------------

/// POST /__dev/users; returns `data` (the user, with `id`).
json create_user(const json& fields);
/// POST /__dev/login; returns the whole envelope (code 200 or 1635).
json dev_login(const std::string& account, const std::string& password);
/// POST /__dev/users/{id}/mfa/{factor} with `body`; returns `data`.
json set_factor(const std::string& user_id, const std::string& factor, const json& body);
/// The server's clock (it can be shifted), in Unix seconds.
std::int64_t server_now();
/// Shifts the server's clock by `seconds`.
void advance_clock(std::int64_t seconds);
/// POST `path` (e.g. /api/v2/sms/send) with `body`; asserts code 200.
void post_ok(const std::string& path, const json& body);
/// The newest code in the outbox for a phone or email.
std::string latest_code(const std::string& to);
/// Uploads bytes as multipart field `file`; returns the upload's `key`.
std::string upload(const std::string& bytes, const std::string& file_name);
/// A name unique within this process, for usernames, emails and phones.
std::string unique(const std::string& prefix);
/// Options JSON for a client of the dev server.
std::string client_options(const std::string& lang = "en-US");

}  // namespace testsupport
