#!/usr/bin/env bash
# The quickstart: builds libauthing_mfa and the offline dev server, compiles
# examples/quickstart.c against the shared library, starts the dev server on
# a free port, and runs the MFA story against it (password login, bind TOTP,
# password login answered 1635, second factor, recovery code, unbind). Runnable from any
# directory; exits with the program's status.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="$ROOT/target/quickstart"
LIBDIR="$ROOT/target/debug"
mkdir -p "$OUT"

echo "==> building the library and the dev server (cargo build -p authing-mfa -p authing-mfa-devserver)"
cargo build -p authing-mfa -p authing-mfa-devserver

echo "==> compiling examples/quickstart.c against $LIBDIR/libauthing_mfa.so"
"${CC:-cc}" -std=c99 -Wall -Wextra -pedantic -O1 -I"$ROOT/include" -I"$ROOT/examples" \
    -o "$OUT/quickstart" examples/quickstart.c \
    -L"$LIBDIR" -lauthing_mfa -Wl,-rpath,"$LIBDIR"

# The dev server reads nothing from stdin; with --exit-on-stdin-close it stops
# when this script's end of the pipe closes, so it cannot outlive the script
# even if the script is killed. The trap also stops it on a normal exit.
echo "==> starting the dev server (log: $OUT/devserver.log)"
coproc DEVSERVER { exec "$LIBDIR/authing-mfa-devserver" --port 0 --exit-on-stdin-close 2>"$OUT/devserver.log"; }
SERVER_PID=$DEVSERVER_PID
SERVER_IN=${DEVSERVER[1]}
stop_server() {
    exec {SERVER_IN}>&- 2>/dev/null || true
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
}
trap stop_server EXIT

URL=""
read -r -t 30 URL <&"${DEVSERVER[0]}" || true
case "$URL" in
    http://127.0.0.1:*) ;;
    *)
        echo "the dev server did not start (first line: '$URL'); its log:" >&2
        cat "$OUT/devserver.log" >&2 || true
        exit 1
        ;;
esac

echo "==> running the quickstart"
status=0
"$OUT/quickstart" "$URL" || status=$?
exit "$status"
