#!/usr/bin/env bash
# Builds libauthing_mfa.so for Android ABIs with the NDK's clang as linker
# (plain cargo, no cargo-ndk needed; bash 3.2 compatible for macOS), ready to drop into an app's
# src/main/jniLibs:
#
#   dist/android/jniLibs/<abi>/libauthing_mfa.so
#
# Each library is linked with 16 KB page alignment (-z max-page-size=16384,
# required by Google Play for Android 15+ devices with 16 KB pages) and the
# unversioned soname libauthing_mfa.so (Android's loader and
# System.loadLibrary("authing_mfa") look for exactly that name).
#
# With --aar JAR it also assembles an Android library (AAR) around the
# Kotlin binding's jar (bindings/kotlin, `mvn package`):
#
#   dist/android/aar/{AndroidManifest.xml,classes.jar,jni/<abi>/libauthing_mfa.so}
#   dist/android/authing-mfa-<version>.aar      (the same, zipped)
#
# UNTESTED HERE: the development machine has no NDK; test-mobile-scripts.sh
# checks the argument handling and the commands printed by --dry-run. The
# AAR layout is tested with --host-stand-in LIB, which skips the NDK build
# and puts a host (Linux) library under the fake ABI name `host-stand-in`:
# an AAR made that way is a layout check, not something a device can load.
set -euo pipefail

all_abis=(arm64-v8a armeabi-v7a x86_64)

usage() {
    cat <<'EOF'
usage: packaging/android/build.sh [--abi ABI]... [--api LEVEL] [--profile release|debug]
                                  [--out DIR] [--aar JAR] [--host-stand-in LIB] [--dry-run]

Builds libauthing_mfa.so for Android into DIR/jniLibs/<abi>/ (default DIR:
dist/android in the repository).

options:
  --abi ABI           arm64-v8a, armeabi-v7a or x86_64; repeat for several
                      (default: all three)
  --api LEVEL         minimum Android API level, 21 or more (default 21)
  --profile PROFILE   release (default) or debug
  --out DIR           output directory (default <repo>/dist/android)
  --aar JAR           also assemble DIR/aar/ and DIR/authing-mfa-<version>.aar
                      from JAR (the Kotlin binding's jar) and the libraries
  --host-stand-in LIB for tests of the AAR layout without an NDK: no build;
                      LIB (a host libauthing_mfa.so) goes under the fake ABI
                      `host-stand-in` (needs --aar; not loadable on a device)
  --dry-run           print the commands without running them
  -h, --help          show this help

Requires: the Android NDK (r23 or newer) in ANDROID_NDK_HOME (or
ANDROID_NDK_ROOT), cargo, and the Rust targets
  rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
EOF
}

die_usage() {
    echo "android/build.sh: $1" >&2
    echo "Try 'packaging/android/build.sh --help'." >&2
    exit 2
}
die() {
    echo "android/build.sh: $1" >&2
    exit 1
}

# ABI -> Rust target and the NDK clang's target prefix (armv7 differs).
rust_target() {
    case "$1" in
    arm64-v8a) echo aarch64-linux-android ;;
    armeabi-v7a) echo armv7-linux-androideabi ;;
    x86_64) echo x86_64-linux-android ;;
    esac
}
clang_prefix() {
    case "$1" in
    arm64-v8a) echo aarch64-linux-android ;;
    armeabi-v7a) echo armv7a-linux-androideabi ;;
    x86_64) echo x86_64-linux-android ;;
    esac
}

abis=()
api=21
profile=release
out=""
dry_run=0
aar_jar=""
stand_in=""
while (($#)); do
    case "$1" in
    --abi | --api | --profile | --out | --aar | --host-stand-in)
        (($# >= 2)) || die_usage "$1 needs a value"
        opt="$1" val="$2"
        shift 2
        ;;
    --abi=* | --api=* | --profile=* | --out=* | --aar=* | --host-stand-in=*)
        opt="${1%%=*}" val="${1#*=}"
        shift
        ;;
    --dry-run) dry_run=1; shift; continue ;;
    -h | --help) usage; exit 0 ;;
    *) die_usage "unknown argument: $1" ;;
    esac
    case "$opt" in
    --abi)
        [ -n "$(rust_target "$val")" ] || die_usage "unknown ABI '$val' (expected one of: ${all_abis[*]})"
        abis+=("$val")
        ;;
    --api)
        [[ "$val" =~ ^[0-9]+$ ]] && ((10#$val >= 21)) || die_usage "--api must be an integer >= 21, not '$val'"
        api=$((10#$val))
        ;;
    --profile)
        case "$val" in release | debug) profile="$val" ;; *) die_usage "unknown profile '$val' (expected release or debug)" ;; esac
        ;;
    --out) [ -n "$val" ] || die_usage "--out needs a directory"; out="$val" ;;
    --aar) [ -n "$val" ] || die_usage "--aar needs the Kotlin binding's jar"; aar_jar="$val" ;;
    --host-stand-in) [ -n "$val" ] || die_usage "--host-stand-in needs a library"; stand_in="$val" ;;
    esac
