#!/usr/bin/env bash
# Runs the Go binding's checks and tests: go vet, gofmt, go test -race.
#
# Usage (from anywhere; the project's test script calls it from the repo
# root after `cargo build -p authing-mfa -p authing-mfa-devserver`):
#   bindings/go/run-tests.sh
#
# It builds with -tags authingmfa_checkout: the library in the repository's
# target/debug instead of the installed one pkg-config finds (the default
# for users; packaging/test-packaging.sh tests that path from a copy of the
# module). It also checks that the module's include/authing_mfa.h is the
# repository's include/authing_mfa.h.
#
# It needs Go >= the go.mod's go line (1.24) and a C compiler (cgo). When
# they are missing it installs them: gcc with apt-get, Go from the Go module proxy (the same
# golang.org/toolchain archive `GOTOOLCHAIN` downloads), into
# ~/.cache/authing-mfa. The tests start their own dev server (TestMain).
# `./...` includes internal/shutdowntest, the test of authingmfa.Shutdown,
# which go test runs as its own process: Shutdown is process-wide and final.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
GO_VERSION="${AUTHING_MFA_GO_VERSION:-1.26.8}" # downloaded when go is missing or too old
# The lowest Go the module supports: go.mod's go line (e.g. "go 1.24.0").
GO_MIN_MINOR="$(sed -n 's/^go 1\.\([0-9]*\).*/\1/p' "$here/go.mod")"
[ -n "$GO_MIN_MINOR" ] || { echo "[bindings/go] cannot read the go line of go.mod" >&2; exit 1; }

log() { printf '[bindings/go] %s\n' "$*" >&2; }

apt_install() {
    if ! command -v apt-get >/dev/null; then
        log "missing $*, and no apt-get to install it"
        exit 1
    fi
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    log "installing $* with apt-get"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# go_ok: the go on PATH exists and is at least go.mod's go version.
go_ok() {
    command -v go >/dev/null || return 1
    local v
    v="$(go env GOVERSION 2>/dev/null)" || return 1 # e.g. go1.26.8
    v="${v#go}"
    local major="${v%%.*}" rest="${v#*.}"
    local minor="${rest%%[!0-9]*}"
    [ "$major" -gt 1 ] || { [ "$major" -eq 1 ] && [ "${minor:-0}" -ge "$GO_MIN_MINOR" ]; }
}

ensure_go() {
    # Never let an older go switch toolchains by itself.
    export GOTOOLCHAIN=local
    export PATH="$PATH:/usr/local/go/bin"
    go_ok && return
    local arch
    case "$(uname -m)" in
        x86_64) arch=amd64 ;;
        aarch64 | arm64) arch=arm64 ;;
        *) log "unsupported machine $(uname -m)"; exit 1 ;;
    esac
    local dest="${XDG_CACHE_HOME:-$HOME/.cache}/authing-mfa/go$GO_VERSION"
    if [ ! -x "$dest/bin/go" ]; then
        command -v curl >/dev/null || apt_install curl ca-certificates
        command -v unzip >/dev/null || apt_install unzip
        local proxy="${GOPROXY:-https://proxy.golang.org}"
        proxy="${proxy%%,*}"
        [ "$proxy" != "off" ] && [ "$proxy" != "direct" ] || proxy="https://proxy.golang.org"
        local name="v0.0.1-go$GO_VERSION.linux-$arch"
        local tmp
        tmp="$(mktemp -d)"
        log "downloading Go $GO_VERSION from $proxy"
        curl -fsSL --retry 3 -o "$tmp/go.zip" "$proxy/golang.org/toolchain/@v/$name.zip"
        unzip -q "$tmp/go.zip" -d "$tmp"
        mkdir -p "$(dirname "$dest")"
        rm -rf "$dest"
        mv "$tmp/golang.org/toolchain@$name" "$dest"
        rm -rf "$tmp"
        # Module zips do not keep file modes.
        chmod +x "$dest"/bin/* "$dest"/pkg/tool/*/*
    fi
    export PATH="$dest/bin:$PATH"
    go_ok || { log "could not get Go >= 1.$GO_MIN_MINOR"; exit 1; }
}

ensure_go
command -v gcc >/dev/null || command -v cc >/dev/null || apt_install gcc libc6-dev

# Build what the tests link and run; cheap when up to date. Without cargo
# (a machine that only has the build outputs), use what is there.
if command -v cargo >/dev/null; then
    (cd "$root" && cargo build -q -p authing-mfa -p authing-mfa-devserver)
fi
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
lib_dir="$target/debug"
for f in "$lib_dir/libauthing_mfa.so" "$lib_dir/authing-mfa-devserver"; do
    [ -e "$f" ] || { log "missing $f: run cargo build -p authing-mfa -p authing-mfa-devserver"; exit 1; }
done
export AUTHING_MFA_DEVSERVER="$lib_dir/authing-mfa-devserver"
if [ "$lib_dir" != "$root/target/debug" ]; then
    # Flags from the environment come before the package's own #cgo flags.
    export CGO_LDFLAGS="-L$lib_dir -Wl,-rpath,$lib_dir ${CGO_LDFLAGS:-}"
fi

# Everything is in the standard library: forbid downloads and toolchain
# switches so that a missing piece fails loudly instead of fetching (except
# for the minimum-version check below).
user_goproxy="${GOPROXY:-https://proxy.golang.org,direct}"
export CGO_ENABLED=1 GOPROXY=off GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:--buildvcs=false}"

# The module's copy of the C header (cgo_include.go) must be the
# repository's; tests/header.rs checks the same in `cargo test`.
if ! cmp -s "$root/include/authing_mfa.h" "$here/include/authing_mfa.h"; then
    log "bindings/go/include/authing_mfa.h differs from include/authing_mfa.h: cp include/authing_mfa.h bindings/go/include/"
    exit 1
fi

cd "$here"
log "$(go version)"
log "go vet -tags authingmfa_checkout ./..."
go vet -tags authingmfa_checkout ./...
# The go line of go.mod is the lowest Go the module builds with. go vet's
# stdversion check does not catch every newer API (it missed
# runtime.AddCleanup, Go 1.24, in client.go, a cgo file), so type-check
# with that exact Go too: the go command downloads the toolchain once
# (golang.org/toolchain from the Go module proxy, into the module cache).
# AUTHING_MFA_GO_MIN_CHECK=0 skips this step (offline machines).
go_min="$(sed -n 's/^go //p' go.mod)"
if [ "${AUTHING_MFA_GO_MIN_CHECK:-1}" != 0 ]; then
    log "go vet with go$go_min (go.mod's go line)"
    GOTOOLCHAIN="go$go_min" GOPROXY="$user_goproxy" go vet -tags authingmfa_checkout ./...
else
    log "WARNING: AUTHING_MFA_GO_MIN_CHECK=0: not checked with go$go_min"
fi
log "gofmt"
unformatted="$(gofmt -l .)"
if [ -n "$unformatted" ]; then
    log "not gofmt-formatted:"
    printf '%s\n' "$unformatted" >&2
    exit 1
fi
log "go test -tags authingmfa_checkout -race -count=1 -v ./..."
go test -tags authingmfa_checkout -race -count=1 -timeout 5m -v ./...
