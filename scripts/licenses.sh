#!/usr/bin/env bash
# Generates THIRD_PARTY_LICENSES.md, the licences of the Rust crates compiled
# into libauthing_mfa, with cargo-about (about.toml, about.hbs).
#
#   scripts/licenses.sh           regenerate THIRD_PARTY_LICENSES.md
#   scripts/licenses.sh --check   regenerate into a temporary file and fail
#                                 if the committed one differs (a stage of
#                                 scripts/test-all.sh)
#
# cargo-about is installed with `cargo install --locked` at the pinned version
# below when the one on PATH is missing or another version (a fresh install
# compiles it: about 5 minutes on 2 busy cores). It reads Cargo.lock and
# the crates' own licence files from cargo's registry cache, offline.
set -euo pipefail
cd "$(dirname "$0")/.."

about_version="0.9.3"

check=0
case "${1:-}" in
--check) check=1 ;;
"") ;;
-h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
*) echo "licenses.sh: unknown argument '$1' (expected --check)" >&2; exit 2 ;;
esac

cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
case ":$PATH:" in *":$cargo_bin:"*) ;; *) PATH="$cargo_bin:$PATH" ;; esac
if [ "$(cargo about --version 2>/dev/null)" != "cargo-about $about_version" ]; then
    echo "licenses.sh: installing cargo-about $about_version (cargo install --locked)" >&2
    start=$SECONDS
    cargo install cargo-about --locked --version "$about_version" --features cli --quiet
    echo "licenses.sh: cargo-about installed in $((SECONDS - start)) s" >&2
fi

out="THIRD_PARTY_LICENSES.md"
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
# Only the library: the manifest's default member ("."), not --workspace.
# --frozen: the versions of Cargo.lock, as the library is built, and offline:
# the licence texts come from the crates' own files (and cargo-about's
# built-in workarounds), never from the network, so every machine generates
# the same file. `cargo fetch` first puts the sources in cargo's cache.
cargo fetch --locked --quiet
cargo about generate --frozen --config about.toml --fail --output-file "$tmp" about.hbs

if ((check)); then
    if ! diff -u "$out" "$tmp"; then
        echo "licenses.sh: $out is out of date (dependencies changed?): run scripts/licenses.sh and commit it" >&2
        exit 1
    fi
    echo "licenses.sh: $out is current"
else
    mv "$tmp" "$out"
    chmod 0644 "$out"
    echo "licenses.sh: wrote $out"
fi
