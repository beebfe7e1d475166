"""Build hook: compile libauthing_mfa and bundle it in the package.

`pip install bindings/python`, `pip wheel` and `python -m build` compile the
Rust library in release mode with setuptools-rust (a bare cdylib:
``Binding.NoBinding``; the package loads it with ctypes), strip it and put it
next to the package as ``authing_mfa/libauthing_mfa.so``. The wheel is then
tagged ``py3-none-<platform>`` (any Python 3, no extension module, this
platform only); ``auditwheel repair`` turns that into a ``manylinux`` tag.

Where the Rust crate is:
* in a source checkout, the repository root (``../../Cargo.toml``);
* in an sdist, ``rust/`` inside it: the ``sdist`` command below copies the
  crate there (its sources, ``Cargo.lock``, and the manifest with the
  workspace reduced to the library), so an sdist builds alone.

Without cargo the build stops with an error: it never produces a wheel
without the library. ``$AUTHING_MFA_LIB`` set to an already built library
bundles that file instead of compiling (for packagers who built it
already, and for the test suite's quick debug wheel); it is copied as it
is, unstripped.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any, List, Optional

from setuptools import Distribution, setup
from setuptools.command.bdist_wheel import bdist_wheel  # setuptools >= 70.1
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist
from setuptools_rust import Binding, RustExtension, Strip
from setuptools_rust.build import build_rust

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
# In an unpacked sdist the crate is here (see sdist_with_crate).
SDIST_CRATE = HERE / "rust"

if sys.platform == "win32":
    LIBRARY_FILE = "authing_mfa.dll"
elif sys.platform == "darwin":
    LIBRARY_FILE = "libauthing_mfa.dylib"
else:
    LIBRARY_FILE = "libauthing_mfa.so"

# What of the repository the crate needs to build (copied into the sdist).
CRATE_FILES = ["Cargo.toml", "Cargo.lock", "build.rs", "cbindgen.toml", "LICENSE"]
CRATE_DIRS = ["src"]


def prebuilt_library() -> Optional[Path]:
    env = os.environ.get("AUTHING_MFA_LIB")
    if not env:
        return None
    path = Path(env)
    if not path.is_file():
        raise SystemExit(f"AUTHING_MFA_LIB={env}: no such file")
    return path


def crate_manifest() -> Path:
    if (SDIST_CRATE / "Cargo.toml").is_file():
        return SDIST_CRATE / "Cargo.toml"
    if (REPO / "Cargo.toml").is_file() and (REPO / "src" / "lib.rs").is_file():
        return REPO / "Cargo.toml"
    raise SystemExit(
        f"authing-mfa: the Rust crate is neither in {SDIST_CRATE} (an sdist) nor at {REPO} "
        "(a source checkout); build from a checkout of the repository or from its sdist"
    )


PREBUILT = prebuilt_library()

# The licences go into the wheel's .dist-info/licenses/ and the sdist
# (pyproject's `license-files`): copied here from the repository root in a
# checkout, where these copies are git-ignored; already here in an sdist.
LICENSE_FILES = ["LICENSE", "THIRD_PARTY_LICENSES.md"]
if not SDIST_CRATE.is_dir() and (REPO / "src" / "lib.rs").is_file():
    for _name in LICENSE_FILES:
        shutil.copyfile(REPO / _name, HERE / _name)


class build_rust_library(build_rust):
    """setuptools-rust's build_rust, with two changes: a missing cargo is a
    clear error up front, and the library keeps its own file name
    (``libauthing_mfa.so``, what _ffi.py loads) instead of an extension
    module's (``*.cpython-311-x86_64-linux-gnu.so``)."""

    def run(self) -> None:
        cargo = os.environ.get("CARGO", "cargo")
        if self.extensions and shutil.which(cargo) is None:
            raise SystemExit(
                "authing-mfa: building this package compiles the Rust library libauthing_mfa, "
                f"and `{cargo}` is not on PATH. Install a Rust toolchain (https://rustup.rs, "
                "Rust >= 1.85) and retry, or set AUTHING_MFA_LIB to an already built "
                f"{LIBRARY_FILE} to bundle that one."
            )
        self._installed: List[str] = []
        super().run()
        # setuptools-rust's Strip.All runs `strip -x`, which keeps the symbol
        # table's global entries (about a third of the file): strip it all.
        # The dynamic symbols, what ctypes looks up, are never stripped.
        strip = os.environ.get("STRIP", "strip")
        if self.debug or sys.platform in ("win32", "darwin"):
            return
        if shutil.which(strip) is None:
            raise SystemExit(f"authing-mfa: `{strip}` (binutils) is needed to strip the library")
        for path in self._installed:
            self.spawn([strip, "--strip-all", path])

    def get_dylib_ext_path(self, ext: RustExtension, target_fname: str) -> str:
        path = str(Path(super().get_dylib_ext_path(ext, target_fname)).with_name(LIBRARY_FILE))
        self._installed.append(path)
        return path


