#!/usr/bin/env bash
# Tests what can be tested of the mobile build scripts on a machine without
# the Android NDK or Xcode: --help, argument validation (exit 2), the clear
# failure when tools are missing (exit 1), and the commands --dry-run prints
# (16 KB alignment, every ABI, the unversioned soname, lipo, the xcframework),
# plus the module map template. The real builds are untested here.
# Ends with "N passed, M failed" and exits non-zero on any failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
android="$here/android/build.sh"
ios="$here/ios/build.sh"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

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

# expect STATUS PATTERN CMD...: CMD exits with STATUS and its output (stdout
# and stderr) matches the extended regex PATTERN.
expect() {
    local want="$1" pattern="$2"
    shift 2
    local got=0
    "$@" >"$tmp/out" 2>&1 || got=$?
    cat "$tmp/out"
    [ "$got" = "$want" ] || { echo ">> exit status $got, expected $want"; return 1; }
    grep -Eq -- "$pattern" "$tmp/out" || { echo ">> output does not match: $pattern"; return 1; }
}

# Runs CMD (which must succeed) and saves its output in $tmp/dry.
dry() {
    "$@" >"$tmp/dry" 2>&1 || { cat "$tmp/dry"; echo ">> exit status $?"; return 1; }
}
# has PATTERN...: every extended regex matches a line of $tmp/dry.
has() {
    local p
    for p in "$@"; do grep -Eq -- "$p" "$tmp/dry" || { echo ">> missing: $p"; cat "$tmp/dry"; return 1; }; done
}
# count N PATTERN: exactly N lines of $tmp/dry match.
count() {
    local n
    n="$(grep -Ec -- "$2" "$tmp/dry" || true)"
    [ "$n" = "$1" ] || { echo ">> $n lines match $2, expected $1"; cat "$tmp/dry"; return 1; }
}
lacks() {
    local p
    for p in "$@"; do ! grep -Eq -- "$p" "$tmp/dry" || { echo ">> unexpected: $p"; cat "$tmp/dry"; return 1; }; done
}

no_ndk=(env -u ANDROID_NDK_HOME -u ANDROID_NDK_ROOT)

# --- Android -------------------------------------------------------------------
check "android --help exits 0 and lists the ABIs" \
    expect 0 'arm64-v8a, armeabi-v7a or x86_64' "$android" --help
check "android rejects an unknown ABI with exit 2" \
    expect 2 "unknown ABI 'mips'" "$android" --abi mips --dry-run
check "android rejects an API level below 21 with exit 2" \
    expect 2 "--api must be an integer >= 21" "$android" --api 19 --dry-run
check "android rejects an unknown profile with exit 2" \
    expect 2 "unknown profile 'fast'" "$android" --profile fast --dry-run
check "android rejects an unknown option with exit 2" \
    expect 2 "unknown argument: --frobnicate" "$android" --frobnicate
check "android rejects an option without its value with exit 2" \
    expect 2 "--abi needs a value" "$android" --abi
check "android without an NDK fails with a clear message (exit 1)" \
    expect 1 "ANDROID_NDK_HOME is not set" "${no_ndk[@]}" "$android" --out "$tmp/android-out"

# With an NDK directory but without the Rust target, the script names the
# rustup command to run. Only checkable where rustup lacks that target.
if [ "$(uname -s)" = Linux ] && command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -qx aarch64-linux-android; then
    mkdir -p "$tmp/fake-ndk/toolchains/llvm/prebuilt/linux-x86_64/bin"
    check "android without the Rust target says: rustup target add (exit 1)" \
        expect 1 "rustup target add aarch64-linux-android" \
        env ANDROID_NDK_HOME="$tmp/fake-ndk" "$android" --abi arm64-v8a --out "$tmp/android-out"
fi

android_all() {
    dry "${no_ndk[@]}" "$android" --dry-run --out "$tmp/android-out"
    # One cargo command per ABI, each with 16 KB pages and the unversioned soname.
    count 3 '^\+ env .* cargo rustc .*--crate-type cdylib'
    count 3 'cargo rustc .*-C link-arg=-Wl,-z,max-page-size=16384'
    count 3 'cargo rustc .*-C link-arg=-Wl,-soname,libauthing_mfa\.so( |$)'
    lacks 'libauthing_mfa\.so\.[0-9]'
    count 3 'cargo rustc .* --release'
    has 'CARGO_TARGET_AARCH64_LINUX_ANDROID_LINKER=.*/toolchains/llvm/prebuilt/[a-z_0-9-]+/bin/aarch64-linux-android21-clang"? ' \
        'CARGO_TARGET_ARMV7_LINUX_ANDROIDEABI_LINKER=.*/bin/armv7a-linux-androideabi21-clang"? ' \
        'CARGO_TARGET_X86_64_LINUX_ANDROID_LINKER=.*/bin/x86_64-linux-android21-clang"? ' \
        'CC_aarch64_linux_android=.*aarch64-linux-android21-clang' \
        'AR_armv7_linux_androideabi=.*/bin/llvm-ar' \
        '--target aarch64-linux-android ' '--target armv7-linux-androideabi ' '--target x86_64-linux-android '
    local abi
    for abi in arm64-v8a armeabi-v7a x86_64; do
        has "^\+ mkdir -p $tmp/android-out/jniLibs/$abi\$" \
            "^\+ cp .*/target/[a-z0-9_-]+/release/libauthing_mfa\.so $tmp/android-out/jniLibs/$abi/libauthing_mfa\.so\$"
    done
    # A dry run touches nothing.
    [ ! -e "$tmp/android-out" ] || { echo ">> --dry-run created $tmp/android-out"; return 1; }
}
check "android --dry-run: every ABI, 16 KB alignment, soname libauthing_mfa.so, jniLibs layout" android_all

