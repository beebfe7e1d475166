// Test support: a loopback HTTP/1.1 server that answers each request with a
// handler's (status, JSON body) and records what it received, for checking
// what the wrapper sends where the dev server has no endpoint.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace testsupport {

struct StubRequest {
    std::string method;
    std::string path;                            // with the query string
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
};

/// Serves one connection at a time, each answered with `Connection: close`.
class StubServer {
public:
    using Handler = std::function<std::pair<int, std::string>(const StubRequest&)>;

    explicit StubServer(Handler handler) : handler_(std::move(handler)) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw std::runtime_error("socket failed");
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 64) != 0) {
            ::close(fd_);
            throw std::runtime_error("bind/listen failed");
        }
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] {
            for (;;) {
                const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
                if (c < 0) return;  // shut down by the destructor
                serve(c);
                ::close(c);
            }
        });
    }
    ~StubServer() {
        ::shutdown(fd_, SHUT_RDWR);  // wakes accept() with an error
        thread_.join();
        ::close(fd_);
    }
    StubServer(const StubServer&) = delete;
    StubServer& operator=(const StubServer&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::vector<StubRequest> requests() const {
        const std::lock_guard<std::mutex> lock(mutex_);
        return requests_;
    }

private:
    void serve(int c) {
        std::string data;
        char buf[4096];
        std::size_t head_end;
        while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
            const ssize_t n = ::recv(c, buf, sizeof buf, 0);
            if (n <= 0) return;
            data.append(buf, static_cast<std::size_t>(n));
        }
        StubRequest req;
        const std::string head = data.substr(0, head_end);
        std::size_t line_end = head.find("\r\n");
        const std::string request_line = head.substr(0, line_end);
        const std::size_t sp1 = request_line.find(' ');
        const std::size_t sp2 = request_line.find(' ', sp1 + 1);
        req.method = request_line.substr(0, sp1);
        req.path = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
        while (line_end != std::string::npos && line_end < head.size()) {
            const std::size_t next = head.find("\r\n", line_end + 2);
            const std::string line = head.substr(line_end + 2, next == std::string::npos ? std::string::npos
                                                                                          : next - line_end - 2);
            const std::size_t colon = line.find(':');
            if (colon != std::string::npos) {
                std::string name = line.substr(0, colon);
                for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                std::size_t v = colon + 1;
                while (v < line.size() && line[v] == ' ') ++v;
                req.headers[name] = line.substr(v);
            }
            line_end = next;
        }
        std::size_t length = 0;
        if (req.headers.count("content-length")) length = std::stoul(req.headers["content-length"]);
        req.body = data.substr(head_end + 4);
        while (req.body.size() < length) {
            const ssize_t n = ::recv(c, buf, sizeof buf, 0);
            if (n <= 0) break;
            req.body.append(buf, static_cast<std::size_t>(n));
        }
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            requests_.push_back(req);
        }
        const auto [status, body] = handler_(req);
        const std::string answer = "HTTP/1.1 " + std::to_string(status) +
                                   " Stub\r\nContent-Type: application/json\r\nContent-Length: " +
                                   std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
        std::size_t sent = 0;
        while (sent < answer.size()) {
            const ssize_t n = ::send(c, answer.data() + sent, answer.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return;
            sent += static_cast<std::size_t>(n);
        }
    }

    Handler handler_;
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
    mutable std::mutex mutex_;
    std::vector<StubRequest> requests_;
};

}  // namespace testsupport