done
if [ -n "$stand_in" ]; then
    [ -n "$aar_jar" ] || die_usage "--host-stand-in is for testing the AAR layout: it needs --aar JAR"
    ((${#abis[@]} == 0)) || die_usage "--host-stand-in replaces the ABI builds: no --abi with it"
fi
((${#abis[@]})) || abis=("${all_abis[@]}")

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${out:-$root/dist/android}"
target_root="${CARGO_TARGET_DIR:-$root/target}"

ndk="${ANDROID_NDK_HOME:-${ANDROID_NDK_ROOT:-}}"
case "$(uname -s)" in
Darwin) host_tag=darwin-x86_64 ;;  # the NDK ships x86_64 (universal) binaries under this name
*) host_tag=linux-x86_64 ;;
esac

if [ -n "$stand_in" ]; then
    :  # no NDK, no cargo: the host library stands in (see --host-stand-in)
elif ((dry_run)); then
    # Placeholders keep the printed commands readable without an NDK.
    ndk="${ndk:-\$ANDROID_NDK_HOME}"
else
    command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust from https://rustup.rs"
    [ -n "$ndk" ] || die "ANDROID_NDK_HOME is not set: install the Android NDK (r23+) and export ANDROID_NDK_HOME=/path/to/ndk"
    [ -d "$ndk/toolchains/llvm/prebuilt/$host_tag/bin" ] ||
        die "no NDK LLVM toolchain at $ndk/toolchains/llvm/prebuilt/$host_tag (is ANDROID_NDK_HOME an NDK r23+?)"
    if command -v rustup >/dev/null 2>&1; then
        installed="$(rustup target list --installed)"
        for abi in "${abis[@]}"; do
            t="$(rust_target "$abi")"
            grep -qx "$t" <<<"$installed" || die "the Rust target $t is not installed: rustup target add $t"
        done
    fi
fi
bin="$ndk/toolchains/llvm/prebuilt/$host_tag/bin"

# Prints one argument as the shell would need it: bare when it holds only
# safe characters, in double quotes when it also holds `$` (the NDK
# placeholder of a dry run, left for the shell to expand), else in single
# quotes.
quote() {
    case "$1" in
    '') printf "''" ;;
    *[!A-Za-z0-9_@%+=:,./-]*)
        case "$1" in
        *[!A-Za-z0-9_@%+=:,./\$-]*) printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")" ;;
        *) printf '"%s"' "$1" ;;
        esac
        ;;
    *) printf '%s' "$1" ;;
    esac
}

# Prints the command and runs it unless --dry-run.
run() {
    local arg
    printf '+'
    for arg in "$@"; do printf ' '; quote "$arg"; done
    printf '\n'
    ((dry_run)) || "$@"
}

profile_flag=()
[ "$profile" = release ] && profile_flag=(--release)

# --host-stand-in: no build; the host library under a fake ABI name.
if [ -n "$stand_in" ]; then
    abis=()
    [ "$dry_run" = 1 ] || [ -f "$stand_in" ] || die "$stand_in not found"
    echo "NOTE: --host-stand-in: $stand_in (a host library, NOT built for Android) goes under jni/host-stand-in/"
    run mkdir -p "$out/jniLibs/host-stand-in"
    run cp "$stand_in" "$out/jniLibs/host-stand-in/libauthing_mfa.so"
fi

