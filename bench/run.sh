#!/usr/bin/env bash
# The benchmark of issue #5: verifyTotpMfa through the official JS SDK, this
# library from C (blocking and async), and a plain reqwest floor, all against
# ONE loopback responder started here, then one table (bench/README.md).
#
# Usage: bash bench/run.sh [--smoke] [--no-js] [--debug] [--only ROW,ROW...]
#   --smoke   a few hundred calls per row (what bench/smoke.sh runs); every
#             contender must complete all its calls without an error
#   --no-js   do not install or run the JS SDK (its rows show "skipped")
#   --debug   use the debug build (the default with --smoke, where the
#             figures do not matter and the debug build usually exists)
#   --release use the release build (the default without --smoke)
#   --only    run only these rows, by id (e.g. floor_64,c_async64,
#             floor_1024,c_async1024; ids in bench/README.md); the others
#             show "skipped"
# Environment: BENCH_SECS, the seconds per throughput row (default 8; 10 is
# the time bound of each smoke row).
#
# Exits 0 when every contender ran without error (missed targets are shown
# in the table, never turned into a failure), 1 otherwise.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
cd "$root"

smoke=0
no_js=0
profile=""
only=""
expect_only=0
for arg in "$@"; do
    if [[ $expect_only == 1 ]]; then
        only="$arg"
        expect_only=0
        continue
    fi
    case "$arg" in
        --only) expect_only=1 ;;
        --only=*) only="${arg#--only=}" ;;
        --smoke) smoke=1 ;;
        --no-js) no_js=1 ;;
        --debug) profile=debug ;;
        --release) profile=release ;;
        -h | --help)
            sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "run.sh: unknown argument '$arg' (see --help)" >&2
            exit 2
            ;;
    esac
done
if [[ $expect_only == 1 || ( -n "$only" && ! "$only" =~ ^[a-z0-9_]+(,[a-z0-9_]+)*$ ) ]]; then
    echo "run.sh: --only wants row ids separated by commas (see --help)" >&2
    exit 2
fi
if [[ -z "$profile" ]]; then
    profile=$([[ $smoke == 1 ]] && echo debug || echo release)
fi

# Sizes. Every loop is bounded by a count AND a time; the counts of a full
# run are caps that 8 s never reach, the smoke counts are what must complete.
if [[ $smoke == 1 ]]; then
    secs="${BENCH_SECS:-10}"
    calls=300
    calls_1024=2048
    warm_seq=20 warm_64=64 warm_1024=0
    growth_calls=300 growth_warm=100 growth_secs=20
    clients=1000
    first_runs=3
    budget="count-bounded: ${calls} calls per row, at most ${secs} s each"
else
    secs="${BENCH_SECS:-8}"
    calls=100000000
    calls_1024=$calls
    warm_seq=200 warm_64=1000 warm_1024=3000
    growth_calls=100000 growth_warm=1000 growth_secs=60
    clients=1000
    first_runs=5
    budget="${secs} s per throughput row after a warm-up"
fi
# The longest any one process may take: warm-up and measured phase are each
# bounded by max(secs, 1), plus start-up and the client's 30 s timeout.
row_limit=$((2 * ${secs%.*} + 40))

say() { echo "bench: $*" >&2; }

# ---- build ------------------------------------------------------------------
cargo_flags=()
if [[ $profile == release ]]; then cargo_flags=(--release); fi
say "building ($profile)"
cargo build --quiet "${cargo_flags[@]}" -p authing-mfa -p authing-mfa-bench
bin="$root/target/$profile"
[[ -f "$bin/libauthing_mfa.so" ]] || {
    say "no $bin/libauthing_mfa.so"
    exit 1
}

