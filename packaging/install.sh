#!/usr/bin/env bash
# Builds libauthing_mfa and installs it under a prefix, in the layout cargo-c
# uses (Linux):
#
#   DIR/lib/libauthing_mfa.so.X.Y.Z           the shared library (SONAME libauthing_mfa.so.X)
#   DIR/lib/libauthing_mfa.so.X -> .so.X.Y.Z  what programs load at run time
#   DIR/lib/libauthing_mfa.so   -> .so.X.Y.Z  what the linker finds with -lauthing_mfa
#   DIR/lib/libauthing_mfa.a                  the static library
#   DIR/lib/pkgconfig/authing_mfa.pc
#   DIR/lib/cmake/authing_mfa/authing_mfaConfig.cmake         find_package(authing_mfa CONFIG)
#   DIR/lib/cmake/authing_mfa/authing_mfaConfigVersion.cmake
#   DIR/include/authing_mfa.h                 the C API
#   DIR/include/authing_mfa.hpp               the header-only C++17 wrapper,
#   DIR/include/authing_mfa/*.hpp             which includes its parts
#   DIR/share/doc/authing_mfa/LICENSE         the library's licence (MIT)
#   DIR/share/doc/authing_mfa/THIRD_PARTY_LICENSES.md
#                                             the licences of the Rust crates
#                                             compiled into the library
#                                             (scripts/licenses.sh)
#
# The soname is set when the library is linked, as cargo-c does: the build is
# `cargo rustc --target <host> -- -C link-arg=-Wl,-soname,...`, whose output
# goes to target/<host>/<profile>/ and so never replaces the soname-less
# target/<profile>/libauthing_mfa.so that in-tree programs link with an
# rpath. No patchelf.
#
# All or nothing: everything is staged in a directory inside the prefix and
# then renamed into place; if any step fails, what was already placed is
# undone (files it replaced are restored) and directories it created are
# removed. See packaging/README.md for the soname policy and the rpath.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: packaging/install.sh --prefix DIR [--profile release|debug] [--no-build] [--no-rpath]

Builds the authing-mfa library with cargo and installs it under DIR.

options:
  --prefix DIR        installation prefix (required), e.g. /usr/local or $HOME/.local
  --profile PROFILE   cargo profile: release (default) or debug
  --no-build          install what an earlier install.sh build (or cargo-c's
                      `cargo cbuild`) left in target/<host>/<profile>
  --no-rpath          leave -Wl,-rpath,${libdir} out of authing_mfa.pc (for a
                      prefix the dynamic loader searches, e.g. /usr)
  -h, --help          show this help

