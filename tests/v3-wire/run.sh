#!/usr/bin/env bash
# Installs the pinned authing-node-sdk (from package-lock.json) and records the
# requests of its v3 sign-in and factor calls into
# tests/fixtures/node_sdk_v3_wire.json (compared with the library by
# tests/wire_v3.rs).
#   bash tests/v3-wire/run.sh           regenerate the fixture
#   bash tests/v3-wire/run.sh --check   fail if the committed fixture is stale (CI)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
npm ci --prefix "$here" --no-audit --no-fund --loglevel=error >/dev/null
exec node "$here/capture.js" "$@"