class build_py_with_library(build_py):
    """With $AUTHING_MFA_LIB: copies that library into the build tree (never
    into the source tree)."""

    def run(self) -> None:
        super().run()
        if PREBUILT is None:
            return
        target = Path(self.build_lib) / "authing_mfa" / LIBRARY_FILE
        self.announce(f"bundling {PREBUILT} as {target}", level=2)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PREBUILT, target)

    def get_outputs(self, *args: Any, **kwargs: Any) -> Any:
        outputs = list(super().get_outputs(*args, **kwargs))
        if PREBUILT is not None:
            outputs.append(str(Path(self.build_lib) / "authing_mfa" / LIBRARY_FILE))
        return outputs


class sdist_with_crate(sdist):
    """Adds the Rust crate to the sdist as ``rust/``, so that building a
    wheel from the sdist (``python -m build`` does) needs nothing else. The
    manifest's workspace is reduced to the library: the dev server and the
    benchmarks are not shipped."""

    def make_release_tree(self, base_dir: str, files: List[str]) -> None:
        super().make_release_tree(base_dir, files)
        if SDIST_CRATE.is_dir():
            # Re-packing an unpacked sdist: MANIFEST.in grafts its rust/.
            return
        crate = Path(base_dir) / "rust"
        crate.mkdir(exist_ok=True)
        for name in CRATE_FILES:
            if (REPO / name).is_file():
                shutil.copyfile(REPO / name, crate / name)
        for name in CRATE_DIRS:
            shutil.copytree(REPO / name, crate / name, dirs_exist_ok=True)
        manifest = (crate / "Cargo.toml").read_text()
        reduced, count = re.subn(r"(?m)^members = \[[^\]]*\]", 'members = ["."]', manifest)
        if count != 1:
            raise SystemExit("setup.py: Cargo.toml's [workspace] members line not found")
        # The crate's README is the repository's, not shipped: cargo needs it
        # only to publish.
        reduced = re.sub(r'(?m)^readme = "README.md"\n', "", reduced)
        (crate / "Cargo.toml").write_text(reduced)


class binary_distribution(Distribution):
    """The package holds a native library: installed to platlib, and the
    wheel is not pure (the standard way to say "has native code" without an
    extension module)."""

    def has_ext_modules(self) -> bool:
        return True


class platform_wheel(bdist_wheel):
    def get_tag(self) -> Any:
        _, _, plat = super().get_tag()
        # Any Python 3 (ctypes, no extension module), this platform only.
        return "py3", "none", plat


rust_extensions = []
if PREBUILT is None:
    rust_extensions.append(
        RustExtension(
            # The module name is only where the file goes: build_rust_library
            # names it LIBRARY_FILE.
            "authing_mfa.libauthing_mfa",
            path=str(crate_manifest()),
            binding=Binding.NoBinding,
            strip=Strip.All,
            # Release unless the user asks otherwise (SETUPTOOLS_RUST_CARGO_PROFILE).
            debug=False,
        )
    )

setup(
    distclass=binary_distribution,
    rust_extensions=rust_extensions,
    cmdclass={
        "build_py": build_py_with_library,
        "build_rust": build_rust_library,
        "bdist_wheel": platform_wheel,
        "sdist": sdist_with_crate,
    },
)