Environment: CARGO (default cargo), CARGO_TARGET_DIR (default <repo>/target).
Needs cargo (unless --no-build), readelf (binutils), install, ln, sed, mktemp.
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
rpath=1
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
    --no-rpath) rpath=0; shift ;;
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
for tool in readelf install ln sed mktemp mv cp; do
    command -v "$tool" >/dev/null 2>&1 || { echo "install.sh: '$tool' is required (readelf: apt-get install binutils)" >&2; exit 1; }
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cargo="${CARGO:-cargo}"
# Absolute prefix and target directory: cargo runs from the repository root.
case "$prefix" in /*) ;; *) prefix="$PWD/$prefix" ;; esac
target_root="${CARGO_TARGET_DIR:-$root/target}"
case "$target_root" in /*) ;; *) target_root="$PWD/$target_root" ;; esac

header="$root/include/authing_mfa.h"
# The version comes from the committed header, which build.rs generates from
# Cargo.toml (tests/header.rs checks they agree).
macro() { sed -n "s/^#define AUTHING_MFA_VERSION_$1 \\(.*\\)\$/\\1/p" "$header"; }
major="$(macro MAJOR)"
minor="$(macro MINOR)"
patch="$(macro PATCH)"
[[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ && "$patch" =~ ^[0-9]+$ ]] ||
    { echo "install.sh: cannot read the version macros from $header" >&2; exit 1; }
version="$major.$minor.$patch"
soname="libauthing_mfa.so.$major"
real="libauthing_mfa.so.$version"

# The host triple names the build directory, as with cargo-c.
host=""
if command -v "$cargo" >/dev/null 2>&1; then
    host="$("$cargo" -vV 2>/dev/null | sed -n 's/^host: //p')"
fi
if [ -z "$host" ] && command -v rustc >/dev/null 2>&1; then
    host="$(rustc -vV | sed -n 's/^host: //p')"
fi
[ -n "$host" ] || host="$(uname -m)-unknown-linux-gnu"
target_dir="$target_root/$host/$profile"

if ((build)); then
    command -v "$cargo" >/dev/null 2>&1 || { echo "install.sh: cargo not found (https://rustup.rs)" >&2; exit 1; }
    profile_flag=()
    [ "$profile" = release ] && profile_flag=(--release)
    # The extra rustc arguments apply to this crate only; the link-arg only
    # matters for the cdylib (the staticlib and rlib are not linked).
    (cd "$root" && CARGO_TARGET_DIR="$target_root" "$cargo" rustc -p authing-mfa --lib \
        --target "$host" "${profile_flag[@]}" -- -C "link-arg=-Wl,-soname,$soname")
fi

so="$target_dir/libauthing_mfa.so"
a="$target_dir/libauthing_mfa.a"
hpp="$root/bindings/cpp/include/authing_mfa.hpp"
hpp_parts=("$root"/bindings/cpp/include/authing_mfa/*.hpp)
docs=("$root/LICENSE" "$root/THIRD_PARTY_LICENSES.md")
for f in "$so" "$a" "$header" "$hpp" "${hpp_parts[0]}" "${docs[@]}" \
    "$here/authing_mfa.pc.in" "$here/cmake/authing_mfaConfig.cmake.in" "$here/cmake/authing_mfaConfigVersion.cmake.in"; do
    [ -f "$f" ] || { echo "install.sh: missing $f (build first: drop --no-build)" >&2; exit 1; }
done
read_soname() { readelf -d "$1" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p'; }
current="$(read_soname "$so")"
if [ "$current" != "$soname" ]; then
    echo "install.sh: $so has the soname '${current:-none}', expected $soname;" >&2
    echo "  it was not built by install.sh: run it without --no-build." >&2
    exit 1
fi

# The native libraries a static link needs, from
#   cargo rustc -p authing-mfa --lib --crate-type staticlib -- --print native-static-libs
# (x86_64/aarch64 Linux, glibc). Re-run it after adding a dependency that
# links a system library, and update this line.
libs_private="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"
libs_private_cmake="$(printf '%s' "$libs_private" | sed -e 's/^-l//' -e 's/ -l/;/g')"
rpath_flag=""
((rpath)) && rpath_flag='-Wl,-rpath,${libdir} '
sizeof_void_p=$(($(getconf LONG_BIT) / 8))

# --- stage -------------------------------------------------------------------
# Nothing below may leave the prefix half-installed: on any failure the EXIT
# trap undoes what was placed, restores what was replaced, and removes the
# directories this run created.
created_dirs=() # directories this run created, parents first
placed=()       # paths (relative to the prefix) this run placed
backed_up=()    # paths whose previous version is in $stage/old
stage=""
committed=0
rollback() {
    local i rel
    for ((i = ${#placed[@]} - 1; i >= 0; i--)); do
        rm -f "$prefix/${placed[i]}" || true
    done
    for rel in "${backed_up[@]}"; do
        mv -f "$stage/old/$rel" "$prefix/$rel" || echo "install.sh: could not restore $prefix/$rel (a copy is in $stage/old/$rel)" >&2
    done
}
finish() {
    local rc=$?
    if ((!committed)); then
        ((${#placed[@]} + ${#backed_up[@]} == 0)) || rollback
        [ -n "$stage" ] && rm -rf "$stage"
        local i
        for ((i = ${#created_dirs[@]} - 1; i >= 0; i--)); do
            rmdir "${created_dirs[i]}" 2>/dev/null || true
        done
        echo "install.sh: failed; $prefix is as it was before" >&2
        ((rc)) || rc=1
    else
        rm -rf "$stage"
    fi
    exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# make_dir DIR: creates DIR and its missing parents, remembering them.
make_dir() {
    local d="$1" missing=()
    while [ ! -e "$d" ] && [ ! -L "$d" ]; do
        missing=("$d" "${missing[@]}")
        d="$(dirname "$d")"
    done
    for d in "${missing[@]}"; do
        mkdir "$d" || return 1
        created_dirs+=("$d")
    done
    [ -d "$1" ] || { echo "install.sh: $1 exists and is not a directory" >&2; return 1; }
}

make_dir "$prefix"
prefix="$(cd "$prefix" && pwd)"
stage="$(mktemp -d "$prefix/.authing_mfa-install.XXXXXX")"
new="$stage/new"
install -d "$new/lib/pkgconfig" "$new/lib/cmake/authing_mfa" "$new/include/authing_mfa" "$new/share/doc/authing_mfa"

install -m 0755 "$so" "$new/lib/$real"
ln -s "$real" "$new/lib/$soname"
ln -s "$real" "$new/lib/libauthing_mfa.so"
install -m 0644 "$a" "$new/lib/libauthing_mfa.a"
install -m 0644 "$header" "$new/include/authing_mfa.h"
install -m 0644 "$hpp" "$new/include/authing_mfa.hpp"
install -m 0644 "${hpp_parts[@]}" "$new/include/authing_mfa/"
install -m 0644 "${docs[@]}" "$new/share/doc/authing_mfa/"

# sed replacement text: escape the characters sed treats specially.
escape() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }
fill() {
    sed -e "s|@PREFIX@|$(escape "$prefix")|g" \
        -e "s|@VERSION@|$version|g" \
        -e "s|@MAJOR@|$major|g" \
        -e "s|@LIBS_PRIVATE@|$libs_private|g" \
        -e "s|@LIBS_PRIVATE_CMAKE@|$libs_private_cmake|g" \
        -e "s|@RPATH@|$(escape "$rpath_flag")|g" \
        -e "s|@SIZEOF_VOID_P@|$sizeof_void_p|g" \
        "$1" >"$2"
    chmod 0644 "$2"
    ! grep -n '@[A-Z_]*@' "$2" || { echo "install.sh: unfilled placeholder in $2" >&2; return 1; }
}
fill "$here/authing_mfa.pc.in" "$new/lib/pkgconfig/authing_mfa.pc"
fill "$here/cmake/authing_mfaConfig.cmake.in" "$new/lib/cmake/authing_mfa/authing_mfaConfig.cmake"
fill "$here/cmake/authing_mfaConfigVersion.cmake.in" "$new/lib/cmake/authing_mfa/authing_mfaConfigVersion.cmake"

current="$(read_soname "$new/lib/$real")"
[ "$current" = "$soname" ] || { echo "install.sh: staged library has soname '$current'" >&2; exit 1; }

# --- place -------------------------------------------------------------------
# The directories first (a file in the way fails before any file moves),
# then each file by rename, libraries first. A file being replaced is kept
# (hard link, or copy) in $stage/old until the end, for the rollback; the
# rename replaces it atomically, so running programs never see it missing.
for d in lib lib/pkgconfig lib/cmake lib/cmake/authing_mfa include include/authing_mfa \
    share share/doc share/doc/authing_mfa; do
    make_dir "$prefix/$d"
done
back_up() {
    local rel="$1"
    mkdir -p "$(dirname "$stage/old/$rel")"
    ln -P "$prefix/$rel" "$stage/old/$rel" 2>/dev/null || cp -a "$prefix/$rel" "$stage/old/$rel"
    backed_up+=("$rel")
}
place() {
    local rel="$1" dest="$prefix/$1"
    if [ -d "$dest" ] && [ ! -L "$dest" ]; then
        echo "install.sh: $dest is a directory" >&2
        return 1
    fi
    if [ -e "$dest" ] || [ -L "$dest" ]; then
        back_up "$rel"
    fi
    mv -fT "$new/$rel" "$dest"
    placed+=("$rel")
}
files=("lib/$real" "lib/$soname" "lib/libauthing_mfa.so" lib/libauthing_mfa.a
    lib/pkgconfig/authing_mfa.pc
    lib/cmake/authing_mfa/authing_mfaConfig.cmake lib/cmake/authing_mfa/authing_mfaConfigVersion.cmake
    include/authing_mfa.h include/authing_mfa.hpp)
for doc in "${docs[@]}"; do
    files+=("share/doc/authing_mfa/$(basename "$doc")")
done
for part in "${hpp_parts[@]}"; do
    files+=("include/authing_mfa/$(basename "$part")")
done
for rel in "${files[@]}"; do
    place "$rel"
done
# The wrapper's parts, exactly: a part an older install left behind goes
# (into $stage/old, so that a failure from here on can still restore it).
for old_part in "$prefix"/include/authing_mfa/*.hpp; do
    [ -e "$old_part" ] || continue
    [ -e "$root/bindings/cpp/include/authing_mfa/$(basename "$old_part")" ] && continue
    rel="include/authing_mfa/$(basename "$old_part")"
    back_up "$rel"
    rm -f "$old_part"
done

committed=1
echo "installed authing_mfa $version ($profile) in $prefix (soname $soname)"
echo "  pkg-config: export PKG_CONFIG_PATH=\"$prefix/lib/pkgconfig\${PKG_CONFIG_PATH:+:\$PKG_CONFIG_PATH}\""
echo "  CMake:      find_package(authing_mfa CONFIG REQUIRED) with -DCMAKE_PREFIX_PATH=$prefix"
