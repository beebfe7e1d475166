#!/usr/bin/env bash
# The official authing-node-sdk (pinned in package-lock.json) against the dev
# server, through the SDK's public API only: v3 sign-in (client_secret_post,
# client_secret_basic, none), factor enrolment, OTP verify, reset, verifyMfaToken.
#   bash tests/v3-conformance/run.sh
# Builds the dev server, starts it on a free loopback port, runs
# conformance.js (bounded to 60 s), stops the server, and exits non-zero if
# any step failed. The server's request log is shown when something fails.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

npm ci --prefix "$here" --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null

cargo build --quiet --manifest-path "$root/Cargo.toml" -p authing-mfa-devserver
target="${CARGO_TARGET_DIR:-$(cargo metadata --manifest-path "$root/Cargo.toml" --format-version 1 --no-deps \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')}"
bin="$target/debug/authing-mfa-devserver"

tmp="$(mktemp -d)"
pid=""
cleanup() {
    exec 3>&- 2>/dev/null || true
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# The server stops when its stdin closes: fd 3 holds the fifo open until the
# end, so even a killed script cannot leave the server running.
mkfifo "$tmp/stdin"
"$bin" --port 0 --exit-on-stdin-close <"$tmp/stdin" >"$tmp/stdout" 2>"$tmp/log" &
pid=$!
exec 3>"$tmp/stdin"

url=""
for _ in $(seq 1 200); do
    url="$(head -n 1 "$tmp/stdout" 2>/dev/null || true)"
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
done
if [ -z "$url" ]; then
    echo "v3-conformance: the dev server did not start" >&2
    cat "$tmp/log" >&2
    exit 1
fi

status=0
timeout 60 node "$here/conformance.js" "$url" || status=$?
exec 3>&-
wait "$pid" || status=1
pid=""
if [ "$status" -ne 0 ]; then
    echo "v3-conformance: failed (status $status); the dev server's log:" >&2
    cat "$tmp/log" >&2
fi
exit "$status"
