// The wrapper checked against the library's own list of operations
// (authing_mfa::operations(), from authing_mfa_operations), so that an
// operation the library gains but Client lacks fails here (issue #11).
//
// C++ has no reflection: `methods()` maps every JS name to calls of its
// Client methods, and the tests assert that its names are exactly the
// library's, and that each call reaches the operation it is listed under
// (a parameter key no operation takes makes the library refuse the call,
// before anything is sent, with "<operation>: unknown key …").
#include "helpers.hpp"

#include <algorithm>
#include <functional>
#include <future>
#include <map>
#include <set>
#include <utility>
#include <vector>

using authing_mfa::Client;
using authing_mfa::Status;
using testsupport::catch_error;
using testsupport::json;

namespace {

using Call = std::function<void(const Client&, const std::string& params)>;

struct Methods {
    Call blocking;  // the blocking method
    Call future;    // its `_future` form; empty: none
    Call async;     // its `_async` form, waited for; empty: none
    // The JS name the library reports for these methods, when it is not the
    // entry's own (one method serving two operations).
    const char* runs = nullptr;
};

// The blocking method `m`, its `m_future` form and its `m_async` form
// (whose callback's Result is waited for and rethrown).
#define AUTHING_MFA_METHODS(m)                                                                \
    Methods{[](const Client& c, const std::string& p) { c.m(p); },                            \
            [](const Client& c, const std::string& p) { c.m##_future(p).result.get(); },      \
            [](const Client& c, const std::string& p) {                                       \
                std::promise<authing_mfa::Result> done;                                       \
                std::future<authing_mfa::Result> result = done.get_future();                  \
                c.m##_async(p, [&done](authing_mfa::Result r) { done.set_value(std::move(r)); }); \
                result.get().value();                                                         \
            },                                                                                \
            nullptr}

/// Every operation of the library, by JS name, with its Client methods.
/// Method names are the JS name in snake_case, except where a comment says.
/// An operation added to the library but not here fails
/// `OperationList.EveryOperationHasAClientMethod`.
const std::map<std::string, Methods>& methods() {
    static const std::map<std::string, Methods> table = {
        {"getMfaAuthenticators", AUTHING_MFA_METHODS(get_mfa_authenticators)},
        // The JS SDK misspells associate (assosicate…); the wrapper spells it right.
        {"assosicateMfaAuthenticator", AUTHING_MFA_METHODS(associate_mfa_authenticator)},
        {"deleteMfaAuthenticator", AUTHING_MFA_METHODS(delete_mfa_authenticator)},
        {"confirmAssosicateMfaAuthenticator", AUTHING_MFA_METHODS(confirm_associate_mfa_authenticator)},
        {"verifyTotpMfa", AUTHING_MFA_METHODS(verify_totp_mfa)},
        {"verifyTotpRecoveryCode", AUTHING_MFA_METHODS(verify_totp_recovery_code)},
        {"verifyAppSmsMfa", AUTHING_MFA_METHODS(verify_app_sms_mfa)},
        {"verifyAppEmailMfa", AUTHING_MFA_METHODS(verify_app_email_mfa)},
        // Returns a bool and has no _async/_future form (documented: use
        // call_async("phoneOrEmailBindable", …)).
        {"phoneOrEmailBindable",
         Methods{[](const Client& c, const std::string& p) { c.phone_or_email_bindable(p); }, Call(), Call(),
                 nullptr}},
        {"associateFaceByUrl", AUTHING_MFA_METHODS(associate_face_by_url)},
        // One C function (authing_mfa_associate_face_by_files) runs both: a
        // native program has files, not browser blobs. One method, named
        // after what it takes, serves both.
        {"associateFaceByLocalFile", AUTHING_MFA_METHODS(associate_face_by_files)},
        {"associateFaceByBlob",
         [] {
             Methods m = AUTHING_MFA_METHODS(associate_face_by_files);
             m.runs = "associateFaceByLocalFile";
             return m;
         }()},
        {"verifyFaceMfa", AUTHING_MFA_METHODS(verify_face_mfa)},
        // The first factor (issue #12).
        {"loginByEmail", AUTHING_MFA_METHODS(login_by_email)},
        {"loginByUsername", AUTHING_MFA_METHODS(login_by_username)},
        {"loginByPhonePassword", AUTHING_MFA_METHODS(login_by_phone_password)},
        {"loginByPhoneCode", AUTHING_MFA_METHODS(login_by_phone_code)},
        {"loginByEmailCode", AUTHING_MFA_METHODS(login_by_email_code)},
        {"sendSmsCode", AUTHING_MFA_METHODS(send_sms_code)},
        {"sendEmail", AUTHING_MFA_METHODS(send_email)},
        {"logout", AUTHING_MFA_METHODS(logout)},
        {"checkLoginStatus", AUTHING_MFA_METHODS(check_login_status)},
        // Authing's v3 factor API (issue #13); `sign_in` is the same
        // operation under the library's alias (tests/test_factors.cpp).
        {"signInByCredentials", AUTHING_MFA_METHODS(sign_in_by_credentials)},
        {"sendEnrollFactorRequest", AUTHING_MFA_METHODS(send_enroll_factor_request)},
        {"enrollFactor", AUTHING_MFA_METHODS(enroll_factor)},
        {"resetFactor", AUTHING_MFA_METHODS(reset_factor)},
        {"listEnrolledFactors", AUTHING_MFA_METHODS(list_enrolled_factors)},
        {"getFactor", AUTHING_MFA_METHODS(get_factor)},
        {"listFactorsToEnroll", AUTHING_MFA_METHODS(list_factors_to_enroll)},
        {"mfaOtpVerify", AUTHING_MFA_METHODS(mfa_otp_verify)},
        {"verifyMfaToken", AUTHING_MFA_METHODS(verify_mfa_token)},
    };
    return table;
}

#undef AUTHING_MFA_METHODS

/// The differences between the library's list and `table`, one line each
/// naming the binding and the operation; empty when they match.
std::vector<std::string> compare(const json& ops, const std::map<std::string, Methods>& table) {
    std::vector<std::string> problems;
    std::set<std::string> listed;
    for (const json& op : ops) {
        const std::string name = op.at("name").get<std::string>();
        listed.insert(name);
        if (table.count(name) == 0)
            problems.push_back("C++ binding: Client has no method for operation " + name +
                               " (none in methods() of tests/test_operation_list.cpp)");
    }
    for (const auto& entry : table)
        if (listed.count(entry.first) == 0)
            problems.push_back("C++ binding: methods() names " + entry.first +
                               ", which the library does not list");
    return problems;
}

std::string joined(const std::vector<std::string>& lines) {
    std::string s;
    for (const std::string& l : lines) s += l + "\n";
    return s;
}

}  // namespace

TEST(OperationList, IsTheLibrarysList) {
    const json ops = json::parse(authing_mfa::operations());
    ASSERT_TRUE(ops.is_array());
    ASSERT_GE(ops.size(), 13u);
    std::set<std::string> names;
    for (const json& op : ops) {
        ASSERT_TRUE(op.is_object()) << op.dump();
        // The four fields the header documents, and the three the library's
        // catalogue has given since issue #11 (not in the header's comment).
        for (const auto& field : op.items())
            EXPECT_TRUE(std::set<std::string>({"name", "aliases", "cFunction", "keys", "http", "token",
                                               "requiresArgument"})
                            .count(field.key()))
                << op.dump();
        EXPECT_TRUE(op.at("name").is_string() && op.at("cFunction").is_string()) << op.dump();
        EXPECT_TRUE(op.at("aliases").is_array() && op.at("keys").is_array()) << op.dump();
        EXPECT_TRUE(names.insert(op.at("name").get<std::string>()).second) << op.dump();
    }
    const json verify = json::parse(
        R"({"name":"verifyTotpMfa","aliases":[],"cFunction":"authing_mfa_verify_totp","keys":["totp","mfaToken"]})");
    EXPECT_NE(std::find_if(ops.begin(), ops.end(),
                           [&verify](const json& op) {
                               return op.at("name") == verify.at("name") && op.at("aliases") == verify.at("aliases") &&
                                      op.at("cFunction") == verify.at("cFunction") && op.at("keys") == verify.at("keys");
                           }),
              ops.end());
}

TEST(OperationList, EveryOperationHasAClientMethod) {
    const auto problems = compare(json::parse(authing_mfa::operations()), methods());
    EXPECT_TRUE(problems.empty()) << joined(problems);
}

// Each entry's calls reach the operation it is listed under (or, for a
// method serving two, one the library runs with the same C function).
TEST(OperationList, EachMethodRunsItsOperation) {
    const json ops = json::parse(authing_mfa::operations());
    std::map<std::string, json> by_name;
    for (const json& op : ops) by_name[op.at("name").get<std::string>()] = op;
    const std::string probe = R"({"operationListProbe":true})";
    const Client client;  // nothing is sent: the parameters are refused first
    for (const auto& [name, m] : methods()) {
        const std::string runs = m.runs ? m.runs : name;
        ASSERT_EQ(by_name.count(name), 1u) << "C++ binding: methods() names " << name
                                           << ", which the library does not list";
        ASSERT_EQ(by_name.count(runs), 1u) << runs;
        EXPECT_EQ(by_name[runs].at("cFunction"), by_name[name].at("cFunction"))
            << "C++ binding: " << name << " is listed as run by " << runs << ", which has another C function";
        std::vector<std::pair<const char*, const Call*>> forms{{"blocking", &m.blocking}};
        if (m.future) forms.emplace_back("_future", &m.future);
        if (m.async) forms.emplace_back("_async", &m.async);
        for (const auto& [form, call] : forms) {
            const auto e = catch_error([&] { (*call)(client, probe); });
            EXPECT_EQ(e.status(), Status::InvalidArgument) << name << " " << form << ": " << e.what();
            EXPECT_EQ(e.message().rfind(runs + ": unknown key", 0), 0u)
                << "C++ binding: the " << form << " method listed for operation " << name
                << " runs another operation: " << e.message();
        }
    }
}

// The check above can fail: an operation the table lacks, and a table entry
// the library does not list, are reported.
TEST(OperationList, TheCheckFailsOnAnOperationTheBindingLacks) {
    json ops = json::parse(authing_mfa::operations());
    ops.push_back(json{{"name", "verifyNothingMfa"},
                       {"aliases", json::array()},
                       {"cFunction", "authing_mfa_verify_totp"},
                       {"keys", json::array()}});
    auto table = methods();
    table.emplace("associateFaceByPigeon", table.at("associateFaceByBlob"));
    const std::vector<std::string> want{
        "C++ binding: Client has no method for operation verifyNothingMfa (none in methods() of "
        "tests/test_operation_list.cpp)",
        "C++ binding: methods() names associateFaceByPigeon, which the library does not list",
    };
    EXPECT_EQ(compare(ops, table), want);
}
