#!/usr/bin/env bash
# Runs every test suite of the project, from any directory. This is the
# README's test command; .ci/run calls it (through the README) on a fresh
# machine after installing the system packages.
#
# Every stage runs even when an earlier one failed, so one run shows all
# problems; the script exits non-zero if any stage failed. Stages whose
# script does not exist yet are reported as failures, never skipped silently.
set -uo pipefail
cd "$(dirname "$0")/.."

# A plain build never writes include/authing_mfa.h; tests/header.rs (in
# "cargo test") fails when the committed header differs from the one
# generated from src/ffi. With AUTHING_MFA_WRITE_HEADER=1 the build would
# first overwrite the committed header, and that test would prove nothing.
unset AUTHING_MFA_WRITE_HEADER

passed=0
failed=0
failures=()

stage() {
    local name="$1"
    shift
    echo
    echo "=== $name"
    local start=$SECONDS
    if "$@"; then
        passed=$((passed + 1))
        echo "=== $name: ok ($((SECONDS - start)) s)"
    else
        failed=$((failed + 1))
        failures+=("$name")
        echo "=== $name: FAILED ($((SECONDS - start)) s)"
    fi
}

stage "rustfmt" cargo fmt --all -- --check
stage "clippy" cargo clippy --workspace --all-targets -- -D warnings
stage "build" cargo build -p authing-mfa -p authing-mfa-devserver
stage "cargo test (library, dev server, committed header is fresh)" cargo test --workspace
stage "JS SDK fixtures (requests sent, answers read) still match authing-js-sdk@4.23.55" bash tests/js-wire/run.sh --check
stage "v3 SDK fixtures (requests sent) still match authing-node-sdk" bash tests/v3-wire/run.sh --check
stage "JS SDK conformance (the official SDK logs in and passes MFA against the dev server)" bash tests/js-conformance/run.sh
stage "v3 conformance (authing-node-sdk enrolls and verifies factors against the dev server)" bash tests/v3-conformance/run.sh
stage "dev server console in a real browser" bash tests/console-e2e/run.sh
stage "C ABI suite (C, C++, shared, static, valgrind)" bash tests/c/run-tests.sh
stage "Python binding" bash bindings/python/run-tests.sh
stage "Go binding" bash bindings/go/run-tests.sh
stage "C++ binding" bash bindings/cpp/run-tests.sh
stage "Kotlin binding (JVM)" bash bindings/kotlin/run-tests.sh
stage "packaging" bash packaging/test-packaging.sh
stage "third-party licences are current" bash scripts/licenses.sh --check
stage "README snippets compile and run" bash scripts/readme-snippets.sh
stage "mobile build scripts" bash packaging/test-mobile-scripts.sh
stage "Android code compiles (clippy for aarch64-linux-android)" bash packaging/android/check.sh
stage "fuzzing, bounded (options, params, envelope)" bash fuzz/run.sh --seconds 15
stage "benchmark smoke (every contender runs; figures only)" bash bench/smoke.sh
stage "quickstart (the main job)" bash scripts/quickstart.sh

echo
if [ "$failed" -ne 0 ]; then
    printf 'failed stage: %s\n' "${failures[@]}"
fi
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
