// authing_mfa::shutdown is process-wide and final, so it has its own test
// program (and ctest entry): one test that goes through the whole life.
#include "async_support.hpp"
#include "helpers.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <thread>

using authing_mfa::AsyncCall;
using authing_mfa::Client;
using authing_mfa::Error;
using authing_mfa::Operation;
using authing_mfa::Params;
using authing_mfa::Result;
using authing_mfa::Status;
using namespace testsupport;
using namespace std::chrono_literals;

TEST(Shutdown, CancelsWhatIsInFlightAndRefusesEverythingAfter) {
    const std::string password = "Passw0rd!shutdown";
    const std::string account = new_user(password);
    Client client(client_options());
    client.set_token(login_token(account, password));

    // 1. From inside a callback it is refused, and nothing is done.
    Inbox<Status> from_callback;
    Operation op = client.call_async("getMfaAuthenticators", std::nullopt, [&](Result) {
        try {
            authing_mfa::shutdown(1s);
            from_callback.put(Status::Ok);
        } catch (const Error& e) {
            from_callback.put(e.status());
        }
    });
    ASSERT_EQ(from_callback.wait_for(1), 1u);
    EXPECT_EQ(from_callback.items().at(0), Status::WouldDeadlock);
    EXPECT_EQ(json::parse(client.get_mfa_authenticators()), json::array());

    // 2. Calls hanging on a silent server: a callback, a future, and a
    //    blocking call on another thread.
    SilentServer silent;
    Client hanging(json{{"appHost", silent.url()}, {"timeout", 60000}}.dump());
    const Params params = Params().set("mfaToken", "t");
    Inbox<Result> callbacks;
    Operation pending = hanging.call_async("getMfaAuthenticators", params,
                                           [&](Result r) { callbacks.put(std::move(r)); });
    AsyncCall future = hanging.get_mfa_authenticators_future(params);
    std::promise<Status> blocking_status;
    std::thread blocking([&] {
        try {
            hanging.get_mfa_authenticators(params);
            blocking_status.set_value(Status::Ok);
        } catch (const Error& e) {
            blocking_status.set_value(e.status());
        }
    });
    ASSERT_TRUE(eventually([&] { return silent.accepted() >= 3; })) << silent.accepted();
    EXPECT_EQ(callbacks.wait_for(1, 100ms), 0u);

    const auto t0 = std::chrono::steady_clock::now();
    authing_mfa::shutdown(5s);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5500ms);
    ASSERT_EQ(callbacks.wait_for(1, 0ms), 1u) << "the callback had not fired when shutdown returned";
    EXPECT_EQ(callbacks.items().at(0).status(), Status::Shutdown);
    ASSERT_EQ(future.result.wait_for(0s), std::future_status::ready);
    EXPECT_EQ(catch_error([&] { future.result.get(); }).status(), Status::Shutdown);
    auto blocking_result = blocking_status.get_future();
    ASSERT_EQ(blocking_result.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(blocking_result.get(), Status::Shutdown);
    blocking.join();

    // 3. Afterwards: call_async throws (the callback is never called and is
    //    freed), call_future holds the error, blocking calls throw.
    const auto tracker = std::make_shared<int>(0);
    std::atomic<int> called{0};
    Error e = catch_error([&] {
        client.call_async("getMfaAuthenticators", std::nullopt, [tracker, &called](Result) { ++called; });
    });
    EXPECT_EQ(e.status(), Status::Shutdown);
    EXPECT_EQ(tracker.use_count(), 1);
    AsyncCall after = client.verify_totp_mfa_future(Params().set("totp", "123456").set("mfaToken", "t"));
    EXPECT_FALSE(after.op.valid());
    EXPECT_EQ(catch_error([&] { after.result.get(); }).status(), Status::Shutdown);
    EXPECT_EQ(catch_error([&] { client.get_mfa_authenticators(); }).status(), Status::Shutdown);
    // What needs no network still works.
    EXPECT_EQ(authing_mfa::totp_generate("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59), "287082");

    // 4. Idempotent.
    EXPECT_NO_THROW(authing_mfa::shutdown(0ms));
    EXPECT_NO_THROW(authing_mfa::shutdown(-5ms));  // clamped to 0
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(called.load(), 0);
}
