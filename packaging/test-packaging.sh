#!/usr/bin/env bash
# Tests packaging/install.sh: installs into a temporary prefix (building the
# library with its soname, into target/<host>/<profile>), checks the layout,
# the soname and the pkg-config file; builds and runs, all outside the
# checkout and without LD_LIBRARY_PATH: the CMake example through
# pkg-config, a C program with pkg-config's flags, a static link, the C++
# wrapper, C and C++ programs found with find_package(authing_mfa CONFIG),
# the Go module copied out of the repository alone (module-cache style)
# through pkg-config, and add_subdirectory(bindings/cpp) without GoogleTest.
# Then checks that failed installs leave nothing behind.
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
if ((${#missing[@]})); then
    echo "test-packaging.sh: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y --no-install-recommends "${missing[@]}" </dev/null ||
        { $sudo apt-get update </dev/null && $sudo apt-get install -y --no-install-recommends "${missing[@]}" </dev/null; }
fi
# The in-tree library (target/<profile>), for add_subdirectory(bindings/cpp).
(cd "$root" && cargo build -q -p authing-mfa $([ "$profile" = release ] && echo --release))

tmp="$(mktemp -d)"
# Some checks make directories read-only (a module-cache copy): undo first.
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
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
# The first install builds (cargo rustc --target <host> with the soname);
# later ones reuse that build with --no-build.
# A patchelf that fails comes first on PATH: install.sh must not need one.
mkdir -p "$tmp/bin"
printf '#!/bin/sh\necho "patchelf was called" >&2\nexit 1\n' >"$tmp/bin/patchelf"
chmod +x "$tmp/bin/patchelf"
check "install.sh --prefix --profile $profile (builds with the soname; a failing patchelf on PATH)" \
    env PATH="$tmp/bin:$PATH" "$here/install.sh" --prefix "$prefix" --profile "$profile"

layout() {
    local lib="$prefix/lib"
    [ -f "$lib/libauthing_mfa.so.$version" ] && [ ! -L "$lib/libauthing_mfa.so.$version" ] || { echo "no real .so.$version"; return 1; }
    [ "$(readlink "$lib/libauthing_mfa.so.$major")" = "libauthing_mfa.so.$version" ] || { echo "bad .so.$major link"; return 1; }
    [ "$(readlink "$lib/libauthing_mfa.so")" = "libauthing_mfa.so.$version" ] || { echo "bad .so link"; return 1; }
    [ -f "$lib/libauthing_mfa.a" ] || { echo "no .a"; return 1; }
    [ -f "$lib/pkgconfig/authing_mfa.pc" ] || { echo "no .pc"; return 1; }
    [ -f "$lib/cmake/authing_mfa/authing_mfaConfig.cmake" ] || { echo "no authing_mfaConfig.cmake"; return 1; }
    [ -f "$lib/cmake/authing_mfa/authing_mfaConfigVersion.cmake" ] || { echo "no authing_mfaConfigVersion.cmake"; return 1; }
    ! ls -A "$prefix" | grep -q '^\.authing_mfa-install' || { echo "staging directory left behind"; return 1; }
    cmp "$prefix/include/authing_mfa.h" "$root/include/authing_mfa.h"
    cmp "$prefix/include/authing_mfa.hpp" "$root/bindings/cpp/include/authing_mfa.hpp"
    # The C++ wrapper's parts: the same files, no more, no fewer.
    diff -r "$prefix/include/authing_mfa" "$root/bindings/cpp/include/authing_mfa"
    # The licences: the library's and those of the Rust crates compiled into it.
    cmp "$prefix/share/doc/authing_mfa/LICENSE" "$root/LICENSE"
    cmp "$prefix/share/doc/authing_mfa/THIRD_PARTY_LICENSES.md" "$root/THIRD_PARTY_LICENSES.md"
}
check "layout: lib/libauthing_mfa.so.$version, .so.$major and .so links, .a, .pc, lib/cmake/authing_mfa/, headers (C++: with include/authing_mfa/), share/doc/authing_mfa/{LICENSE,THIRD_PARTY_LICENSES.md}" layout

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
    [ "$libs" = "-L$prefix/lib -Wl,-rpath,$prefix/lib -lauthing_mfa" ]
}
check "pkg-config --libs is -L\${libdir} -Wl,-rpath,\${libdir} -lauthing_mfa" pc_libs
check "the .pc URL is this project's repository" grep -qx 'URL: https://github.com/authing-mfa/authing-mfa' "$prefix/lib/pkgconfig/authing_mfa.pc"
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

# --- a C program built with pkg-config's flags ---------------------------------
# The .pc's Libs carry -Wl,-rpath,${libdir}: the program finds
# libauthing_mfa.so.N at run time with no LD_LIBRARY_PATH and no ldconfig.
cat >"$tmp/refused.c" <<'EOF2'
/* The version, a client, and one blocking call to a refused port (a
 * network error, proving the call really went through the library). */
#include <authing_mfa.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    authing_mfa_client *client = NULL;
    char *result = NULL, *error = NULL;
    authing_mfa_status st;
    printf("authing_mfa %s\n", authing_mfa_version());
    if (strcmp(authing_mfa_version(), AUTHING_MFA_VERSION_STRING) != 0) return 1;
    st = authing_mfa_client_new("{\"appHost\":\"http://127.0.0.1:1\",\"maxRetries\":0}", &client, &error);
    if (st != AUTHING_MFA_OK) { fprintf(stderr, "client_new: %s\n", error); return 1; }
    st = authing_mfa_get_authenticators(client, NULL, &result, &error);
    authing_mfa_string_free(result);
    authing_mfa_string_free(error);
    authing_mfa_client_free(client);
    if (st != AUTHING_MFA_ERR_NETWORK) { fprintf(stderr, "status %s\n", authing_mfa_status_name(st)); return 1; }
    return 0;
}
EOF2
pc_c_build() {
    # shellcheck disable=SC2046
    gcc -std=c99 -Wall -Wextra -Werror -pedantic -o "$tmp/refused" "$tmp/refused.c" $(pkg-config --cflags --libs authing_mfa)
    readelf -d "$tmp/refused" | grep -E 'RUNPATH|RPATH'
    readelf -d "$tmp/refused" | grep -qE "(RUNPATH|RPATH).*\[$prefix/lib\]"
}
check "a C program built with \$(pkg-config --cflags --libs) gets a run path to \${libdir}" pc_c_build
check "it runs without LD_LIBRARY_PATH (version, client, a refused host: AUTHING_MFA_ERR_NETWORK)" \
    runs_version env -u LD_LIBRARY_PATH "$tmp/refused"

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
        $(pkg-config --cflags --libs authing_mfa)
}
check "authing_mfa.hpp compiles from the prefix (-Wall -Wextra -Werror -pedantic)" cpp_build
check "the C++ program runs against the installed library (no LD_LIBRARY_PATH)" runs_version env -u LD_LIBRARY_PATH "$tmp/cpp"