android_one() {
    dry "${no_ndk[@]}" "$android" --dry-run --abi x86_64 --api 24 --profile debug --out "$tmp/a1"
    count 1 'cargo rustc'
    has 'x86_64-linux-android24-clang' "target/x86_64-linux-android/debug/libauthing_mfa\.so $tmp/a1/jniLibs/x86_64/"
    lacks 'aarch64' 'armv7' '--release'
}
check "android --dry-run --abi x86_64 --api 24 --profile debug builds only that" android_one

android_two() {
    dry "${no_ndk[@]}" "$android" --dry-run --abi=arm64-v8a --abi=armeabi-v7a
    count 2 'cargo rustc'
    has "cp .* $root/dist/android/jniLibs/arm64-v8a/libauthing_mfa\.so"
    lacks '--target x86_64' 'jniLibs/x86_64'
}
check "android --dry-run with two --abi=… defaults to dist/android" android_two

# --- iOS -----------------------------------------------------------------------
check "ios --help exits 0 and lists the targets" \
    expect 0 'aarch64-apple-ios, aarch64-apple-ios-sim or x86_64-apple-ios' "$ios" --help
check "ios rejects an unknown target with exit 2" \
    expect 2 "unknown target 'armv7-apple-ios'" "$ios" --target armv7-apple-ios --dry-run
check "ios rejects an unknown profile with exit 2" \
    expect 2 "unknown profile 'x'" "$ios" --profile x --dry-run
check "ios rejects a bad --min-ios with exit 2" \
    expect 2 "--min-ios must look like 13.0" "$ios" --min-ios abc --dry-run
check "ios rejects an unknown option with exit 2" \
    expect 2 "unknown argument: --bitcode" "$ios" --bitcode
if [ "$(uname -s)" != Darwin ]; then
    check "ios off macOS fails with a clear message (exit 1)" \
        expect 1 "iOS builds need macOS with Xcode" "$ios" --out "$tmp/ios-out"
fi

ios_all() {
    dry "$ios" --dry-run --out "$tmp/ios-out"
    count 3 '^\+ env IPHONEOS_DEPLOYMENT_TARGET=13\.0 cargo rustc .*--crate-type staticlib .*--release'
    local t
    for t in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do has "--target $t( |\$)"; done
    has "^\+ lipo -create .*/target/aarch64-apple-ios-sim/release/libauthing_mfa\.a .*/target/x86_64-apple-ios/release/libauthing_mfa\.a -output $tmp/ios-out/build/simulator/libauthing_mfa\.a\$" \
        "^\+ cp .*/target/aarch64-apple-ios/release/libauthing_mfa\.a $tmp/ios-out/build/device/libauthing_mfa\.a\$" \
        "^\+ cp $root/include/authing_mfa\.h $tmp/ios-out/build/include/authing_mfa\.h\$" \
        "^\+ cp $here/ios/module\.modulemap $tmp/ios-out/build/include/module\.modulemap\$" \
        "^\+ xcodebuild -create-xcframework -library $tmp/ios-out/build/device/libauthing_mfa\.a -headers $tmp/ios-out/build/include -library $tmp/ios-out/build/simulator/libauthing_mfa\.a -headers $tmp/ios-out/build/include -output $tmp/ios-out/AuthingMFA\.xcframework\$"
    # The xcframework comes last, after the slices it packs.
    tail -n 1 "$tmp/dry" | grep -q '^+ xcodebuild -create-xcframework ' || { echo ">> xcodebuild is not last"; return 1; }
    [ ! -e "$tmp/ios-out" ] || { echo ">> --dry-run created $tmp/ios-out"; return 1; }
}
check "ios --dry-run: 3 static libs, lipo of the simulators, headers, module map, xcframework" ios_all

ios_one() {
    dry "$ios" --dry-run --target aarch64-apple-ios-sim --profile debug --min-ios 15.0 --out "$tmp/i1"
    count 1 'cargo rustc'
    has 'IPHONEOS_DEPLOYMENT_TARGET=15\.0' "cp .*/target/aarch64-apple-ios-sim/debug/libauthing_mfa\.a $tmp/i1/build/simulator/" \
        "xcodebuild -create-xcframework -library $tmp/i1/build/simulator/libauthing_mfa\.a -headers $tmp/i1/build/include -output"
    lacks 'lipo' '--release' 'device/libauthing_mfa'
}
check "ios --dry-run for one simulator target: no lipo, one library" ios_one

modulemap() {
    local text
    text="$(tr -s ' \t\n' '   ' <"$here/ios/module.modulemap" | sed 's/^ *//; s/ *$//')"
    echo "module map: $text"
    [ "$text" = 'module AuthingMFA { header "authing_mfa.h" export * }' ]
    # The header it names is the one the script copies next to it.
    [ -f "$root/include/authing_mfa.h" ]
}
check "ios/module.modulemap is: module AuthingMFA { header \"authing_mfa.h\" export * }" modulemap

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
