// A second translation unit that includes only the public header, first:
// it proves the header is self-contained and that its inline definitions
// link into several translation units without duplicate symbols.
#include "authing_mfa.hpp"

#include <gtest/gtest.h>

#include <type_traits>

static_assert(std::is_move_constructible_v<authing_mfa::Client>);
static_assert(!std::is_copy_constructible_v<authing_mfa::Client>);

TEST(Standalone, ErrorsAreCatchableAsRuntimeError) {
    bool caught = false;
    try {
        authing_mfa::Client c(std::string("{\"unknownOption\":1}"));
    } catch (const std::runtime_error& e) {
        caught = std::string(e.what()).find("AUTHING_MFA_ERR_INVALID_ARGUMENT") == 0;
    }
    EXPECT_TRUE(caught);
}