# --- find_package(authing_mfa CONFIG) ------------------------------------------
mkdir -p "$tmp/fp"
cp "$tmp/refused.c" "$tmp/fp/refused.c"
cp "$tmp/static.c" "$tmp/fp/static.c"
cat >"$tmp/fp/refused.cpp" <<'EOF2'
// The C++ wrapper through authing_mfa::cpp: the version, a client, and one
// blocking call to a refused port.
#include <authing_mfa.hpp>
#include <iostream>

int main() {
    authing_mfa::Options opts;
    opts.app_host = "http://127.0.0.1:1";
    opts.max_retries = 0;
    authing_mfa::Client client(opts);
    try {
        client.get_mfa_authenticators();
        return 1;
    } catch (const authing_mfa::Error& e) {
        if (e.status() != authing_mfa::Status::Network) return 1;
    }
    std::cout << "authing_mfa " << authing_mfa::version() << "\n";
    return authing_mfa::version() == AUTHING_MFA_VERSION_STRING ? 0 : 1;
}
EOF2
cat >"$tmp/fp/CMakeLists.txt" <<'EOF2'
cmake_minimum_required(VERSION 3.16)
project(authing_mfa_find_package LANGUAGES C CXX)
find_package(authing_mfa 0.1 CONFIG REQUIRED)
message(STATUS "authing_mfa ${authing_mfa_VERSION} from ${authing_mfa_DIR}")
add_executable(c_shared refused.c)
target_compile_options(c_shared PRIVATE -Wall -Wextra -Werror -pedantic)
target_link_libraries(c_shared PRIVATE authing_mfa::authing_mfa)
add_executable(cpp_wrapper refused.cpp)
target_compile_options(cpp_wrapper PRIVATE -Wall -Wextra -Werror -pedantic)
target_link_libraries(cpp_wrapper PRIVATE authing_mfa::cpp)
add_executable(c_static static.c)
target_link_libraries(c_static PRIVATE authing_mfa::static)
EOF2
fp_build() {
    # PKG_CONFIG_PATH plays no part here.
    env -u PKG_CONFIG_PATH cmake -S "$tmp/fp" -B "$tmp/fp/build" -DCMAKE_PREFIX_PATH="$prefix"
    cmake --build "$tmp/fp/build"
}
check "find_package(authing_mfa 0.1 CONFIG REQUIRED) configures and builds C, C++ and static programs" fp_build
check "C with authing_mfa::authing_mfa runs (no LD_LIBRARY_PATH; a refused host: ERR_NETWORK)" \
    runs_version env -u LD_LIBRARY_PATH "$tmp/fp/build/c_shared"
