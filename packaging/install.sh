#!/usr/bin/env bash
# Builds libauthing_mfa and installs it under a prefix, in the layout cargo-c
# uses (Linux):
#
#   DIR/lib/libauthing_mfa.so.X.Y.Z           the shared library (SONAME libauthing_mfa.so.X)
#   DIR/lib/libauthing_mfa.so.X -> .so.X.Y.Z  what programs load at run time
#   DIR/lib/libauthing_mfa.so   -> .so.X.Y.Z  what the linker finds with -lauthing_mfa
#   DIR/lib/libauthing_mfa.a                  the static library
#   DIR/lib/pkgconfig/authing_mfa.pc
#   DIR/include/authing_mfa.h                 the C API
#   DIR/include/authing_mfa.hpp               the header-only C++17 wrapper,
#   DIR/include/authing_mfa/*.hpp             which includes its parts
#
# See packaging/README.md for the soname policy.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: packaging/install.sh --prefix DIR [--profile release|debug] [--no-build]

Builds the authing-mfa library with cargo and installs it under DIR.

options:
  --prefix DIR        installation prefix (required), e.g. /usr/local or $HOME/.local
  --profile PROFILE   cargo profile: release (default) or debug
  --no-build          install what target/<profile> already holds
  -h, --help          show this help

Environment: CARGO (default cargo), CARGO_TARGET_DIR (default <repo>/target).
The soname is patched with patchelf when the built library lacks it.
EOF
}

die_usage() {
    echo "install.sh: $1" >&2
    echo "Try 'packaging/install.sh --help'." >&2
    exit 2
}

prefix=""
profile="release"
build=1
while (($#)); do
    case "$1" in
    --prefix)
        (($# >= 2)) || die_usage "--prefix needs a directory"
        prefix="$2"
        shift 2
        ;;
    --prefix=*) prefix="${1#*=}"; shift ;;
    --profile)
        (($# >= 2)) || die_usage "--profile needs a value (release or debug)"
        profile="$2"
        shift 2
        ;;
    --profile=*) profile="${1#*=}"; shift ;;
    --no-build) build=0; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die_usage "unknown argument: $1" ;;
    esac
done
[ -n "$prefix" ] || die_usage "--prefix DIR is required"
case "$profile" in
release | debug) ;;
*) die_usage "unknown profile '$profile' (expected release or debug)" ;;
esac
case "$(uname -s)" in
Linux) ;;
*) echo "install.sh: this layout (.so with a soname) is for Linux; see packaging/README.md for other platforms" >&2; exit 1 ;;
esac
for tool in readelf install ln sed; do
    command -v "$tool" >/dev/null 2>&1 || { echo "install.sh: '$tool' is required (readelf: apt-get install binutils)" >&2; exit 1; }
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cargo="${CARGO:-cargo}"
target_dir="${CARGO_TARGET_DIR:-$root/target}/$profile"

if ((build)); then
    command -v "$cargo" >/dev/null 2>&1 || { echo "install.sh: cargo not found (https://rustup.rs)" >&2; exit 1; }
    if [ "$profile" = release ]; then
        (cd "$root" && "$cargo" build --release -p authing-mfa)
    else
        (cd "$root" && "$cargo" build -p authing-mfa)
    fi
fi

so="$target_dir/libauthing_mfa.so"
a="$target_dir/libauthing_mfa.a"
header="$root/include/authing_mfa.h"
hpp="$root/bindings/cpp/include/authing_mfa.hpp"
hpp_parts=("$root"/bindings/cpp/include/authing_mfa/*.hpp)
for f in "$so" "$a" "$header" "$hpp" "${hpp_parts[0]}"; do
    [ -f "$f" ] || { echo "install.sh: missing $f (build first, or drop --no-build)" >&2; exit 1; }
done

# The version comes from the generated header, which build.rs writes from
# Cargo.toml: the installed files then always agree with the header.
macro() { sed -n "s/^#define AUTHING_MFA_VERSION_$1 \\(.*\\)\$/\\1/p" "$header"; }
major="$(macro MAJOR)"
minor="$(macro MINOR)"
patch="$(macro PATCH)"
[[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ && "$patch" =~ ^[0-9]+$ ]] ||
    { echo "install.sh: cannot read the version macros from $header" >&2; exit 1; }
version="$major.$minor.$patch"
soname="libauthing_mfa.so.$major"
real="libauthing_mfa.so.$version"

# The native libraries a static link needs, from
#   cargo rustc -p authing-mfa --lib --crate-type staticlib -- --print native-static-libs
# (x86_64/aarch64 Linux, glibc). Re-run it after adding a dependency that
# links a system library, and update this line.
libs_private="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"

mkdir -p "$prefix"
prefix="$(cd "$prefix" && pwd)"
libdir="$prefix/lib"
install -d "$libdir" "$libdir/pkgconfig" "$prefix/include"

install -m 0755 "$so" "$libdir/$real"
ln -sfn "$real" "$libdir/$soname"
ln -sfn "$real" "$libdir/libauthing_mfa.so"
install -m 0644 "$a" "$libdir/libauthing_mfa.a"
install -m 0644 "$header" "$prefix/include/authing_mfa.h"
install -m 0644 "$hpp" "$prefix/include/authing_mfa.hpp"
# The wrapper's parts, exactly: a part an older install left behind is removed.
install -d "$prefix/include/authing_mfa"
rm -f "$prefix/include/authing_mfa/"*.hpp
install -m 0644 "${hpp_parts[@]}" "$prefix/include/authing_mfa/"

# The soname: build.rs should set it (-Wl,-soname); until it does, patch the
# installed copy. Programs linked with -lauthing_mfa record the soname as
# their NEEDED entry, so without it they would need "libauthing_mfa.so".
read_soname() { readelf -d "$1" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p'; }
current="$(read_soname "$libdir/$real")"
if [ "$current" != "$soname" ]; then
    if command -v patchelf >/dev/null 2>&1; then
        echo "install.sh: setting the soname to $soname with patchelf (was '${current:-none}')"
        patchelf --set-soname "$soname" "$libdir/$real"
    else
        echo "install.sh: the library's soname is '${current:-none}', expected $soname;" >&2
        echo "  install patchelf (apt-get install patchelf) or build with the build.rs soname line" >&2
        echo "  (see packaging/README.md)." >&2
        exit 1
    fi
    current="$(read_soname "$libdir/$real")"
    [ "$current" = "$soname" ] || { echo "install.sh: soname is still '$current' after patchelf" >&2; exit 1; }
fi

# sed replacement text: escape the characters sed treats specially.
escape() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }
sed -e "s|@PREFIX@|$(escape "$prefix")|" \
    -e "s|@VERSION@|$version|" \
    -e "s|@LIBS_PRIVATE@|$libs_private|" \
    "$here/authing_mfa.pc.in" >"$libdir/pkgconfig/authing_mfa.pc"
chmod 0644 "$libdir/pkgconfig/authing_mfa.pc"

echo "installed authing_mfa $version ($profile) in $prefix (soname $soname)"
echo "  export PKG_CONFIG_PATH=\"$libdir/pkgconfig\${PKG_CONFIG_PATH:+:\$PKG_CONFIG_PATH}\""