for abi in ${abis[@]+"${abis[@]}"}; do
    target="$(rust_target "$abi")"
    clang="$bin/$(clang_prefix "$abi")$api-clang"
    [ "$dry_run" = 1 ] || [ -x "$clang" ] || die "$clang not found (API level $api not in this NDK?)"
    upper="$(tr 'a-z-' 'A-Z_' <<<"$target")"
    under="${target//-/_}"
    # The linker for the final link, and CC/AR for build scripts that compile
    # C (ring does). The link arguments go to the cdylib only (cargo rustc).
    run env \
        "CARGO_TARGET_${upper}_LINKER=$clang" \
        "CC_${under}=$clang" \
        "AR_${under}=$bin/llvm-ar" \
        cargo rustc --manifest-path "$root/Cargo.toml" -p authing-mfa --lib --crate-type cdylib \
        --target "$target" ${profile_flag[@]+"${profile_flag[@]}"} -- \
        -C link-arg=-Wl,-z,max-page-size=16384 \
        -C link-arg=-Wl,-soname,libauthing_mfa.so
    run mkdir -p "$out/jniLibs/$abi"
    run cp "$target_root/$target/$profile/libauthing_mfa.so" "$out/jniLibs/$abi/libauthing_mfa.so"
    if ((!dry_run)); then
        # Check what was asked for, with the NDK's readelf.
        so="$out/jniLibs/$abi/libauthing_mfa.so"
        "$bin/llvm-readelf" -d "$so" | grep -q 'SONAME.*\[libauthing_mfa\.so\]' ||
            die "$so: the soname is not libauthing_mfa.so"
        while read -r type rest; do
            [ "$type" = LOAD ] || continue
            align="${rest##* }"  # the last column, e.g. 0x4000
            ((align >= 16384)) || die "$so: a LOAD segment is aligned to $align, below 16 KB"
        done < <("$bin/llvm-readelf" -lW "$so")
        echo "built $so (16 KB aligned, soname libauthing_mfa.so)"
    fi
done

# The AAR: Android's library archive, a zip of AndroidManifest.xml,
# classes.jar (the Kotlin binding, with LICENSE and THIRD_PARTY_LICENSES.md
# under META-INF/authing-mfa/; JNA comes from its own AAR, a dependency of
# the app: net.java.dev.jna:jna:<version>@aar), proguard.txt (consumer
# rules) and jni/<abi>/*.so.
if [ -n "$aar_jar" ]; then
    [ "$dry_run" = 1 ] || [ -f "$aar_jar" ] || die "$aar_jar not found: build it with (cd bindings/kotlin && mvn -q package -DskipTests)"
    version="$(sed -n 's/^#define AUTHING_MFA_VERSION_STRING "\(.*\)"/\1/p' "$root/include/authing_mfa.h")"
    aar_dir="$out/aar"
    run rm -rf "$aar_dir"
    run mkdir -p "$aar_dir/jni"
    run cp "$aar_jar" "$aar_dir/classes.jar"
    run cp -R "$out/jniLibs/." "$aar_dir/jni/"
    if ((dry_run)); then
        echo "+ write $aar_dir/AndroidManifest.xml"
        echo "+ write $aar_dir/proguard.txt"
    else
        cat >"$aar_dir/AndroidManifest.xml" <<'MANIFEST'
<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android"
    package="io.github.authingmfa">
    <uses-sdk android:minSdkVersion="21" />
    <uses-permission android:name="android.permission.INTERNET" />
</manifest>
MANIFEST
        : >"$aar_dir/R.txt"
        # Consumer rules: R8 applies them to the app that uses the AAR.
        cat >"$aar_dir/proguard.txt" <<'RULES'
# authing-mfa: JNA finds the binding's native mapping by reflection.
-keep class authingmfa.** { *; }
-keep class com.sun.jna.** { *; }
-keepclassmembers class * extends com.sun.jna.** { public *; }
-dontwarn java.awt.**
# rustls-platform-verifier's Kotlin component (rustls:rustls-platform-verifier,
# a dependency of the app) is called only through JNI, which R8 cannot see.
-keep, includedescriptorclasses class org.rustls.platformverifier.** { *; }
RULES
    fi
    aar="$out/authing-mfa-$version.aar"
    ((dry_run)) || aar="$(cd "$out" && pwd)/authing-mfa-$version.aar"
    run rm -f "$aar"
    if ((dry_run)); then
        echo "+ (cd $aar_dir && zip -qr $aar .)"
    elif command -v zip >/dev/null 2>&1; then
        (cd "$aar_dir" && zip -qr "$aar" .)
    else
        (cd "$aar_dir" && jar cMf "$aar" .)
    fi
    ((dry_run)) || echo "built $aar"
    # The platform verifier's Kotlin half, which the app must add beside the
    # AAR, at the version of its crate this library was built with.
    pv="$(awk '/^name = "rustls-platform-verifier-android"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$root/Cargo.lock")"
    echo "the app also needs: implementation(\"rustls:rustls-platform-verifier:$pv\") (see packaging/README.md, Android)"
fi