check "C++ with authing_mfa::cpp runs (no LD_LIBRARY_PATH; a refused host: Status::Network)" \
    runs_version env -u LD_LIBRARY_PATH "$tmp/fp/build/cpp_wrapper"
fp_static() {
    readelf -d "$tmp/fp/build/c_static" | grep NEEDED || true
    if readelf -d "$tmp/fp/build/c_static" | grep -q libauthing_mfa; then return 1; fi
    runs_version env -u LD_LIBRARY_PATH "$tmp/fp/build/c_static"
}
check "C with authing_mfa::static needs no libauthing_mfa.so and runs" fp_static
fp_version_mismatch() {
    mkdir -p "$tmp/fp2"
    printf 'cmake_minimum_required(VERSION 3.16)\nproject(p LANGUAGES C)\nfind_package(authing_mfa %s CONFIG REQUIRED)\n' "$((major + 1)).0" >"$tmp/fp2/CMakeLists.txt"
    ! cmake -S "$tmp/fp2" -B "$tmp/fp2/build" -DCMAKE_PREFIX_PATH="$prefix" >"$tmp/fp2.log" 2>&1 || { cat "$tmp/fp2.log"; return 1; }
    grep -q "$version" "$tmp/fp2.log" || { cat "$tmp/fp2.log"; return 1; }
}
check "find_package(authing_mfa $((major + 1)).0 CONFIG) refuses $version (the version file)" fp_version_mismatch
fp_moved() {
    # Paths in the config file are relative to it: a copied prefix works.
    cp -a "$prefix" "$tmp/moved"
    env -u PKG_CONFIG_PATH cmake -S "$tmp/fp" -B "$tmp/fp/build-moved" -DCMAKE_PREFIX_PATH="$tmp/moved" >/dev/null
    grep -q "$tmp/moved/lib/libauthing_mfa.so.$version" "$tmp/fp/build-moved/CMakeFiles/c_shared.dir/link.txt"
    cmake --build "$tmp/fp/build-moved" >/dev/null
    runs_version env -u LD_LIBRARY_PATH "$tmp/fp/build-moved/cpp_wrapper"
    rm -rf "$tmp/moved"
}
check "find_package works from a copied prefix (relocatable config)" fp_moved

# --- add_subdirectory(bindings/cpp) without GoogleTest --------------------------
mkdir -p "$tmp/sub"
cp "$tmp/fp/refused.cpp" "$tmp/sub/refused.cpp"
cat >"$tmp/sub/CMakeLists.txt" <<EOF2
cmake_minimum_required(VERSION 3.16)
project(consumer LANGUAGES CXX)
add_subdirectory("$root/bindings/cpp" authing_mfa_cpp)
add_executable(consumer refused.cpp)
target_link_libraries(consumer PRIVATE authing_mfa::cpp)
EOF2
sub_build() {
    cmake -S "$tmp/sub" -B "$tmp/sub/build" -DAUTHING_MFA_LIB_DIR="${CARGO_TARGET_DIR:-$root/target}/$profile"
    if grep -E '^(GTest|nlohmann_json)_DIR' "$tmp/sub/build/CMakeCache.txt"; then
        echo "the consumer looked for the tests' dependencies"
        return 1
    fi
    cmake --build "$tmp/sub/build"
    [ ! -e "$tmp/sub/build/authing_mfa_cpp/authing_mfa_cpp_tests" ] || { echo "the wrapper's tests were built"; return 1; }
    runs_version "$tmp/sub/build/consumer"
}
check "add_subdirectory(bindings/cpp) gives authing_mfa::cpp without the tests or GoogleTest" sub_build

