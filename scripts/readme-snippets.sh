#!/usr/bin/env bash
# Compiles every C, C++ and Go code block of the READMEs (README.md,
# bindings/cpp/README.md, bindings/go/README.md, tests/c/README.md), and runs
# the ones marked `run` against the dev server. A stage of scripts/test-all.sh;
# the work is done by scripts/readme_snippets.py.
#
# The convention, an HTML comment on the line before the block's fence
# (invisible on GitHub):
#
#   (none)                          a complete program (C/C++: with main; Go:
#                                   package main): compiled and linked with
#                                   -Wall -Werror, not run
#   <!-- snippet: run -->           a complete program that talks to a server:
#                                   compiled, then run against the dev server
#                                   (its https://…authing.cn host replaced by
#                                   the dev server's URL, the user
#                                   alice@example.com / S3cret! created
#                                   first); it must exit 0
#   <!-- snippet: fragment -->      statements: the body of a function whose
#                                   parameters are the common variables below
#                                   (in a block of its own, so the fragment
#                                   may redeclare them); #include and Go
#                                   import lines, and C `static` functions
#                                   (to their `}` at column 0) go to file
#                                   scope. Compiled, not linked nor run; unused
#                                   variables are allowed, other warnings fail.
#   <!-- snippet: skip (reason) --> not compiled; the reason is printed
#
# Common variables of fragments (see readme_snippets.py):
#   C    authing_mfa_client *c, const char *params, void *my_state
#   C++  authing_mfa::Client& client, std::string code, mfa_token, email,
#        password, user; `using authing_mfa::Params;`; placeholders parse(),
#        use_user(), report()
#   Go   ctx, client *authingmfa.Client, poolID, appID, code, mfaToken, rc,
#        email, password string, params authingmfa.VerifyTotpParams; the
#        function returns error; placeholder showQR(); context, errors, fmt,
#        time and authingmfa imported
#
# Compilers: C `cc -std=c99 -Wall -Iinclude`, linked with
# target/debug/libauthing_mfa.so; C++ `c++ -std=c++17 -Wall
# -Ibindings/cpp/include -Iinclude`; Go: one temporary module with a replace
# to bindings/go, one package per block, `go build -tags authingmfa_checkout`.
# Not checked: shell, CMake, JSON and Kotlin blocks (the Kotlin README's code
# is Android code: a ViewModel and Gradle), and bindings/python/README.md
# (the Python binding's suite runs its examples).
#
# Ends with "readme snippets: N passed, M failed, K skipped"; exits non-zero
# on any failure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

for tool in python3 cc c++ go; do
    command -v "$tool" >/dev/null 2>&1 || { echo "readme-snippets.sh: '$tool' is required" >&2; exit 1; }
done

if command -v cargo >/dev/null 2>&1; then
    cargo build -q -p authing-mfa -p authing-mfa-devserver
fi
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
libdir="$target/debug"
for f in "$libdir/libauthing_mfa.so" "$libdir/authing-mfa-devserver"; do
    [ -e "$f" ] || { echo "readme-snippets.sh: missing $f: run cargo build -p authing-mfa -p authing-mfa-devserver" >&2; exit 1; }
done

# The checkout tag links ../../target/debug from bindings/go; with the
# target directory elsewhere, the same library through CGO_LDFLAGS.
go_tags=authingmfa_checkout
[ "$libdir" -ef "$root/target/debug" ] || go_tags=authingmfa_custom

exec python3 scripts/readme_snippets.py --root "$root" --libdir "$libdir" \
    --devserver "$libdir/authing-mfa-devserver" --go-tags "$go_tags"
