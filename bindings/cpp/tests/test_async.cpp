// The non-blocking API: call_async (callback), call_future, per-operation
// forms, Operation (cancel, RAII), and how failures and exceptions travel.
// Each test runs in its own process (gtest_discover_tests), so they do not
// share the library's runtime state.
#include "async_support.hpp"
#include "helpers.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

using authing_mfa::AsyncCall;
using authing_mfa::Client;
using authing_mfa::Error;
using authing_mfa::Operation;
using authing_mfa::Params;
using authing_mfa::Result;
using authing_mfa::Status;
using namespace testsupport;
using namespace std::chrono_literals;

static_assert(!std::is_copy_constructible_v<Operation>);
static_assert(!std::is_copy_assignable_v<Operation>);
static_assert(std::is_nothrow_move_constructible_v<Operation>);
static_assert(std::is_nothrow_move_assignable_v<Operation>);
static_assert(std::is_move_constructible_v<AsyncCall>);
static_assert(!std::is_copy_constructible_v<AsyncCall>);

namespace {

/// A user with a token, and a client of the dev server holding it.
struct TokenUser {
    std::string password = "Passw0rd!async";  // first: the members below use it
    std::string account;
    std::string token;
    TokenUser() : account(new_user(password)), token(login_token(account, password)) {}
};

/// A user with TOTP bound and confirmed; returns the secret and recovery code.
struct TotpUser : TokenUser {
    std::string secret;
    std::string recovery;
    TotpUser() {
        Client c(client_options());
        c.set_token(token);
        const json assoc = json::parse(c.associate_mfa_authenticator());
        secret = assoc.at("secret").get<std::string>();
        recovery = assoc.at("recovery_code").get<std::string>();
        c.confirm_associate_mfa_authenticator(Params().set("totp", code_now(secret)));
    }
};

std::string silent_options(const SilentServer& s, long long timeout_ms = 30000) {
    return json{{"appHost", s.url()}, {"timeout", timeout_ms}}.dump();
}

const Params kSomeMfaParams = Params().set("totp", "123456").set("mfaToken", "not-a-token");

}  // namespace

TEST(AsyncTypes, ResultHoldsAValueOrAnError) {
    const Result good(std::string("[1]"));
    EXPECT_TRUE(good.ok());
    EXPECT_TRUE(static_cast<bool>(good));
    EXPECT_EQ(good.status(), Status::Ok);
    EXPECT_EQ(good.value(), "[1]");
    EXPECT_THROW(good.error(), std::logic_error);
    EXPECT_EQ(Result(std::string("x")).value(), "x");  // the rvalue overload

    const Result bad(Error(Status::Api, R"({"status":"AUTHING_MFA_ERR_API","message":"m","code":6001,
                                            "httpStatus":200,"data":null})"));
    EXPECT_FALSE(bad.ok());
    EXPECT_EQ(bad.status(), Status::Api);
    EXPECT_EQ(bad.error().code(), 6001);
    const Error thrown = catch_error([&] { (void)bad.value(); });
    EXPECT_EQ(thrown.status(), Status::Api);
    EXPECT_EQ(thrown.code(), 6001);
}

TEST(AsyncTypes, EmptyOperationIsHarmless) {
    Operation empty;
    EXPECT_FALSE(empty.valid());
    empty.cancel();  // a no-op, as on a moved-from handle
    SilentServer s;
    Client c(silent_options(s, 500));
    Operation op = c.call_async("getMfaAuthenticators", Params().set("mfaToken", "t"), [](Result) {});
    EXPECT_TRUE(op.valid());
    authing_mfa_op* const handle = op.native_handle();
    Operation moved(std::move(op));
    EXPECT_FALSE(op.valid());  // NOLINT(bugprone-use-after-move): that is the test
    EXPECT_EQ(moved.native_handle(), handle);
    op.cancel();      // moved-from: nothing
    moved = Operation();  // releases the handle (without cancelling)
    EXPECT_FALSE(moved.valid());
}

TEST(Async, CallbackDeliversTheResultOnALibraryThread) {
    const TokenUser u;
    Client client(client_options());
    client.set_token(u.token);

    Inbox<std::pair<Result, std::thread::id>> inbox;
    Operation op = client.get_mfa_authenticators_async(
        std::nullopt, [&](Result r) { inbox.put({std::move(r), std::this_thread::get_id()}); });
    ASSERT_EQ(inbox.wait_for(1), 1u);
    const auto got = inbox.items().at(0);
    ASSERT_TRUE(got.first.ok()) << got.first.error().what();
    EXPECT_EQ(json::parse(got.first.value()), json::array());
    EXPECT_NE(got.second, std::this_thread::get_id());

    // A failure arrives as a value: no token → API 2020.
    Client anonymous(client_options());
    Inbox<Result> failures;
    Operation op2 = anonymous.call_async("getMfaAuthenticators", std::nullopt,
                                         [&](Result r) { failures.put(std::move(r)); });
    ASSERT_EQ(failures.wait_for(1), 1u);
    const Result r = failures.items().at(0);
    EXPECT_EQ(r.status(), Status::Api);
    EXPECT_EQ(r.error().code(), 2020);
    EXPECT_EQ(catch_error([&] { (void)r.value(); }).code(), 2020);
}

