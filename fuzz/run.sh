#!/usr/bin/env bash
# Builds the three libFuzzer targets and runs each for a bounded time.
#
#   fuzz/run.sh [--seconds N] [TARGET...]     (default: 20 s per target, all targets)
#
# Works on the stable toolchain: libfuzzer-sys compiles libFuzzer with the
# C++ compiler, and SanitizerCoverage is switched on through RUSTFLAGS
# (-Cpasses=sancov-module ...), so neither nightly nor cargo-fuzz is needed.
# If that build fails and a nightly toolchain is installed, the same build is
# retried with it; the mode that ran is printed either way.
#
# Each target runs on a COPY of its committed corpus (fuzz/corpus/<target>)
# in a temporary directory, so the committed seeds never change. A crash or
# failed invariant makes the script exit non-zero; the input that caused it
# is kept in fuzz/artifacts/<target>/ and its path is printed. The last line
# is "fuzz: N passed, M failed".
set -euo pipefail

seconds=20
targets=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --seconds) seconds="${2:?--seconds needs a value}"; shift 2 ;;
        --seconds=*) seconds="${1#*=}"; shift ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        -*) echo "fuzz: unknown option $1" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || { echo "fuzz: --seconds wants a positive integer" >&2; exit 2; }
[[ ${#targets[@]} -gt 0 ]] || targets=(options params envelope)

fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$fuzz_dir"

# An explicit --target keeps RUSTFLAGS off build scripts and proc macros,
# which must not be instrumented (they would need libFuzzer's hooks to link).
host="$(rustc -vV | sed -n 's/^host: //p')"
export RUSTFLAGS="-Cpasses=sancov-module \
-Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
-Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares \
--cfg fuzzing"
# fuzz/Cargo.lock is committed (versions as in the root Cargo.lock); cargo only
# adds to it when the library gains a dependency. The root Cargo.lock is never
# read or written: this directory is its own workspace.
build=(build --release --target "$host" --bins)

mode=""
if cargo "${build[@]}"; then
    mode="stable toolchain ($(rustc --version)), libfuzzer-sys + SanitizerCoverage via RUSTFLAGS"
    toolchain=()
elif rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    echo "fuzz: the stable build failed; retrying with the installed nightly toolchain" >&2
    cargo +nightly "${build[@]}"
    mode="nightly toolchain ($(rustc +nightly --version)), libfuzzer-sys + SanitizerCoverage via RUSTFLAGS"
else
    echo "fuzz: the build failed on stable and no nightly toolchain is installed" >&2
    echo "fuzz: 0 passed, ${#targets[@]} failed"
    exit 1
fi
echo "fuzz: mode: $mode"
echo "fuzz: ${seconds} s per target: ${targets[*]}"

work="$(mktemp -d "${TMPDIR:-/tmp}/authing-mfa-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
for t in "${targets[@]}"; do
    bin="target/$host/release/$t"
    [[ -x "$bin" ]] || { echo "fuzz: no such target: $t" >&2; failed=$((failed + 1)); continue; }
    mkdir -p "$work/corpus" "$work/tmp-$t" "artifacts/$t"
    cp -R "corpus/$t" "$work/corpus/$t"
    dict=()
    [[ -f "dict/$t.dict" ]] && dict=("-dict=dict/$t.dict")
    log="$work/$t.log"
    echo "fuzz: --- $t"
    rc=0
    # TMPDIR: the params target's fixed face image lives there and goes with
    # $work. -timeout: one input running 10 s counts as a hang (a finding).
    TMPDIR="$work/tmp-$t" "$bin" "$work/corpus/$t" "${dict[@]}" \
        -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=10 \
        -artifact_prefix="artifacts/$t/" -print_final_stats=1 -close_fd_mask=1 \
        >"$log" 2>&1 || rc=$?
    # The lines worth keeping: instrumentation, start, last progress, stats,
    # and anything about a crash.
    grep -E '^INFO: Loaded [0-9]+ modules|^INFO: seed corpus|^#[0-9]+[[:space:]]+(INITED|DONE)|^Done [0-9]+ runs|^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)|^==[0-9]+== ERROR|panicked at|Test unit written|^SUMMARY' "$log" | sed "s/^/fuzz: [$t] /" || true
    counters="$(sed -n 's/^INFO: Loaded [0-9]* modules *(\([0-9]*\) inline 8-bit counters).*/\1/p' "$log" | head -n1)"
    if [[ $rc -ne 0 ]]; then
        echo "fuzz: [$t] FAILED (exit $rc); last lines of the log:"
        tail -n 40 "$log" | sed "s/^/fuzz: [$t]   /"
        grep -o 'Test unit written to .*' "$log" | sed "s/^/fuzz: [$t] crash artifact: /" || true
        failed=$((failed + 1))
    elif [[ -z "$counters" || "$counters" -eq 0 ]]; then
        # A harness built without coverage would "pass" while fuzzing blind.
        echo "fuzz: [$t] FAILED: the binary is not instrumented for coverage"
        failed=$((failed + 1))
    elif ! grep -qE '^#[0-9]+[[:space:]]+DONE' "$log"; then
        echo "fuzz: [$t] FAILED: libFuzzer did not report a finished run"
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
done

echo "fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
