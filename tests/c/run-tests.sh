#!/usr/bin/env bash
# The C ABI suite: builds the library and the dev server, compiles
# tests/c/abi_test.c against the shared library (with an rpath) and against
# the static library, compiles the C++ header test, starts a dev server, runs
# all three binaries, then runs both C binaries again under valgrind (a
# definite leak or an invalid read/write fails the run). Runnable from any
# directory; exits non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
BUILD="$ROOT/target/c-tests"
LIBDIR="$ROOT/target/debug"
mkdir -p "$BUILD"

say() { printf '\n--- %s\n' "$*"; }
die() { printf 'run-tests.sh: %s\n' "$*" >&2; exit 1; }

say "cargo build -p authing-mfa -p authing-mfa-devserver"
cargo build -p authing-mfa -p authing-mfa-devserver

# "Every function of the header is called": checked here, so a function added
# to the header without a C test fails the suite instead of going unnoticed.
say "every function declared in include/authing_mfa.h is used by abi_test.c"
missing=0
functions=$(grep -v '^ \*' include/authing_mfa.h | grep -oE '\bauthing_mfa_[a-z0-9_]+\(' | tr -d '(' | sort -u)
for f in $functions; do
    if ! grep -qw "$f" tests/c/abi_test.c; then
        echo "not exercised by tests/c/abi_test.c: $f"
        missing=1
    fi
done
[ "$missing" -eq 0 ] || die "the C tests do not call every function of the header"
echo "$(echo "$functions" | wc -l) functions, all called"

CC="${CC:-cc}"
CXX="${CXX:-c++}"
CFLAGS=(-std=c99 -Wall -Wextra -Werror -pedantic -O1 -g -pthread -I"$ROOT/include" -I"$ROOT/examples" -I"$ROOT/tests/c")
# The static library needs the system libraries the Rust standard library
# and tokio use (as printed by `cargo rustc --crate-type staticlib -- --print
# native-static-libs` on Linux/glibc).
STATIC_LIBS=(-lpthread -ldl -lm -lrt -lgcc_s -lc)

say "compile: C (shared), C (static), C++ header test"
"$CC" "${CFLAGS[@]}" -o "$BUILD/abi_test_shared" tests/c/abi_test.c \
    -L"$LIBDIR" -lauthing_mfa -Wl,-rpath,"$LIBDIR"
"$CC" "${CFLAGS[@]}" -o "$BUILD/abi_test_static" tests/c/abi_test.c \
    "$LIBDIR/libauthing_mfa.a" "${STATIC_LIBS[@]}"
"$CXX" -std=c++17 -Wall -Wextra -Werror -pedantic -O1 -g -I"$ROOT/include" \
    -o "$BUILD/header_cpp_test" tests/c/header_cpp_test.cpp \
    -L"$LIBDIR" -lauthing_mfa -Wl,-rpath,"$LIBDIR"
# The same program under AddressSanitizer, UndefinedBehaviorSanitizer and
# LeakSanitizer (the C side is instrumented; allocations the library makes
# and frees are tracked through ASan's malloc, so a string the test forgets
# to free, or one freed twice, is reported). GCC ships the runtimes.
"$CC" "${CFLAGS[@]}" -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
    -o "$BUILD/abi_test_asan" tests/c/abi_test.c -L"$LIBDIR" -lauthing_mfa -Wl,-rpath,"$LIBDIR"
# The shared binary must really use the shared library, the static one must not.
# (ldd's output is captured first: with pipefail, `ldd | grep -q` fails when
# grep exits before ldd has finished writing and ldd dies of SIGPIPE.)
ldd_shared=$(ldd "$BUILD/abi_test_shared")
ldd_static=$(ldd "$BUILD/abi_test_static" || true)
grep -qF "$LIBDIR/libauthing_mfa.so" <<<"$ldd_shared" || die "abi_test_shared does not load $LIBDIR/libauthing_mfa.so"
if grep -q libauthing_mfa <<<"$ldd_static"; then die "abi_test_static loads libauthing_mfa.so"; fi

if ! command -v valgrind >/dev/null; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        say "installing valgrind"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind \
            || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind; }
    else
        die "valgrind is not installed (and this is not root with apt-get): install it, e.g. 'sudo apt-get install valgrind'"
    fi
fi

# The dev server, on a free port. Its stdin is a pipe this script holds
# open: with --exit-on-stdin-close it stops when the pipe closes, so even a
# killed run cannot leave it behind. The trap closes the pipe and kills it.
say "starting the dev server"
SERVER_LOG="$BUILD/devserver.log"
coproc DEVSERVER { exec "$LIBDIR/authing-mfa-devserver" --port 0 --exit-on-stdin-close 2>"$SERVER_LOG"; }
SERVER_PID=$DEVSERVER_PID
SERVER_IN=${DEVSERVER[1]}
cleanup() {
    exec {SERVER_IN}>&- 2>/dev/null || true
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
}
trap cleanup EXIT
URL=""
read -r -t 30 URL <&"${DEVSERVER[0]}" || true
case "$URL" in
    http://127.0.0.1:*) echo "dev server at $URL" ;;
    *) cat "$SERVER_LOG" >&2 || true; die "the dev server did not print its URL (got '$URL')" ;;
esac
export AUTHING_MFA_DEVSERVER_URL="$URL"

failed=()
run() { # run NAME COMMAND...
    local name="$1"
    shift
    say "$name"
    local start=$SECONDS
    if ! "$@"; then
        failed+=("$name")
    fi
    echo "($((SECONDS - start)) s)"
}

run "C, shared library" timeout 300 "$BUILD/abi_test_shared" "$URL"
run "C, static library" timeout 300 "$BUILD/abi_test_static" "$URL"
run "C++ header test" timeout 60 "$BUILD/header_cpp_test"
run "ASan + UBSan + LSan: C, shared library" env ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 timeout 300 "$BUILD/abi_test_asan" "$URL"

# Under valgrind: the tokio runtime's threads and thread-locals show up as
# "still reachable" or "possibly lost", which is expected; a definite leak
# or any memory error makes valgrind exit with 1.
VALGRIND=(valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite
          --show-leak-kinds=definite,indirect --track-origins=yes)
valgrind_run() { # valgrind_run NAME BINARY
    local log="$BUILD/valgrind-$1.log"
    if timeout 900 "${VALGRIND[@]}" --log-file="$log" "$2" "$URL"; then
        grep -E "definitely lost|ERROR SUMMARY" "$log" | sed 's/^==[0-9]*== *//'
    else
        echo "valgrind found problems (or the tests failed); its log ($log):"
        cat "$log"
        return 1
    fi
}
run "valgrind: C, shared library" valgrind_run shared "$BUILD/abi_test_shared"
run "valgrind: C, static library" valgrind_run static "$BUILD/abi_test_static"

echo
if [ "${#failed[@]}" -ne 0 ]; then
    printf 'FAILED: %s\n' "${failed[@]}"
    echo "dev server log: $SERVER_LOG"
    exit 1
fi
echo "C ABI suite: all passed (C shared, C static, C++, ASan/UBSan/LSan, valgrind shared, valgrind static)"
