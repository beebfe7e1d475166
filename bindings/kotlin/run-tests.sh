#!/usr/bin/env bash
# Tests the Kotlin binding on the JVM: builds the Rust library and the dev
# server, starts the dev server, runs the Maven suite (JUnit 5) with JNA
# pointed at target/debug, stops the server, then checks the Android AAR
# layout built from the binding's jar (packaging/android/build.sh
# --host-stand-in: the host library under a clearly fake ABI name).
#
# Maven fetches its plugins and dependencies once into ~/.m2 (Maven's
# default; set MAVEN_REPO_LOCAL to move it); later runs need no network.
# Ends with "kotlin: N passed, M failed"; exits non-zero on any failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
log() { printf '[bindings/kotlin] %s\n' "$*" >&2; }

# Java 11+ and Maven: CI installs them through .ci/run; as root, install here too.
if ! command -v mvn >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "installing maven and a JDK with apt-get"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jdk-headless maven >/dev/null
    else
        log "needs mvn and a JDK (11 or newer): apt-get install maven default-jdk-headless"
        exit 1
    fi
fi

if command -v cargo >/dev/null 2>&1; then
    (cd "$root" && cargo build -q -p authing-mfa -p authing-mfa-devserver)
fi
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
libdir="$target/debug"
devserver="$libdir/authing-mfa-devserver"
for f in "$libdir/libauthing_mfa.so" "$devserver"; do
    [ -e "$f" ] || { log "missing $f: run cargo build -p authing-mfa -p authing-mfa-devserver"; exit 1; }
done

tmp="$(mktemp -d)"
dev_pid=""
stop_server() {
    if [ -n "$dev_pid" ]; then
        exec 9>&- || true # --exit-on-stdin-close: the server exits when this closes
        for _ in $(seq 50); do kill -0 "$dev_pid" 2>/dev/null || break; sleep 0.1; done
        kill "$dev_pid" 2>/dev/null || true
        wait "$dev_pid" 2>/dev/null || true
        dev_pid=""
    fi
}
trap 'stop_server; rm -rf "$tmp"' EXIT

# The dev server, its stdin a pipe this script holds open (if the script
# dies, the pipe closes and the server exits); its URL is its first line.
mkfifo "$tmp/stdin"
"$devserver" --port 0 --exit-on-stdin-close --quiet <"$tmp/stdin" >"$tmp/dev.out" 2>"$tmp/dev.err" &
dev_pid=$!
exec 9>"$tmp/stdin"
url=""
for _ in $(seq 300); do
    url="$(head -n 1 "$tmp/dev.out" 2>/dev/null || true)"
    [ -n "$url" ] && break
    kill -0 "$dev_pid" 2>/dev/null || { cat "$tmp/dev.err" >&2; log "the dev server exited"; exit 1; }
    sleep 0.1
done
case "$url" in http://127.0.0.1:*) ;; *) log "no URL from the dev server: '$url'"; cat "$tmp/dev.err" >&2; exit 1 ;; esac
log "dev server at $url"

mvn_args=(-B -q -f "$here/pom.xml" "-Dauthing.mfa.libdir=$libdir" "-Dauthing.mfa.devurl=$url")
[ -n "${MAVEN_REPO_LOCAL:-}" ] && mvn_args+=("-Dmaven.repo.local=$MAVEN_REPO_LOCAL")
# Offline once a run with this pom.xml went through (a marker in the Maven
# repository); online otherwise, and again if the offline build fails
# before any test ran (a pruned cache).
repo="${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}"
marker="$repo/.authing-mfa-kotlin-$(sha1sum "$here/pom.xml" | cut -c1-12)"
mvn_offline=()
[ -f "$marker" ] && mvn_offline=(-o)
log "mvn package: compile, JUnit 5 tests (surefire), jar${mvn_offline[*]:+ (offline)}"
rm -rf "$here/target/surefire-reports"
set +e
timeout 900 mvn ${mvn_offline[@]+"${mvn_offline[@]}"} "${mvn_args[@]}" package
rc=$?
if [ "$rc" != 0 ] && [ "${#mvn_offline[@]}" != 0 ] && ! ls "$here"/target/surefire-reports/*.xml >/dev/null 2>&1; then
    log "offline build failed before the tests ran; retrying online"
    timeout 900 mvn "${mvn_args[@]}" package
    rc=$?
fi
[ "$rc" = 0 ] && mkdir -p "$repo" && touch "$marker"
set -e
stop_server

# The plain closing line, from surefire's reports (mvn -q prints no summary).
tests=0 failures=0
for f in "$here"/target/surefire-reports/TEST-*.xml; do
    [ -e "$f" ] || continue
    t=$(sed -n 's/.*<testsuite [^>]*tests="\([0-9]*\)".*/\1/p' "$f" | head -1)
    fl=$(sed -n 's/.*<testsuite [^>]*failures="\([0-9]*\)".*/\1/p' "$f" | head -1)
    er=$(sed -n 's/.*<testsuite [^>]*errors="\([0-9]*\)".*/\1/p' "$f" | head -1)
    tests=$((tests + ${t:-0}))
    failures=$((failures + ${fl:-0} + ${er:-0}))
done
if [ "$rc" != 0 ] && [ "$failures" = 0 ]; then
    log "mvn failed (exit $rc) outside the tests (build or resolution)"
    failures=1
fi
if [ "$rc" = 0 ] && [ "$tests" = 0 ]; then
    log "surefire ran no test"
    rc=1
fi

# The Android AAR layout, from the jar mvn package just built.
aar_rc=0
if [ "$rc" = 0 ]; then
    log "Android AAR layout (host library as a stand-in ABI)"
    bash "$root/packaging/android/test-aar.sh" "$here/target/authing-mfa-kotlin-0.1.0.jar" "$libdir/libauthing_mfa.so" || aar_rc=$?
fi
[ "$aar_rc" = 0 ] || failures=$((failures + 1))
echo "kotlin: $((tests - (failures > tests ? tests : failures) )) passed, $failures failed"
[ "$rc" = 0 ] && [ "$aar_rc" = 0 ]
