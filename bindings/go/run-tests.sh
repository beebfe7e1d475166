#!/usr/bin/env bash
# Runs the Go binding's checks and tests: go vet, gofmt, go test -race.
#
# Usage (from anywhere; the project's test script calls it from the repo
# root after `cargo build -p authing-mfa -p authing-mfa-devserver`):
#   bindings/go/run-tests.sh
#
# It needs Go >= 1.26 and a C compiler (cgo). When they are missing it
# installs them: gcc with apt-get, Go from the Go module proxy (the same
# golang.org/toolchain archive `GOTOOLCHAIN` downloads), into
# ~/.cache/authing-mfa. The tests start their own dev server (TestMain).
# `./...` includes internal/shutdowntest, the test of authingmfa.Shutdown,
# which go test runs as its own process: Shutdown is process-wide and final.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
GO_VERSION="${AUTHING_MFA_GO_VERSION:-1.26.8}" # the module needs go >= 1.26

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

# go_ok: the go on PATH exists and is at least 1.26.
go_ok() {
    command -v go >/dev/null || return 1
    local v
    v="$(go env GOVERSION 2>/dev/null)" || return 1 # e.g. go1.26.8
    v="${v#go}"
    local major="${v%%.*}" rest="${v#*.}"
    local minor="${rest%%[!0-9]*}"
    [ "$major" -gt 1 ] || { [ "$major" -eq 1 ] && [ "${minor:-0}" -ge 26 ]; }
}

ensure_go() {
    # Never let an older go switch toolchains by itself (go.mod says 1.26).
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
    go_ok || { log "could not get Go >= 1.26"; exit 1; }
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
# switches so that a missing piece fails loudly instead of fetching.
export CGO_ENABLED=1 GOPROXY=off GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:--buildvcs=false}"

cd "$here"
log "$(go version)"
log "go vet ./..."
go vet ./...
log "gofmt"
unformatted="$(gofmt -l .)"
if [ -n "$unformatted" ]; then
    log "not gofmt-formatted:"
    printf '%s\n' "$unformatted" >&2
    exit 1
fi
log "go test -race -count=1 -v ./..."
go test -race -count=1 -timeout 5m -v ./...
