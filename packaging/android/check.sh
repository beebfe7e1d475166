#!/usr/bin/env bash
# Checks that the library's Rust code for Android compiles and is
# clippy-clean: `cargo clippy --target aarch64-linux-android -D warnings`.
# Android-only code (the JNI set-up of the platform certificate verifier,
# `authing_mfa_android_init`; the fallback trust store) is otherwise never
# compiled on the development machine, which has no NDK.
#
# No NDK is needed: nothing is linked. The one C dependency, ring, is
# compiled by the host's clang for the Android target, freestanding, with
# two tiny stand-in headers (assert.h, string.h) for the libc headers the
# NDK would provide; the objects are only archived, never run.
#
# Installs when missing (as root): the Rust target with rustup, clang and
# llvm (llvm-ar) with apt-get. Prints what it runs; exits non-zero on a
# compile error or a clippy warning.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
triple=aarch64-linux-android
log() { printf '[android check] %s\n' "$*" >&2; }

if ! rustup target list --installed 2>/dev/null | grep -qx "$triple"; then
    log "rustup target add $triple"
    rustup target add "$triple" >/dev/null
fi
if ! command -v clang >/dev/null 2>&1 || ! command -v llvm-ar >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "installing clang and llvm with apt-get"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang llvm >/dev/null
    else
        log "needs clang and llvm-ar: apt-get install clang llvm"
        exit 1
    fi
fi

stubs="$(mktemp -d)"
trap 'rm -rf "$stubs"' EXIT
# What ring's C code includes from libc, reduced to what it uses.
printf '#define assert(x) ((void)0)\n' >"$stubs/assert.h"
cat >"$stubs/string.h" <<'H'
#include <stddef.h>
void *memcpy(void *, const void *, size_t);
void *memmove(void *, const void *, size_t);
void *memset(void *, int, size_t);
int memcmp(const void *, const void *, size_t);
H

target_dir="${CARGO_TARGET_DIR:-$root/target}"
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
export CARGO_TARGET_DIR="$target_dir/android-check"
export CC_aarch64_linux_android=clang
export CFLAGS_aarch64_linux_android="--target=${triple}21 -ffreestanding -nostdlibinc -I$stubs"
export AR_aarch64_linux_android=llvm-ar
cd "$root"
log "cargo clippy -p authing-mfa --target $triple -- -D warnings"
cargo clippy -q -p authing-mfa --target "$triple" -- -D warnings
log "ok: the Android build of the library compiles without warnings"
