// The test program: GoogleTest's main plus the dev server environment, which
// is started only when tests run (not when ctest lists them).
#include "devserver.hpp"

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    // gtest owns and deletes the environment.
    ::testing::AddGlobalTestEnvironment(new testsupport::DevServerEnv);
    return RUN_ALL_TESTS();
}
