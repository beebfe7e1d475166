#!/usr/bin/env bash
# Tests packaging/install.sh: installs into a temporary prefix, checks the
# layout, the soname and the pkg-config file, builds and runs the CMake
# example through pkg-config, links a C program statically with
# `pkg-config --static --libs`, and compiles the C++ wrapper from the prefix.
#
# Uses the debug profile by default (a release build with thin LTO takes
# minutes on 2 cores); AUTHING_MFA_PACKAGING_PROFILE=release tests release.
# Ends with "N passed, M failed" and exits non-zero on any failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
profile="${AUTHING_MFA_PACKAGING_PROFILE:-debug}"

missing=()
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v readelf >/dev/null 2>&1 || missing+=(binutils)
# patchelf is only needed while build.rs does not set the soname itself.
(cd "$root" && cargo build -q -p authing-mfa $([ "$profile" = release ] && echo --release))
built="${CARGO_TARGET_DIR:-$root/target}/$profile/libauthing_mfa.so"
if ! readelf -d "$built" | grep -q 'SONAME.*libauthing_mfa\.so\.'; then
    command -v patchelf >/dev/null 2>&1 || missing+=(patchelf)
fi
if ((${#missing[@]})); then
    echo "test-packaging.sh: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y --no-install-recommends "${missing[@]}" </dev/null ||
        { $sudo apt-get update </dev/null && $sudo apt-get install -y --no-install-recommends "${missing[@]}" </dev/null; }
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
version="$(sed -n 's/^#define AUTHING_MFA_VERSION_STRING "\(.*\)"$/\1/p' "$root/include/authing_mfa.h")"
major="${version%%.*}"

passed=0
failed=0
check() {
    local name="$1" rc
    shift
    # Not in an `if`: there bash ignores set -e, even in subshells, and a
    # failing step in the middle of a check would go unnoticed.
    set +e
    (set -e; "$@") >"$tmp/check.log" 2>&1
    rc=$?
    set -e
    if [ "$rc" = 0 ]; then
        echo "ok     - $name"
        passed=$((passed + 1))
    else
        echo "FAILED - $name"
        sed 's/^/         | /' "$tmp/check.log" | tail -30
        failed=$((failed + 1))
    fi
}

# Runs a command and expects exit status $1.
expect_exit() {
    local want="$1"
    shift
    local got=0
    "$@" || got=$?
    [ "$got" = "$want" ] || { echo "exit status $got, expected $want"; return 1; }
}

# --- install ----------------------------------------------------------------
check "install.sh --prefix --profile $profile --no-build" \
    "$here/install.sh" --prefix "$prefix" --profile "$profile" --no-build

layout() {
    local lib="$prefix/lib"
    [ -f "$lib/libauthing_mfa.so.$version" ] && [ ! -L "$lib/libauthing_mfa.so.$version" ] || { echo "no real .so.$version"; return 1; }
    [ "$(readlink "$lib/libauthing_mfa.so.$major")" = "libauthing_mfa.so.$version" ] || { echo "bad .so.$major link"; return 1; }
    [ "$(readlink "$lib/libauthing_mfa.so")" = "libauthing_mfa.so.$version" ] || { echo "bad .so link"; return 1; }
    [ -f "$lib/libauthing_mfa.a" ] || { echo "no .a"; return 1; }
    [ -f "$lib/pkgconfig/authing_mfa.pc" ] || { echo "no .pc"; return 1; }
    cmp "$prefix/include/authing_mfa.h" "$root/include/authing_mfa.h"
    cmp "$prefix/include/authing_mfa.hpp" "$root/bindings/cpp/include/authing_mfa.hpp"
    # The C++ wrapper's parts: the same files, no more, no fewer.
    diff -r "$prefix/include/authing_mfa" "$root/bindings/cpp/include/authing_mfa"
}
check "layout: lib/libauthing_mfa.so.$version, .so.$major and .so links, .a, .pc, headers (C++: with include/authing_mfa/)" layout

soname_is() {
    local got
    got="$(readelf -d "$1" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')"
    echo "SONAME: '$got'"
    [ "$got" = "$2" ]
}
check "readelf: SONAME is libauthing_mfa.so.$major" soname_is "$prefix/lib/libauthing_mfa.so.$version" "libauthing_mfa.so.$major"

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
check "pkg-config --modversion is $version" test "$(pkg-config --modversion authing_mfa)" = "$version"
pc_libs() {
    local libs
    # pkg-config ends its output with a space: normalize the blanks.
    libs="$(pkg-config --libs authing_mfa | xargs)"
    echo "libs: $libs"
    [ "$libs" = "-L$prefix/lib -lauthing_mfa" ]
}
check "pkg-config --libs is -L\${libdir} -lauthing_mfa" pc_libs
pc_static() {
    local libs
    libs="$(pkg-config --static --libs authing_mfa)"
    echo "static libs: $libs"
    for l in -lauthing_mfa -lpthread -ldl -lm; do [[ " $libs " == *" $l "* ]] || { echo "missing $l"; return 1; }; done
}
check "pkg-config --static --libs adds the native libraries" pc_static
check "pkg-config --cflags points at the prefix" test "$(pkg-config --cflags authing_mfa | xargs)" = "-I$prefix/include"

# --- the CMake example (shared library) ---------------------------------------
check "cmake example configures and builds via pkg_check_modules" \
    bash -c "cmake -S '$here/cmake-example' -B '$tmp/example' && cmake --build '$tmp/example'"
runs_version() {
    local out
    out="$("$@")"
    echo "output: $out"
    [ "$out" = "authing_mfa $version" ]
}
check "cmake example runs and prints the version" runs_version "$tmp/example/authing_mfa_example"
needed_soname() {
    readelf -d "$1" | grep NEEDED
    readelf -d "$1" | grep -q "NEEDED.*\[libauthing_mfa\.so\.$major\]"
}
check "the example's NEEDED entry is the soname libauthing_mfa.so.$major" needed_soname "$tmp/example/authing_mfa_example"

# --- static link --------------------------------------------------------------
cat >"$tmp/static.c" <<'EOF'
#include <authing_mfa.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    char *code = NULL;
    /* RFC 6238's SHA1 test key at t = 59 s: 94287082, six digits 287082. */
    authing_mfa_status st = authing_mfa_totp_generate("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59, &code, NULL);
    int ok = st == AUTHING_MFA_OK && code && strcmp(code, "287082") == 0;
    authing_mfa_string_free(code);
    printf("authing_mfa %s\n", authing_mfa_version());
    return ok ? 0 : 1;
}
EOF
static_link() {
    # With both libauthing_mfa.so and .a in libdir, -lauthing_mfa picks the
    # .so: name the archive explicitly and keep the rest of the line.
    local libs
    libs="$(pkg-config --static --libs authing_mfa)"
    libs="${libs/-lauthing_mfa/-l:libauthing_mfa.a}"
    echo "gcc static.c $(pkg-config --cflags authing_mfa) $libs"
    # shellcheck disable=SC2046,SC2086
    gcc -std=c99 -Wall -Wextra -Werror -pedantic -o "$tmp/static" "$tmp/static.c" \
        $(pkg-config --cflags authing_mfa) $libs
}
check "static link with pkg-config --static --libs" static_link
not_needed() {
    readelf -d "$tmp/static" | grep NEEDED || true
    ! readelf -d "$tmp/static" | grep -q libauthing_mfa
}
check "the static program does not need libauthing_mfa.so" not_needed
check "the static program runs (TOTP RFC vector, version)" \
    runs_version env -u LD_LIBRARY_PATH "$tmp/static"

# --- the C++ wrapper from the prefix -------------------------------------------
cat >"$tmp/cpp.cpp" <<'EOF'
#include <authing_mfa.hpp>
#include <iostream>

int main() {
    try {
        authing_mfa::Client client(std::string("{\"notAnOption\":1}"));
        return 1;
    } catch (const authing_mfa::Error& e) {
        if (e.status() != authing_mfa::Status::InvalidArgument) return 1;
    }
    std::cout << "authing_mfa " << authing_mfa::version() << "\n";
    return authing_mfa::totp_generate("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59) == "287082" ? 0 : 1;
}
EOF
cpp_build() {
    # shellcheck disable=SC2046
    g++ -std=c++17 -Wall -Wextra -Werror -pedantic -o "$tmp/cpp" "$tmp/cpp.cpp" \
        $(pkg-config --cflags --libs authing_mfa) -Wl,-rpath,"$prefix/lib"
}
check "authing_mfa.hpp compiles from the prefix (-Wall -Wextra -Werror -pedantic)" cpp_build
check "the C++ program runs against the installed library" runs_version "$tmp/cpp"

# --- install.sh's command line -------------------------------------------------
check "install.sh --help exits 0 and shows usage" bash -c "'$here/install.sh' --help | grep -q 'usage: packaging/install.sh'"
check "install.sh without --prefix exits 2" expect_exit 2 "$here/install.sh" --no-build
check "install.sh --profile fast exits 2" expect_exit 2 "$here/install.sh" --prefix "$tmp/x" --profile fast --no-build
check "install.sh with an unknown option exits 2" expect_exit 2 "$here/install.sh" --prefix "$tmp/x" --frobnicate
check "install.sh again over the same prefix (idempotent)" \
    bash -c "'$here/install.sh' --prefix '$prefix' --profile '$profile' --no-build && readelf -d '$prefix/lib/libauthing_mfa.so.$version' | grep -q 'SONAME.*libauthing_mfa.so.$major'"
stale_part_removed() {
    touch "$prefix/include/authing_mfa/retired.hpp"
    "$here/install.sh" --prefix "$prefix" --profile "$profile" --no-build
    [ ! -e "$prefix/include/authing_mfa/retired.hpp" ] || { echo "retired.hpp is still installed"; return 1; }
    diff -r "$prefix/include/authing_mfa" "$root/bindings/cpp/include/authing_mfa"
}
check "install.sh again removes a C++ wrapper part an older install left behind" stale_part_removed

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
