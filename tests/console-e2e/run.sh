#!/usr/bin/env bash
# The dev server's console in a real browser: Debian's chromium (apt package
# `chromium`; .ci/run installs it), driven by playwright-core (pinned in
# package-lock.json; it never downloads a browser).
#   bash tests/console-e2e/run.sh
# Builds the dev server, starts it on a free loopback port, runs
# console-e2e.js (bounded to 60 s), stops the server, and exits non-zero if
# any step failed. The screenshot lands in <target>/console-e2e/console.png.
# The server's request log is shown when something fails.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

chromium="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
    echo "console-e2e: no chromium at $chromium (apt-get install chromium, or set CHROMIUM)" >&2
    exit 1
fi
export CHROMIUM="$chromium"

PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$here" --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null

cargo build --quiet --manifest-path "$root/Cargo.toml" -p authing-mfa-devserver
target="${CARGO_TARGET_DIR:-$(cargo metadata --manifest-path "$root/Cargo.toml" --format-version 1 --no-deps \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')}"
bin="$target/debug/authing-mfa-devserver"
shot="$target/console-e2e/console.png"

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
    echo "console-e2e: the dev server did not start" >&2
    cat "$tmp/log" >&2
    exit 1
fi

status=0
timeout 60 node "$here/console-e2e.js" "$url" "$shot" || status=$?
exec 3>&-
wait "$pid" || status=1
pid=""
if [ "$status" -ne 0 ]; then
    echo "console-e2e: failed (status $status); the dev server's log:" >&2
    cat "$tmp/log" >&2
else
    echo "console-e2e: screenshot at $shot"
fi
exit "$status"
