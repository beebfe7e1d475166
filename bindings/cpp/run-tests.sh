#!/usr/bin/env bash
# Builds the C++ wrapper's tests and runs them with ctest against the dev
# server (each test process starts its own, on a free port).
#
# Assumes `cargo build -p authing-mfa -p authing-mfa-devserver` (it runs it
# again, which is cheap when up to date). Installs CMake, GoogleTest and
# nlohmann-json with apt-get when they are missing. The tests are built with
# AddressSanitizer/LeakSanitizer when the machine supports it (a leaked
# library string then fails the test); AUTHING_MFA_SANITIZE=OFF disables it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
jobs="$(nproc 2>/dev/null || echo 2)"

missing=()
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
[ -f /usr/include/gtest/gtest.h ] || missing+=(libgtest-dev)
[ -f /usr/include/nlohmann/json.hpp ] || missing+=(nlohmann-json3-dev)
if ((${#missing[@]})); then
    echo "run-tests.sh: installing ${missing[*]}"
    sudo=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null 2>&1 || { echo "run-tests.sh: need root or sudo to install ${missing[*]}" >&2; exit 1; }
        sudo=sudo
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y --no-install-recommends "${missing[@]}" </dev/null ||
        { $sudo apt-get update </dev/null && $sudo apt-get install -y --no-install-recommends "${missing[@]}" </dev/null; }
fi

(cd "$root" && cargo build -p authing-mfa -p authing-mfa-devserver)

# LeakSanitizer needs ptrace-like rights some containers do not grant: probe
# with a clean program and fall back to a plain build, saying so. In CI (CI
# set, as CI services do) the fallback is a failure: there the leak checks
# must run. AUTHING_MFA_SANITIZE=OFF still turns them off explicitly.
sanitize="${AUTHING_MFA_SANITIZE:-auto}"
if [ "$sanitize" = auto ]; then
    probe_dir="$(mktemp -d)"
    trap 'rm -rf "$probe_dir"' EXIT
    echo 'int main() { return 0; }' >"$probe_dir/p.cpp"
    if g++ -fsanitize=address "$probe_dir/p.cpp" -o "$probe_dir/p" >"$probe_dir/log" 2>&1 && "$probe_dir/p" >>"$probe_dir/log" 2>&1; then
        sanitize=ON
    elif [ -n "${CI:-}" ] && [ "$CI" != false ] && [ "$CI" != 0 ]; then
        cat "$probe_dir/log" >&2
        echo "run-tests.sh: FAILED: AddressSanitizer/LeakSanitizer unavailable and CI=$CI: the C++ tests must run with leak checks in CI (AUTHING_MFA_SANITIZE=OFF disables them explicitly)" >&2
        exit 1
    else
        sanitize=OFF
        echo "run-tests.sh: WARNING: AddressSanitizer/LeakSanitizer unavailable here; building without leak checks (this fails when CI is set)"
    fi
fi

cmake -S "$here" -B "$here/build" -DCMAKE_BUILD_TYPE=Debug -DAUTHING_MFA_SANITIZE="$sanitize"
cmake --build "$here/build" -j "$jobs"
cd "$here/build"
ctest --output-on-failure -j "$jobs"
