#!/usr/bin/env bash
# A very short run of the benchmark (bench/run.sh --smoke): a few hundred
# calls per contender, the debug build, under a minute once built. It keeps
# the benchmark from rotting: exits 0 when every contender completed all its
# calls without an error, prints the table, and ends with
# `bench-smoke: N passed, M failed`.
#
# Usage: bash bench/smoke.sh [--no-js] [--release]
#   --no-js    skip the JS SDK (no Node, no npm install)
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/run.sh" --smoke "$@"