TEST(Async, TotpStoryThroughCallbackAndFuture) {
    const TotpUser u;
    Client client(client_options());

    // verifyTotpMfa through the callback form.
    std::string mfa_token = login_mfa_token(u.account, u.password);
    const std::string code = code_now(u.secret);
    Inbox<Result> inbox;
    Operation op = client.verify_totp_mfa_async(Params().set("totp", code).set("mfaToken", mfa_token),
                                                [&](Result r) { inbox.put(std::move(r)); });
    ASSERT_EQ(inbox.wait_for(1), 1u);
    const Result verified = inbox.items().at(0);
    ASSERT_TRUE(verified.ok()) << verified.error().what();
    const json user = json::parse(verified.value());
    EXPECT_EQ(user.at("username"), u.account);
    EXPECT_FALSE(user.at("token").get<std::string>().empty());

    // Replaying the code through the future: get() throws 6001.
    mfa_token = login_mfa_token(u.account, u.password);
    AsyncCall replay = client.verify_totp_mfa_future(Params().set("totp", code).set("mfaToken", mfa_token));
    EXPECT_TRUE(replay.op.valid());
    const Error e = catch_error([&] { replay.result.get(); });
    EXPECT_EQ(e.status(), Status::Api);
    EXPECT_EQ(e.code(), 6001);
    expect_no_secrets(e, {code, mfa_token, u.secret, u.token, u.recovery});

    // The recovery code through the generic future, with a structured binding.
    auto [result, rec_op] = client.call_future(
        "verifyTotpRecoveryCode", Params().set("recoveryCode", u.recovery).set("mfaToken", mfa_token));
    const json rec = json::parse(result.get());
    EXPECT_EQ(rec.at("user").at("username"), u.account);
    EXPECT_NE(rec.at("recoveryCode"), u.recovery);
}

TEST(Async, CancelAHangingCallCompletesPromptlyWithCancelled) {
    SilentServer s;
    Client client(silent_options(s));  // a 30 s timeout: only the cancel can end it soon

    // The future form.
    AsyncCall call = client.verify_totp_mfa_future(kSomeMfaParams);
    EXPECT_TRUE(eventually([&] { return s.accepted() >= 1; })) << "the request never reached the listener";
    EXPECT_EQ(call.result.wait_for(300ms), std::future_status::timeout) << "a silent server answered?";
    auto t0 = std::chrono::steady_clock::now();
    call.cancel();
    ASSERT_EQ(call.result.wait_for(5s), std::future_status::ready);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
    const Error e = catch_error([&] { call.result.get(); });
    EXPECT_EQ(e.status(), Status::Cancelled) << e.what();
    EXPECT_STREQ(e.status_name().c_str(), "AUTHING_MFA_ERR_CANCELLED");

    // The callback form, cancelled twice: still one callback.
    std::atomic<int> calls{0};
    Inbox<Result> inbox;
    Operation op = client.call_async("getMfaAuthenticators", Params().set("mfaToken", "t"), [&](Result r) {
        ++calls;
        inbox.put(std::move(r));
    });
    EXPECT_TRUE(eventually([&] { return s.accepted() >= 2; }));
    EXPECT_EQ(inbox.wait_for(1, 300ms), 0u);
    t0 = std::chrono::steady_clock::now();
    op.cancel();
    op.cancel();
    ASSERT_EQ(inbox.wait_for(1, 5s), 1u);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
    EXPECT_EQ(inbox.items().at(0).status(), Status::Cancelled);
    op.cancel();  // after completion: nothing
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(calls.load(), 1);
}

