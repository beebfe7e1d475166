// header_cpp_test.cpp: proves that include/authing_mfa.h compiles as C++
// (-std=c++17 -Wall -Wextra -Werror -pedantic), that its extern "C" guards
// give the functions C linkage (this links against the C library), and shows
// the idiomatic C++ wrapping: unique_ptr with the library's own free
// functions, so nothing the library returns is freed with delete or free().
#include "authing_mfa.h"

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

namespace {

struct StringFree {
    void operator()(char *s) const noexcept { authing_mfa_string_free(s); }
};
struct ClientFree {
    void operator()(authing_mfa_client *c) const noexcept { authing_mfa_client_free(c); }
};
using LibString = std::unique_ptr<char, StringFree>;
using Client = std::unique_ptr<authing_mfa_client, ClientFree>;

int g_passed = 0;
int g_failed = 0;

void check(bool ok, const char *what)
{
    if (ok) {
        ++g_passed;
    } else {
        ++g_failed;
        std::fprintf(stderr, "  FAILED (C++) %s\n", what);
    }
}

// A client, or an empty pointer with the error JSON in `error`.
Client make_client(const char *options, std::string &error)
{
    authing_mfa_client *raw = nullptr;
    char *err = nullptr;
    authing_mfa_status st = authing_mfa_client_new(options, &raw, &err);
    LibString err_owner(err);
    if (st != AUTHING_MFA_OK) error = err ? err : authing_mfa_status_name(st);
    return Client(raw);
}

} // namespace

int main()
{
    check(std::strcmp(authing_mfa_version(), AUTHING_MFA_VERSION_STRING) == 0, "version");
    check(std::strcmp(authing_mfa_status_name(AUTHING_MFA_ERR_API), "AUTHING_MFA_ERR_API") == 0, "status name");

    std::string error;
    Client client = make_client(R"({"appHost":"http://127.0.0.1:9","lang":"en-US"})", error);
    check(client != nullptr, "client_new");
    check(authing_mfa_client_set_token(client.get(), "abc.def") == AUTHING_MFA_OK, "set_token");

    char *user = nullptr;
    check(authing_mfa_client_get_current_user(client.get(), &user) == AUTHING_MFA_OK, "get_current_user");
    LibString user_owner(user);
    check(user != nullptr && std::strcmp(user, "null") == 0, "no current user");

    char *code = nullptr;
    check(authing_mfa_totp_generate("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59, &code, nullptr) == AUTHING_MFA_OK,
          "totp_generate");
    LibString code_owner(code);
    check(code != nullptr && std::string(code) == "287082", "RFC 6238 vector");

    // an unknown option fails with an error JSON that names it
    Client bad = make_client(R"({"appHots":"https://x"})", error);
    check(bad == nullptr, "unknown option refused");
    check(error.find("AUTHING_MFA_ERR_INVALID_ARGUMENT") != std::string::npos &&
              error.find("appHots") != std::string::npos,
          "error JSON names the key");

    std::printf("C++ header test: %d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
