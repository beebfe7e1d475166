#!/usr/bin/env bash
# Installs the pinned authing-js-sdk (from package-lock.json) and records its MFA
# requests into tests/fixtures/js_sdk_wire.json, and how it reads injected
# answers into tests/fixtures/js_sdk_answers.json.
#   bash tests/js-wire/run.sh           regenerate the fixtures
#   bash tests/js-wire/run.sh --check   fail if a committed fixture is stale (CI)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
npm ci --prefix "$here" --no-audit --no-fund --loglevel=error >/dev/null
exec node "$here/capture.js" "$@"
