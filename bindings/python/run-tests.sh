#!/usr/bin/env bash
# Tests the Python binding as a user gets it: builds a wheel that bundles
# libauthing_mfa, installs it into bindings/python/.venv, type-checks the
# package, and runs the pytest suite against the installed copy (the suite
# starts its own dev server). Exits non-zero on any failure, including
# "no tests collected".
#
# The suite's wheel bundles the debug library (AUTHING_MFA_LIB, quick); then
# test-wheel.sh builds the release wheel as a user does (sdist, setuptools-
# rust, auditwheel) and runs an MFA story from it in a fresh venv. That step
# compiles the library in release mode (minutes, the first time): outside CI
# AUTHING_MFA_SKIP_WHEEL_TEST=1 skips it, saying so; in CI it always runs.
#
# Assumes `cargo build -p authing-mfa -p authing-mfa-devserver` (it runs it
# again when cargo is available; that is cheap when up to date).
# Environment: PYTHON (default python3) creates the venv; AUTHING_MFA_LIB
# picks the library to bundle (default target/debug/libauthing_mfa.so).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

if command -v cargo >/dev/null 2>&1; then
    cargo build -q -p authing-mfa -p authing-mfa-devserver
fi
lib="${AUTHING_MFA_LIB:-$repo/target/debug/libauthing_mfa.so}"
[[ -f "$lib" ]] || { echo "run-tests.sh: $lib not found; run cargo build -p authing-mfa" >&2; exit 1; }

# A venv keeps pip away from the system Python (Debian marks it externally
# managed). Debian's python3 cannot make one without python3-venv: install it
# when we may (CI runs as root), else say what is missing.
py="${PYTHON:-python3}"
venv="$here/.venv"
vpy="$venv/bin/python"
if ! "$vpy" -m pip --version >/dev/null 2>&1; then
    rm -rf "$venv"
    if ! "$py" -m venv "$venv" >/dev/null 2>&1; then
        rm -rf "$venv"
        if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
            echo "run-tests.sh: installing python3-venv" >&2
            apt-get update -qq >/dev/null
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
            "$py" -m venv "$venv"
        else
            echo "run-tests.sh: '$py -m venv' failed; install python3-venv" >&2
            exit 1
        fi
    fi
fi

pip=("$vpy" -m pip -q --disable-pip-version-check)
if ! "$vpy" - <<'EOF' >/dev/null 2>&1
import pytest, mypy, setuptools, setuptools_rust
assert int(pytest.__version__.split(".")[0]) >= 7
assert int(setuptools.__version__.split(".")[0]) >= 77
EOF
then
    "${pip[@]}" install "pytest>=7" "setuptools>=77" "setuptools-rust>=1.9" "mypy>=1.8"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The wheel, built as `pip wheel` would for a user, with the library inside;
# the suite inspects this same file (AUTHING_MFA_TEST_WHEEL).
AUTHING_MFA_LIB="$lib" "${pip[@]}" wheel --no-deps --no-build-isolation --no-index -w "$work/dist" "$here"
wheel="$(echo "$work"/dist/authing_mfa-*.whl)"
"${pip[@]}" install --no-deps --no-index --force-reinstall "$wheel"

"$vpy" -m mypy --strict --no-error-summary --cache-dir "$work/mypy" "$here/authing_mfa"

# From a neutral directory, so `import authing_mfa` is the installed copy
# and the library the one bundled in it (AUTHING_MFA_LIB unset).
cd "$work"
set +e
env -u AUTHING_MFA_LIB AUTHING_MFA_EXPECT_INSTALLED=1 AUTHING_MFA_TEST_WHEEL="$wheel" \
    "$vpy" -m pytest -q -p no:cacheprovider -rs "$here/tests"
rc=$?
set -e
if [[ $rc == 5 ]]; then
    echo "run-tests.sh: pytest collected no tests" >&2
    exit 1
fi

if [[ "${AUTHING_MFA_SKIP_WHEEL_TEST:-}" == 1 && -z "${CI:-}" ]]; then
    echo "run-tests.sh: SKIPPED the release wheel test (AUTHING_MFA_SKIP_WHEEL_TEST=1)" >&2
else
    bash "$here/test-wheel.sh" || rc=1
fi
exit "$rc"
