#include "devserver.hpp"

#include <arpa/inet.h>
#include <cctype>
#include <fcntl.h>
#include <cerrno>
#include <cstdio>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

extern char** environ;

namespace testsupport {

namespace {

std::string g_base_url;
std::uint16_t g_port = 0;

/// Closes a file descriptor when it goes out of scope.
struct Fd {
    int fd = -1;
    explicit Fd(int f) : fd(f) {}
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
};

void write_all(int fd, const std::string& data) {
    std::size_t off = 0;
    while (off < data.size()) {
        const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::runtime_error(std::string("send: ") + std::strerror(errno));
        off += static_cast<std::size_t>(n);
    }
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string dechunk(const std::string& body) {
    std::string out;
    std::size_t i = 0;
    for (;;) {
        const std::size_t eol = body.find("\r\n", i);
        if (eol == std::string::npos) throw std::runtime_error("bad chunked body");
        const std::size_t size = std::stoul(body.substr(i, eol - i), nullptr, 16);
        i = eol + 2;
        if (size == 0) return out;
        out += body.substr(i, size);
        i += size + 2;
    }
}

json expect_ok(const HttpResponse& r, const std::string& what) {
    const json env = r.envelope();
    if (env.value("code", -1) != 200)
        throw std::runtime_error(what + ": unexpected answer " + r.body);
    return env.contains("data") ? env["data"] : json();
}

}  // namespace

HttpResponse http_request(std::uint16_t port, const std::string& method, const std::string& path,
                          const std::string& body, const std::string& content_type,
                          const std::string& bearer) {
    Fd sock(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (sock.fd < 0) throw std::runtime_error("socket failed");
    // Never let a test hang on a silent server.
    timeval tv{10, 0};
    ::setsockopt(sock.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(sock.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(sock.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw std::runtime_error(std::string("connect: ") + std::strerror(errno));

    std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" +
                      std::to_string(port) + "\r\nConnection: close\r\n";
    if (!bearer.empty()) req += "Authorization: Bearer " + bearer + "\r\n";
    if (!body.empty() || method == "POST") {
        req += "Content-Type: " + (content_type.empty() ? "application/json" : content_type) + "\r\n";
        req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    req += "\r\n" + body;
    write_all(sock.fd, req);

    std::string raw;
    char buf[8192];
    for (;;) {
        const ssize_t n = ::recv(sock.fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw std::runtime_error(std::string("recv: ") + std::strerror(errno));
        if (n == 0) break;
        raw.append(buf, static_cast<std::size_t>(n));
    }
    const std::size_t head_end = raw.find("\r\n\r\n");
    if (raw.compare(0, 9, "HTTP/1.1 ") != 0 || head_end == std::string::npos)
        throw std::runtime_error("not an HTTP answer: " + raw.substr(0, 200));
    HttpResponse r;
    r.status = std::stoi(raw.substr(9, 3));
    const std::string head = lower(raw.substr(0, head_end));
    r.body = raw.substr(head_end + 4);
    if (head.find("transfer-encoding: chunked") != std::string::npos) r.body = dechunk(r.body);
    return r;
}

std::uint16_t closed_port() {
    Fd sock(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(sock.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw std::runtime_error("bind failed");
    socklen_t len = sizeof addr;
    ::getsockname(sock.fd, reinterpret_cast<sockaddr*>(&addr), &len);
    return ntohs(addr.sin_port);  // closed (never listened) when `sock` goes
}

// A dev server that cannot start ends the process with status 1 at once.
// Failing through GoogleTest instead would print "[  SKIPPED ]" for every
// test, which ctest counts as skipped, not failed, and the run would pass.
[[noreturn]] static void setup_failed(const std::string& why, pid_t child) {
    std::fprintf(stderr, "FATAL: cannot start the dev server: %s\n", why.c_str());
    if (child > 0) {  // our own child, by its pid
        ::kill(child, SIGKILL);
        ::waitpid(child, nullptr, 0);
    }
    std::fflush(nullptr);
    std::_Exit(1);
}

void DevServerEnv::SetUp() {
    const char* from_env = std::getenv("AUTHING_MFA_DEVSERVER");
    const std::string exe = (from_env && *from_env) ? from_env : AUTHING_MFA_DEVSERVER_PATH;
    if (::access(exe.c_str(), X_OK) != 0)
        setup_failed("not found at " + exe +
                         " (run `cargo build -p authing-mfa-devserver`, or set AUTHING_MFA_DEVSERVER)",
                     -1);

    int in_pipe[2];
    int out_pipe[2];
    if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0)
        setup_failed(std::string("pipe: ") + std::strerror(errno), -1);
    // posix_spawn, not fork: nothing runs in the child but exec, and the
    // library (which must not be forked once used) is not touched.
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in_pipe[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], STDOUT_FILENO);
    std::string port_arg = "--port", zero = "0", stdin_arg = "--exit-on-stdin-close";
    char* argv[] = {const_cast<char*>(exe.c_str()), port_arg.data(), zero.data(), stdin_arg.data(),
                    nullptr};
    int rc = 0;
    // ETXTBSY: cargo may be relinking the binary this very moment (a build
    // running beside the tests); it is done within a few seconds.
    for (int attempt = 0; attempt < 20; ++attempt) {
        rc = ::posix_spawn(&pid_, exe.c_str(), &fa, nullptr, argv, environ);
        if (rc != ETXTBSY) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    posix_spawn_file_actions_destroy(&fa);
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    stdin_fd_ = in_pipe[1];
    stdout_fd_ = out_pipe[0];
    if (rc != 0) setup_failed("posix_spawn " + exe + ": " + std::strerror(rc), -1);

    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (line.empty() || line.back() != '\n') {
        pollfd p{stdout_fd_, POLLIN, 0};
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) setup_failed("it printed no URL within 30 s", pid_);
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        char c;
        if (::read(stdout_fd_, &c, 1) != 1) setup_failed("it exited before printing its URL", pid_);
        line.push_back(c);
    }
    line.pop_back();
    const std::string prefix = "http://127.0.0.1:";
    if (line.compare(0, prefix.size(), prefix) != 0) setup_failed("unexpected first line: " + line, pid_);
    g_base_url = line;
    g_port = static_cast<std::uint16_t>(std::stoi(line.substr(prefix.size())));
}

void DevServerEnv::TearDown() {
    if (stdin_fd_ >= 0) ::close(stdin_fd_);  // --exit-on-stdin-close: it stops
    stdin_fd_ = -1;
    if (pid_ > 0) {
        int status = 0;
        for (int i = 0; i < 100; ++i) {
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (pid_ > 0) {  // our own child, by its pid
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
            ADD_FAILURE() << "the dev server did not stop when its stdin closed";
        }
    }
    if (stdout_fd_ >= 0) ::close(stdout_fd_);
    stdout_fd_ = -1;
}

const std::string& DevServerEnv::base_url() { return g_base_url; }
std::uint16_t DevServerEnv::port() { return g_port; }

json create_user(const json& fields) {
    return expect_ok(http_request(g_port, "POST", "/__dev/users", fields.dump()), "create user");
}

json dev_login(const std::string& account, const std::string& password) {
    return http_request(g_port, "POST", "/__dev/login",
                        json{{"account", account}, {"password", password}}.dump())
        .envelope();
}

json set_factor(const std::string& user_id, const std::string& factor, const json& body) {
    return expect_ok(
        http_request(g_port, "POST", "/__dev/users/" + user_id + "/mfa/" + factor, body.dump()),
        "set factor " + factor);
}

std::int64_t server_now() {
    return expect_ok(http_request(g_port, "GET", "/__dev/clock"), "clock")["now"].get<std::int64_t>();
}

void advance_clock(std::int64_t seconds) {
    expect_ok(http_request(g_port, "POST", "/__dev/clock", json{{"advanceSeconds", seconds}}.dump()),
              "advance clock");
}

void post_ok(const std::string& path, const json& body) {
    expect_ok(http_request(g_port, "POST", path, body.dump()), path);
}

std::string latest_code(const std::string& to) {
    // `to` is a plain phone number or email in these tests: only '+' and '@'
    // need escaping in a query string.
    std::string q;
    for (char c : to) {
        if (c == '+') q += "%2B";
        else if (c == '@') q += "%40";
        else q.push_back(c);
    }
    const json list = expect_ok(http_request(g_port, "GET", "/__dev/outbox?to=" + q), "outbox");
    if (!list.is_array() || list.empty()) throw std::runtime_error("no code sent to " + to);
    return list.back()["code"].get<std::string>();
}

std::string upload(const std::string& bytes, const std::string& file_name) {
    const std::string boundary = "----authing-mfa-cpp-test-boundary";
    std::string body = "--" + boundary +
                       "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + file_name +
                       "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + bytes + "\r\n--" +
                       boundary + "--\r\n";
    const json data = expect_ok(
        http_request(g_port, "POST", "/api/v2/upload?folder=face-photo&private=true", body,
                     "multipart/form-data; boundary=" + boundary),
        "upload");
    return data["key"].get<std::string>();
}

std::string unique(const std::string& prefix) {
    static std::atomic<int> counter{0};
    return prefix + std::to_string(::getpid()) + "x" + std::to_string(++counter);
}

std::string client_options(const std::string& lang) {
    return json{{"appHost", g_base_url}, {"lang", lang}, {"timeout", 10000}}.dump();
}

}  // namespace testsupport
