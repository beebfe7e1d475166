// Test support for the non-blocking API: a server that accepts connections
// and never answers, and a waiter for callbacks that fire on library threads.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace testsupport {

/// Listens on 127.0.0.1, accepts every connection and never answers, so a
/// request to it hangs until its timeout (or a cancel). Its own thread
/// accepts and keeps the connections open until destruction.
class SilentServer {
public:
    SilentServer() {
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
                const std::lock_guard<std::mutex> lock(mutex_);
                accepted_.push_back(c);
            }
        });
    }
    ~SilentServer() {
        ::shutdown(fd_, SHUT_RDWR);  // wakes accept() with an error
        thread_.join();
        ::close(fd_);
        for (int c : accepted_) ::close(c);
    }
    SilentServer(const SilentServer&) = delete;
    SilentServer& operator=(const SilentServer&) = delete;

    std::uint16_t port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::size_t accepted() const {
        const std::lock_guard<std::mutex> lock(mutex_);
        return accepted_.size();
    }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
    mutable std::mutex mutex_;
    std::vector<int> accepted_;
};

/// Collects values delivered on other threads; `wait_for(n)` waits until n
/// have arrived (or the deadline passes) and returns how many did.
template <class T>
class Inbox {
public:
    void put(T v) {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            items_.push_back(std::move(v));
        }
        cv_.notify_all();
    }
    std::size_t wait_for(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait_for(lock, timeout, [&] { return items_.size() >= n; });
        return items_.size();
    }
    std::vector<T> items() const {
        const std::lock_guard<std::mutex> lock(mutex_);
        return items_;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<T> items_;
};

/// Polls until `pred()` holds or `timeout` passes; returns `pred()`.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline) return pred();
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

}  // namespace testsupport
