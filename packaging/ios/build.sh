#!/usr/bin/env bash
# Builds AuthingMFA.xcframework for iOS: static libraries for devices
# (aarch64-apple-ios) and simulators (aarch64-apple-ios-sim and
# x86_64-apple-ios, merged with lipo into one fat library, since an
# xcframework holds one library per platform variant), with the C header and
# a module map so Swift can `import AuthingMFA`:
#
#   dist/ios/AuthingMFA.xcframework
#
# UNTESTED HERE: it needs macOS with Xcode; test-mobile-scripts.sh checks the
# argument handling and the commands printed by --dry-run. Written for the
# bash 3.2 that macOS ships.
set -euo pipefail

all_targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)

usage() {
    cat <<'EOF'
usage: packaging/ios/build.sh [--target TARGET]... [--profile release|debug]
                              [--min-ios VERSION] [--out DIR] [--dry-run]

Builds static libraries for iOS and packs them with the C header and a module
map into DIR/AuthingMFA.xcframework (default DIR: dist/ios in the repository).

options:
  --target TARGET     aarch64-apple-ios, aarch64-apple-ios-sim or x86_64-apple-ios;
                      repeat for several (default: all three)
  --profile PROFILE   release (default) or debug
  --min-ios VERSION   IPHONEOS_DEPLOYMENT_TARGET (default 13.0)
  --out DIR           output directory (default <repo>/dist/ios)
  --dry-run           print the commands without running them
  -h, --help          show this help

Requires macOS with Xcode (xcodebuild, lipo), cargo, and the Rust targets
  rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios
EOF
}

die_usage() {
    echo "ios/build.sh: $1" >&2
    echo "Try 'packaging/ios/build.sh --help'." >&2
    exit 2
}
die() {
    echo "ios/build.sh: $1" >&2
    exit 1
}

known_target() {
    case "$1" in aarch64-apple-ios | aarch64-apple-ios-sim | x86_64-apple-ios) return 0 ;; esac
    return 1
}

targets=()
profile=release
min_ios=13.0
out=""
dry_run=0
while (($#)); do
    case "$1" in
    --target | --profile | --min-ios | --out)
        (($# >= 2)) || die_usage "$1 needs a value"
        opt="$1" val="$2"
        shift 2
        ;;
    --target=* | --profile=* | --min-ios=* | --out=*)
        opt="${1%%=*}" val="${1#*=}"
        shift
        ;;
    --dry-run) dry_run=1; shift; continue ;;
    -h | --help) usage; exit 0 ;;
    *) die_usage "unknown argument: $1" ;;
    esac
    case "$opt" in
    --target)
        known_target "$val" || die_usage "unknown target '$val' (expected one of: ${all_targets[*]})"
        targets+=("$val")
        ;;
    --profile)
        case "$val" in release | debug) profile="$val" ;; *) die_usage "unknown profile '$val' (expected release or debug)" ;; esac
        ;;
    --min-ios)
        [[ "$val" =~ ^[0-9]+(\.[0-9]+)*$ ]] || die_usage "--min-ios must look like 13.0, not '$val'"
        min_ios="$val"
        ;;
    --out) [ -n "$val" ] || die_usage "--out needs a directory"; out="$val" ;;
    esac
done
[ "${#targets[@]}" -gt 0 ] || targets=("${all_targets[@]}")

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${out:-$root/dist/ios}"
target_root="${CARGO_TARGET_DIR:-$root/target}"
modulemap="$here/module.modulemap"
[ -f "$modulemap" ] || die "missing the module map template $modulemap"

if ((!dry_run)); then
    [ "$(uname -s)" = Darwin ] || die "iOS builds need macOS with Xcode (this is $(uname -s)); use --dry-run to see the commands"
    for tool in cargo xcodebuild lipo; do
        command -v "$tool" >/dev/null 2>&1 || die "$tool not found (cargo: https://rustup.rs; xcodebuild and lipo: install Xcode and run xcode-select --install)"
    done
    if command -v rustup >/dev/null 2>&1; then
        installed="$(rustup target list --installed)"
        for t in "${targets[@]}"; do
            grep -qx "$t" <<<"$installed" || die "the Rust target $t is not installed: rustup target add $t"
        done
    fi
fi

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

device=()
simulator=()
for t in "${targets[@]}"; do
    # Only the static library is built (an xcframework of .a files): apps
    # link it into their own binary, which App Store rules favour over
    # loose dylibs.
    run env "IPHONEOS_DEPLOYMENT_TARGET=$min_ios" \
        cargo rustc --manifest-path "$root/Cargo.toml" -p authing-mfa --lib --crate-type staticlib \
        --target "$t" ${profile_flag[@]+"${profile_flag[@]}"}
    case "$t" in
    *-sim | x86_64-*) simulator+=("$target_root/$t/$profile/libauthing_mfa.a") ;;
    *) device+=("$target_root/$t/$profile/libauthing_mfa.a") ;;
    esac
done

stage="$out/build"
run rm -rf "$stage" "$out/AuthingMFA.xcframework"
run mkdir -p "$stage/include" "$stage/device" "$stage/simulator"
run cp "$root/include/authing_mfa.h" "$stage/include/authing_mfa.h"
run cp "$modulemap" "$stage/include/module.modulemap"

xc_args=()
if [ "${#device[@]}" -gt 0 ]; then
    run cp "${device[0]}" "$stage/device/libauthing_mfa.a"
    xc_args+=(-library "$stage/device/libauthing_mfa.a" -headers "$stage/include")
fi
if [ "${#simulator[@]}" -gt 1 ]; then
    # One fat library for both simulator architectures.
    run lipo -create "${simulator[@]}" -output "$stage/simulator/libauthing_mfa.a"
elif [ "${#simulator[@]}" -eq 1 ]; then
    run cp "${simulator[0]}" "$stage/simulator/libauthing_mfa.a"
fi
if [ "${#simulator[@]}" -gt 0 ]; then
    xc_args+=(-library "$stage/simulator/libauthing_mfa.a" -headers "$stage/include")
fi
run xcodebuild -create-xcframework "${xc_args[@]}" -output "$out/AuthingMFA.xcframework"
((dry_run)) || echo "built $out/AuthingMFA.xcframework"