# --- the Go module, copied out of the repository --------------------------------
# As after `go get`: bindings/go alone (read-only, like the module cache),
# used through a replace directive by a fresh module, built against the
# installed library with PKG_CONFIG_PATH only, run without LD_LIBRARY_PATH.
find_go() {
    local g
    for g in "$(command -v go 2>/dev/null)" /usr/local/go/bin/go "${XDG_CACHE_HOME:-$HOME/.cache}"/authing-mfa/go*/bin/go; do
        [ -n "$g" ] && [ -x "$g" ] && { echo "$g"; return 0; }
    done
    return 1
}
go_module() {
    local go
    go="$(find_go)" || { echo "no Go toolchain: run bindings/go/run-tests.sh first (it installs one) or install Go >= the go.mod's go line"; return 1; }
    "$go" version
    cp -r "$root/bindings/go" "$tmp/authing-go"
    rm -rf "$tmp/authing-go/build"
    chmod -R a-w "$tmp/authing-go"
    mkdir -p "$tmp/goapp"
    cat >"$tmp/goapp/go.mod" <<EOF2
module example.com/goapp

go 1.24.0

require github.com/authing-mfa/authing-mfa/bindings/go v0.0.0

replace github.com/authing-mfa/authing-mfa/bindings/go => $tmp/authing-go
EOF2
    cat >"$tmp/goapp/main.go" <<'EOF2'
package main

import (
	"context"
	"fmt"
	"os"

	authingmfa "github.com/authing-mfa/authing-mfa/bindings/go"
)

func main() {
	c, err := authingmfa.NewClient(authingmfa.Options{AppHost: "http://127.0.0.1:1", MaxRetries: -1})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer c.Close()
	_, err = c.GetMfaAuthenticators(context.Background(), nil)
	if !authingmfa.IsStatus(err, authingmfa.StatusNetwork) {
		fmt.Fprintln(os.Stderr, "want StatusNetwork, got", err)
		os.Exit(1)
	}
	fmt.Println("authing_mfa", authingmfa.Version())
}
EOF2
    (cd "$tmp/goapp" && env -u LD_LIBRARY_PATH -u CGO_CFLAGS -u CGO_LDFLAGS \
        CGO_ENABLED=1 GOFLAGS=-buildvcs=false GOPROXY=off GOTOOLCHAIN=local \
        "$go" build -o "$tmp/goapp/goapp" .)
    runs_version env -u LD_LIBRARY_PATH "$tmp/goapp/goapp"
}
check "Go: bindings/go copied alone, used through replace, pkg-config only, runs without LD_LIBRARY_PATH" go_module

# --- install.sh --no-rpath ------------------------------------------------------
no_rpath() {
    "$here/install.sh" --prefix "$tmp/norpath" --profile "$profile" --no-build --no-rpath
    local libs
    libs="$(PKG_CONFIG_PATH="$tmp/norpath/lib/pkgconfig" pkg-config --libs authing_mfa | xargs)"
    echo "libs: $libs"
    [ "$libs" = "-L$tmp/norpath/lib -lauthing_mfa" ]
}
check "install.sh --no-rpath leaves the rpath out of the .pc" no_rpath

# --- failed installs leave nothing behind ---------------------------------------
# Every path with its type, link target and (files) checksum.
listing() { (cd "$1" && find . -printf '%p %y %l\n' | LC_ALL=C sort && find . -type f -exec cksum {} + | LC_ALL=C sort); }
# fails CMD...: CMD exits non-zero.
fails() {
    if "$@"; then
        echo "succeeded, expected a failure: $*"
        return 1
    fi
}
fail_build() {
    fails env CARGO=false "$here/install.sh" --prefix "$tmp/fail-build/p" --profile "$profile"
    [ ! -e "$tmp/fail-build" ] || { echo "created $(find "$tmp/fail-build")"; return 1; }
}
check "a failing build creates nothing (not even the prefix)" fail_build
fail_blocked_dir() {
    # include/ is a file: making the directories fails before any file moves.
    mkdir -p "$tmp/fail-dir"
    touch "$tmp/fail-dir/include"
    fails "$here/install.sh" --prefix "$tmp/fail-dir" --profile "$profile" --no-build
    local left
    left="$(cd "$tmp/fail-dir" && find . -mindepth 1)"
    echo "left: $left"
    [ "$left" = "./include" ]
}
check "an install that cannot create include/ leaves only what was there" fail_blocked_dir
fail_midway() {
    # An earlier install, marked; then include/authing_mfa.hpp is a directory:
    # the libraries are placed before it fails, and must be rolled back.
    "$here/install.sh" --prefix "$tmp/fail-mid" --profile "$profile" --no-build >/dev/null
    echo "# the previous install" >>"$tmp/fail-mid/lib/pkgconfig/authing_mfa.pc"
    rm "$tmp/fail-mid/lib/libauthing_mfa.so"
    touch "$tmp/fail-mid/include/authing_mfa/retired.hpp"
    rm "$tmp/fail-mid/include/authing_mfa.hpp"
    mkdir -p "$tmp/fail-mid/include/authing_mfa.hpp/in-the-way"
    listing "$tmp/fail-mid" >"$tmp/before"
    fails "$here/install.sh" --prefix "$tmp/fail-mid" --profile "$profile" --no-build
    listing "$tmp/fail-mid" >"$tmp/after"
    diff "$tmp/before" "$tmp/after"
}
check "an install failing halfway restores the previous install exactly (files, links, stale parts)" fail_midway
if [ "$(id -u)" != 0 ]; then
    fail_unwritable() {
        mkdir -p "$tmp/ro"
        chmod a-w "$tmp/ro"
        fails "$here/install.sh" --prefix "$tmp/ro" --profile "$profile" --no-build
        chmod u+w "$tmp/ro"
        [ -z "$(ls -A "$tmp/ro")" ]
    }
    check "an install into an unwritable prefix fails and leaves it empty" fail_unwritable
else
    echo "note   - running as root: the unwritable-prefix case is covered by the two cases above, not by permissions"
fi

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