TEST(Async, CancelRacingCompletionFiresExactlyOnce) {
    const TokenUser u;
    Client client(client_options());
    client.set_token(u.token);

    constexpr int kOps = 400;
    struct Slot {
        std::atomic<int> calls{0};
        std::atomic<int> status{-1};
    };
    std::vector<Slot> slots(kOps);
    std::atomic<int> done{0};
    // Every callback holds a copy: when all are destroyed, use_count is 1
    // again (each heap context was freed; ASan would report a double free).
    const auto tracker = std::make_shared<int>(0);

    for (int i = 0; i < kOps; ++i) {
        Operation op = client.get_mfa_authenticators_async(std::nullopt, [&slots, &done, i, tracker](Result r) {
            slots[static_cast<std::size_t>(i)].status = static_cast<int>(r.status());
            slots[static_cast<std::size_t>(i)].calls.fetch_add(1);
            done.fetch_add(1);
        });
        // Cancel at different moments: at once, after a yield, after a
        // fraction of a request's time, and (every tenth) after the answer.
        switch (i % 10) {
        case 0: case 1: case 2: break;
        case 3: case 4: std::this_thread::yield(); break;
        case 9:
            eventually([&] { return slots[static_cast<std::size_t>(i)].calls.load() > 0; });
            break;
        default: std::this_thread::sleep_for(std::chrono::microseconds(100 * (i % 20))); break;
        }
        op.cancel();
        if (i % 2) op.cancel();  // idempotent
    }
    ASSERT_TRUE(eventually([&] { return done.load() == kOps; }, 30s)) << done.load() << " of " << kOps;
    std::this_thread::sleep_for(200ms);  // room for a (wrong) second callback
    int ok = 0, cancelled = 0;
    for (int i = 0; i < kOps; ++i) {
        const Slot& s = slots[static_cast<std::size_t>(i)];
        EXPECT_EQ(s.calls.load(), 1) << "operation " << i;
        const auto st = static_cast<Status>(s.status.load());
        if (st == Status::Ok) ++ok;
        else if (st == Status::Cancelled) ++cancelled;
        else ADD_FAILURE() << "operation " << i << ": " << authing_mfa::status_name(st);
    }
    EXPECT_EQ(done.load(), kOps);
    EXPECT_GT(cancelled, 0);  // an immediate cancel beats an HTTP round trip
    EXPECT_GE(ok, kOps / 10);  // those cancelled after their answer
    RecordProperty("completed", ok);
    RecordProperty("cancelled", cancelled);
    EXPECT_TRUE(eventually([&] { return tracker.use_count() == 1; })) << tracker.use_count();
}

TEST(Async, ManyThreadsSubmitOnOneClient) {
    const TokenUser u;
    Client client(client_options());
    client.set_token(u.token);

    constexpr int kThreads = 8;
    constexpr int kPerThread = 30;
    std::atomic<int> ok{0};
    std::atomic<int> failed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            std::vector<AsyncCall> futures;
            std::vector<Operation> ops;
            for (int i = 0; i < kPerThread; ++i) {
                if ((i + t) % 2) {
                    futures.push_back(client.get_mfa_authenticators_future());
                } else {
                    ops.push_back(client.call_async("getMfaAuthenticators", std::nullopt, [&](Result r) {
                        (r.ok() && json::parse(r.value()) == json::array() ? ok : failed).fetch_add(1);
                    }));
                }
            }
            for (AsyncCall& f : futures) {
                try {
                    (json::parse(f.result.get()) == json::array() ? ok : failed).fetch_add(1);
                } catch (const std::exception&) {
                    failed.fetch_add(1);
                }
            }
        });
    }
    for (std::thread& th : threads) th.join();
    EXPECT_TRUE(eventually([&] { return ok + failed == kThreads * kPerThread; }, 30s));
    EXPECT_EQ(ok.load(), kThreads * kPerThread);
    EXPECT_EQ(failed.load(), 0);
}

TEST(Async, BlockingCallInsideACallbackIsWouldDeadlock) {
    const TokenUser u;
    Client client(client_options());
    client.set_token(u.token);

    Inbox<Status> blocking;  // what the blocking call inside the callback did
    Inbox<Result> nested;    // a non-blocking call started from the callback
    std::vector<Operation> keep;  // only touched by the callback below
    Operation op = client.call_async("getMfaAuthenticators", std::nullopt, [&](Result) {
        try {
            client.get_mfa_authenticators();
            blocking.put(Status::Ok);
        } catch (const Error& e) {
            blocking.put(e.status());
        }
        keep.push_back(client.call_async("getMfaAuthenticators", std::nullopt,
                                         [&](Result r) { nested.put(std::move(r)); }));
    });
    ASSERT_EQ(blocking.wait_for(1), 1u);
    EXPECT_EQ(blocking.items().at(0), Status::WouldDeadlock);
    ASSERT_EQ(nested.wait_for(1), 1u);
    EXPECT_TRUE(nested.items().at(0).ok());
    // The client still works from an ordinary thread.
    EXPECT_EQ(json::parse(client.get_mfa_authenticators()), json::array());
}

