// The log callback: what it receives (never a secret), levels, replacement
// and removal (the old std::function is destroyed only once unused), and
// exceptions. The callback is process-wide; each test runs in its own
// process (gtest_discover_tests), and each removes what it installs.
#include "async_support.hpp"
#include "helpers.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

using authing_mfa::Client;
using authing_mfa::Error;
using authing_mfa::Params;
using authing_mfa::Result;
using authing_mfa::Status;
using namespace testsupport;
using namespace std::chrono_literals;

namespace {

struct Line {
    int level;
    std::string text;
};

/// Collects log lines from any thread.
class Lines {
public:
    authing_mfa::LogCallback callback() {
        return [this](int level, std::string_view message) {
            const std::lock_guard<std::mutex> lock(mutex_);
            lines_.push_back({level, std::string(message)});
        };
    }
    std::vector<Line> get() const {
        const std::lock_guard<std::mutex> lock(mutex_);
        return lines_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<Line> lines_;
};

/// Removes the log callback when a test ends, even a failing one.
struct ClearLogOnExit {
    ~ClearLogOnExit() { authing_mfa::clear_log_callback(); }
};

bool any_contains(const std::vector<Line>& lines, const std::string& needle) {
    for (const Line& l : lines)
        if (l.text.find(needle) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST(Log, DebugLinesRedactTheTokenAndNeverHoldSecrets) {
    const std::string password = "Passw0rd!log";
    const std::string account = new_user(password);
    const std::string token = login_token(account, password);
    Client client(client_options());
    client.set_token(token);

    Lines lines;
    ClearLogOnExit guard;
    authing_mfa::set_log_callback(authing_mfa::LogDebug, lines.callback());

    // Blocking and non-blocking requests with the user token...
    EXPECT_EQ(json::parse(client.get_mfa_authenticators()), json::array());
    const json assoc = json::parse(client.associate_mfa_authenticator_future().result.get());
    const std::string secret = assoc.at("secret").get<std::string>();
    const std::string recovery = assoc.at("recovery_code").get<std::string>();
    client.confirm_associate_mfa_authenticator(Params().set("totp", code_now(secret)));
    // ...and with an mfaToken and a TOTP code.
    const std::string mfa_token = login_mfa_token(account, password);
    const std::string code = code_now(secret);
    const json user = json::parse(
        client.verify_totp_mfa_future(Params().set("totp", code).set("mfaToken", mfa_token)).result.get());
    const std::string new_token = user.at("token").get<std::string>();

    const std::vector<Line> got = lines.get();
    ASSERT_FALSE(got.empty());
    EXPECT_TRUE(any_contains(got, "Bearer <redacted>"));
    EXPECT_TRUE(any_contains(got, "/api/v2/mfa/authenticator"));
    EXPECT_TRUE(any_contains(got, "/api/v2/mfa/totp/verify"));
    for (const Line& l : got) {
        EXPECT_GE(l.level, authing_mfa::LogError);
        EXPECT_LE(l.level, authing_mfa::LogDebug);
        for (const std::string& s : {token, mfa_token, secret, recovery, code, new_token})
            EXPECT_EQ(l.text.find(s), std::string::npos) << "a secret in the log: " << l.text;
    }

    // Once removed, nothing more arrives.
    authing_mfa::clear_log_callback();
    const std::size_t before = lines.get().size();
    client.get_mfa_authenticators();
    client.get_mfa_authenticators_future().result.get();
    EXPECT_EQ(lines.get().size(), before);
}

TEST(Log, MaxLevelFilters) {
    Client client(client_options());  // no token: API 2020, which is still one line per request
    Lines lines;
    ClearLogOnExit guard;
    authing_mfa::set_log_callback(authing_mfa::LogInfo, lines.callback());
    EXPECT_THROW(client.get_mfa_authenticators(), Error);
    const std::vector<Line> got = lines.get();
    ASSERT_FALSE(got.empty());
    for (const Line& l : got) EXPECT_LE(l.level, authing_mfa::LogInfo) << l.text;
    EXPECT_FALSE(any_contains(got, "Bearer"));  // headers are debug lines

    // An invalid level is refused and leaves the installed callback in place.
    Lines other;
    EXPECT_EQ(catch_error([&] { authing_mfa::set_log_callback(0, other.callback()); }).status(),
              Status::InvalidArgument);
    EXPECT_THROW(client.get_mfa_authenticators(), Error);
    EXPECT_GT(lines.get().size(), got.size());
    EXPECT_TRUE(other.get().empty());
}

TEST(Log, ExceptionsFromTheCallbackAreContained) {
    const std::string password = "Passw0rd!logthrow";
    const std::string account = new_user(password);
    Client client(client_options());
    client.set_token(login_token(account, password));

    std::atomic<int> calls{0};
    ClearLogOnExit guard;
    authing_mfa::set_log_callback(authing_mfa::LogDebug, [&](int, std::string_view) {
        ++calls;
        throw std::runtime_error("thrown by the user's logger");
    });
    EXPECT_EQ(json::parse(client.get_mfa_authenticators()), json::array());
    EXPECT_EQ(json::parse(client.get_mfa_authenticators_future().result.get()), json::array());
    EXPECT_GE(calls.load(), 2);
}

TEST(Log, ReplacingFromInsideTheCallbackIsWouldDeadlock) {
    Client client(client_options());
    Inbox<Status> seen;
    ClearLogOnExit guard;
    authing_mfa::set_log_callback(authing_mfa::LogInfo, [&](int, std::string_view) {
        for (int which = 0; which < 2; ++which) {
            try {
                if (which == 0)
                    authing_mfa::set_log_callback(authing_mfa::LogDebug, [](int, std::string_view) {});
                else
                    authing_mfa::clear_log_callback();
                seen.put(Status::Ok);
            } catch (const Error& e) {
                seen.put(e.status());
            }
        }
    });
    EXPECT_THROW(client.get_mfa_authenticators(), Error);
    ASSERT_GE(seen.wait_for(2), 2u);
    for (Status s : seen.items()) EXPECT_EQ(s, Status::WouldDeadlock);
}

TEST(Log, ReplacementDestroysTheOldCallbackOnlyOnceUnused) {
    const std::string password = "Passw0rd!logswap";
    const std::string account = new_user(password);
    Client client(client_options());
    client.set_token(login_token(account, password));
    ClearLogOnExit guard;

    // The old std::function is destroyed when set_log_callback returns.
    const auto tracker = std::make_shared<int>(0);
    authing_mfa::set_log_callback(authing_mfa::LogDebug, [tracker](int, std::string_view) {});
    EXPECT_EQ(tracker.use_count(), 2);
    authing_mfa::set_log_callback(authing_mfa::LogDebug, [](int, std::string_view) {});
    EXPECT_EQ(tracker.use_count(), 1);

    // Replace it hundreds of times while four threads log: each callback
    // reads heap state owned by its std::function, so a call after its
    // destruction is a use-after-free that AddressSanitizer reports.
    std::atomic<bool> stop{false};
    std::atomic<long> delivered{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < 4; ++t) {
        workers.emplace_back([&] {
            while (!stop) {
                try {
                    client.get_mfa_authenticators();
                } catch (const Error&) {
                }
            }
        });
    }
    for (int i = 0; i < 300; ++i) {
        auto state = std::make_shared<std::vector<int>>(64, i);
        authing_mfa::set_log_callback(authing_mfa::LogDebug, [state, &delivered](int, std::string_view) {
            long sum = 0;
            for (int v : *state) sum += v;
            delivered.fetch_add(sum >= 0 ? 1 : 0);
        });
        if (i % 3 == 0) std::this_thread::sleep_for(1ms);
        if (i % 50 == 0) authing_mfa::clear_log_callback();
    }
    stop = true;
    for (std::thread& w : workers) w.join();
    EXPECT_GT(delivered.load(), 0);
}