tmp="$(mktemp -d)"
resp_pid=""
cleanup() {
    # Closing fd 3 closes the responder's stdin (--exit-on-stdin-close); the
    # kill is for the case where it is stuck.
    exec 3>&- 2>/dev/null || true
    if [[ -n "$resp_pid" ]]; then
        kill "$resp_pid" 2>/dev/null || true
        wait "$resp_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cc="${CC:-cc}"
"$cc" -O2 -std=c11 -Wall -Wextra -Werror -I"$root/include" "$here/c/bench.c" -o "$tmp/bench-c" \
    -L"$bin" -lauthing_mfa -lpthread -Wl,-rpath,"$bin"

if [[ $no_js == 0 ]]; then
    command -v node >/dev/null && command -v npm >/dev/null || {
        say "node and npm are needed for the JS SDK rows (or pass --no-js)"
        exit 1
    }
    # npm ci wipes and reinstalls node_modules (~10 s); skip it when the
    # installed tree came from this very lock file.
    lock_sum="$(sha256sum "$here/js/package-lock.json" | cut -d' ' -f1)"
    stamp="$here/js/node_modules/.bench-lock-sha256"
    if [[ "$(cat "$stamp" 2>/dev/null || true)" != "$lock_sum" ]]; then
        say "installing authing-js-sdk (npm ci)"
        (cd "$here/js" && npm ci --silent --no-audit --no-fund)
        echo "$lock_sum" >"$stamp"
    fi
fi

# 1024 calls in flight need ~2 100 descriptors between client and responder.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true

# ---- the responder ------------------------------------------------------------
mkfifo "$tmp/responder.stdin"
"$bin/responder" --exit-on-stdin-close <"$tmp/responder.stdin" >"$tmp/responder.out" 2>"$tmp/responder.err" &
resp_pid=$!
exec 3>"$tmp/responder.stdin"
url=""
for _ in $(seq 100); do
    url="$(head -n 1 "$tmp/responder.out" 2>/dev/null || true)"
    [[ "$url" == http://127.0.0.1:* ]] && break
    url=""
    sleep 0.1
done
[[ -n "$url" ]] || {
    say "the responder did not start:"
    cat "$tmp/responder.err" >&2
    exit 1
}
say "responder at $url; nproc=$(nproc); $budget"

# ---- the rows -------------------------------------------------------------------
results="$tmp/results"
: >"$results"

# row ID COMMAND...: runs one contender under a time limit (ROW_LIMIT, or
# row_limit) and keeps its RESULT line; a non-zero exit is recorded as a
# failure with its stderr shown.
row() {
    local id="$1" rc=0 start=$SECONDS
    shift
    if [[ -n "$only" && ",$only," != *",$id,"* ]]; then return 0; fi
    timeout -k 5 "${ROW_LIMIT:-$row_limit}" "$@" >"$tmp/$id.out" 2>"$tmp/$id.err" || rc=$?
    say "$id: $(grep -h '^RESULT ' "$tmp/$id.out" | cut -d' ' -f3- || true) ($((SECONDS - start)) s)"
    grep '^RESULT ' "$tmp/$id.out" >>"$results" || true
    if [[ $rc != 0 ]]; then
        local reason=exit
        [[ $rc == 124 || $rc == 137 ]] && reason=timeout
        echo "RESULT $id failed=1 rc=$rc reason=$reason" >>"$results"
        say "$id failed (rc=$rc):"
        sed 's/^/    /' "$tmp/$id.err" >&2
    fi
}

js=(node "$here/js/bench.js" --url "$url")
floor=("$bin/floor" --url "$url")
cbench=("$tmp/bench-c")
common=(--url "$url" --calls "$calls" --secs "$secs")

# Rows compared with each other run next to each other, so that drift in
# the machine's load hits them alike.
if [[ $no_js == 0 ]]; then
    row js_seq "${js[@]}" --id js_seq --calls "$calls" --secs "$secs" --warmup-calls "$warm_seq"
fi
row floor_seq "${floor[@]}" --id floor_seq --calls "$calls" --secs "$secs" --warmup-calls "$warm_seq"
row floor_block "${floor[@]}" --id floor_block --drive block-on --calls "$calls" --secs "$secs" \
    --warmup-calls "$warm_seq"
row c_seq "${cbench[@]}" threads --id c_seq --n 1 "${common[@]}" --warmup-calls "$warm_seq"
if [[ $no_js == 0 ]]; then
    row js_64 "${js[@]}" --id js_64 --inflight 64 --calls "$calls" --secs "$secs" --warmup-calls "$warm_64"
fi
row floor_64 "${floor[@]}" --id floor_64 --inflight 64 --calls "$calls" --secs "$secs" --warmup-calls "$warm_64"
row c_thr64 "${cbench[@]}" threads --id c_thr64 --n 64 "${common[@]}" --warmup-calls "$warm_64"
row c_async64 "${cbench[@]}" async --id c_async64 --n 64 "${common[@]}" --warmup-calls "$warm_64"
row c_thr4 "${cbench[@]}" threads --id c_thr4 --n 4 "${common[@]}" --warmup-calls "$warm_64"
row c_thr16 "${cbench[@]}" threads --id c_thr16 --n 16 "${common[@]}" --warmup-calls "$warm_64"
row floor_1024 "${floor[@]}" --id floor_1024 --inflight 1024 --calls "$calls_1024" --secs "$secs" \
    --warmup-calls "$warm_1024"
row c_async1024 "${cbench[@]}" async --id c_async1024 --n 1024 --url "$url" --calls "$calls_1024" \
    --secs "$secs" --warmup-calls "$warm_1024"
ROW_LIMIT=$((2 * growth_secs + 40)) row rss_growth "${cbench[@]}" rss-growth --id rss_growth --url "$url" \
    --calls "$growth_calls" --secs "$growth_secs" --warmup-calls "$growth_warm"
row rss_clients "${cbench[@]}" rss-clients --id rss_clients --url "$url" --n "$clients"
for _ in $(seq "$first_runs"); do
    row first_call "${cbench[@]}" first-call --id first_call --url "$url"
done

# The size a program shipping the library pays: a stripped copy of the .so.
if [[ -n "$only" && ",$only," != *",so_size,"* ]]; then
    :
elif say "measuring the stripped size of libauthing_mfa.so" && strip -o "$tmp/stripped.so" "$bin/libauthing_mfa.so"; then
    echo "RESULT so_size bytes=$(stat -c %s "$tmp/stripped.so") unstripped=$(stat -c %s "$bin/libauthing_mfa.so")" >>"$results"
else
    echo "RESULT so_size failed=1 rc=1 reason=strip" >>"$results"
fi

# ---- the table ------------------------------------------------------------------
report_flags=()
if [[ $smoke == 1 ]]; then report_flags+=(--smoke); fi
if [[ $no_js == 1 ]]; then report_flags+=(--no-js); fi
if [[ -n "$only" ]]; then report_flags+=(--only "$only"); fi
"$bin/report" --results "$results" --nproc "$(nproc)" --budget "$budget, $profile build" \
    --date "$(date -u '+%Y-%m-%d %H:%M UTC')" "${report_flags[@]}"