TEST(Async, AnExceptionFromTheCallbackIsCaughtAndDropped) {
    const TokenUser u;
    Client client(client_options());
    client.set_token(u.token);
    const auto tracker = std::make_shared<int>(0);

    Inbox<int> reached;
    Operation a = client.call_async("getMfaAuthenticators", std::nullopt, [&reached, tracker](Result) {
        reached.put(1);
        throw std::runtime_error("thrown by the user's callback");
    });
    Operation b = client.call_async("getMfaAuthenticators", std::nullopt, [&reached, tracker](Result) {
        reached.put(2);
        throw 42;  // not even a std::exception
    });
    ASSERT_EQ(reached.wait_for(2), 2u);
    // The process lives on, the library's threads too, and both callbacks
    // were destroyed.
    EXPECT_TRUE(eventually([&] { return tracker.use_count() == 1; }));
    AsyncCall after = client.get_mfa_authenticators_future();
    EXPECT_EQ(json::parse(after.result.get()), json::array());
}

TEST(Async, RefusedCallsThrowAndFreeTheCallback) {
    Client client(client_options());
    const auto tracker = std::make_shared<int>(0);
    std::atomic<int> called{0};
    const auto cb = [tracker, &called](Result) { ++called; };

    Error e = catch_error([&] { client.call_async("noSuchMethod", std::nullopt, cb); });
    EXPECT_EQ(e.status(), Status::InvalidArgument);
    EXPECT_STREQ(e.what(), "AUTHING_MFA_ERR_INVALID_ARGUMENT: unknown method `noSuchMethod`");
    EXPECT_EQ(tracker.use_count(), 2);  // `cb` itself; the wrapper's copy is gone

    e = catch_error([&] { client.call_async("verify\xff", std::nullopt, cb); });
    EXPECT_EQ(e.status(), Status::InvalidUtf8);
    EXPECT_EQ(std::string(e.what()).find('\xff'), std::string::npos);

    e = catch_error([&] { client.call_async("verifyTotpMfa", std::string("{\"totp\":\"1\0\"}", 13), cb); });
    EXPECT_EQ(e.status(), Status::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("NUL"), std::string::npos);

    e = catch_error([&] { client.call_async("verifyTotpMfa", "{}", authing_mfa::Callback()); });
    EXPECT_EQ(e.status(), Status::NullArgument);

    Client moved_to(std::move(client));
    e = catch_error([&] { client.call_async("getMfaAuthenticators", std::nullopt, cb); });  // NOLINT
    EXPECT_EQ(e.status(), Status::NullArgument);
    EXPECT_EQ(tracker.use_count(), 2);

    // call_future stores the refusal in the future; its op is empty.
    AsyncCall f = moved_to.call_future("noSuchMethod");
    EXPECT_FALSE(f.op.valid());
    ASSERT_EQ(f.result.wait_for(0s), std::future_status::ready);
    EXPECT_EQ(catch_error([&] { f.result.get(); }).status(), Status::InvalidArgument);
    f.cancel();  // harmless

    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(called.load(), 0);
}

TEST(Async, ParameterErrorsArriveThroughTheCallback) {
    Client client(client_options());
    Inbox<Result> inbox;
    Operation a = client.call_async("verifyTotpMfa", "{not json", [&](Result r) { inbox.put(std::move(r)); });
    ASSERT_EQ(inbox.wait_for(1), 1u);
    Operation b = client.verify_totp_mfa_async("{}", [&](Result r) { inbox.put(std::move(r)); });
    ASSERT_EQ(inbox.wait_for(2), 2u);
    EXPECT_EQ(inbox.items().at(0).status(), Status::InvalidJson);
    EXPECT_EQ(inbox.items().at(1).status(), Status::InvalidArgument);
}

TEST(Async, DroppingTheOperationDoesNotCancel) {
    const TokenUser u;
    Client client(client_options());
    client.set_token(u.token);
    Inbox<Result> inbox;
    // The returned Operation is a temporary, destroyed at once.
    client.get_mfa_authenticators_async(std::nullopt, [&](Result r) { inbox.put(std::move(r)); });
    ASSERT_EQ(inbox.wait_for(1), 1u);
    EXPECT_TRUE(inbox.items().at(0).ok());

    // Against a silent server, a dropped call ends by its timeout, not by
    // a cancel.
    SilentServer s;
    Client slow(silent_options(s, 300));
    slow.call_async("getMfaAuthenticators", Params().set("mfaToken", "t"),
                    [&](Result r) { inbox.put(std::move(r)); });
    ASSERT_EQ(inbox.wait_for(2), 2u);
    EXPECT_EQ(inbox.items().at(1).status(), Status::Timeout);
}

TEST(Async, TheClientMayBeDestroyedWhileItsCallsRun) {
    SilentServer s;
    std::optional<Client> client(std::in_place, silent_options(s, 400));
    AsyncCall call = client->verify_totp_mfa_future(kSomeMfaParams);
    client.reset();
    EXPECT_EQ(catch_error([&] { call.result.get(); }).status(), Status::Timeout);
}
