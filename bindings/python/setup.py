"""Build hook: bundle libauthing_mfa in the package, so a wheel works alone.

The library is taken from $AUTHING_MFA_LIB, else from the repository's
target/release, else target/debug (run `cargo build -p authing-mfa` first).
It is copied into the *build* tree only (never into the source tree), and a
wheel that holds it is tagged for this platform (py3-none-<platform>), since
it is no longer pure Python. Without a library the build still succeeds,
with a warning: the package then finds the library at run time ($AUTHING_MFA_LIB
or the system path).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any, Optional

from setuptools import Distribution, setup
from setuptools.command.bdist_wheel import bdist_wheel  # setuptools >= 70.1
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

if sys.platform == "win32":
    LIBRARY_FILE = "authing_mfa.dll"
elif sys.platform == "darwin":
    LIBRARY_FILE = "libauthing_mfa.dylib"
else:
    LIBRARY_FILE = "libauthing_mfa.so"


def find_library() -> Optional[Path]:
    env = os.environ.get("AUTHING_MFA_LIB")
    if env:
        path = Path(env)
        if not path.is_file():
            raise SystemExit(f"AUTHING_MFA_LIB={env}: no such file")
        return path
    for profile in ("release", "debug"):
        path = REPO / "target" / profile / LIBRARY_FILE
        if path.is_file():
            return path
    return None


LIBRARY = find_library()


class build_py_with_library(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "authing_mfa" / LIBRARY_FILE
        if LIBRARY is None:
            # A copy left in the build tree by an earlier build must not be
            # shipped as if it were current.
            target.unlink(missing_ok=True)
            self.warn(
                f"{LIBRARY_FILE} not found ($AUTHING_MFA_LIB, {REPO}/target/release, "
                f"{REPO}/target/debug): building without it"
            )
            return
        self.announce(f"bundling {LIBRARY} as {target}", level=2)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(LIBRARY, target)

    def get_outputs(self, *args: Any, **kwargs: Any) -> Any:
        outputs = list(super().get_outputs(*args, **kwargs))
        if LIBRARY is not None:
            outputs.append(str(Path(self.build_lib) / "authing_mfa" / LIBRARY_FILE))
        return outputs


class binary_distribution(Distribution):
    """With the library inside, the package is installed to platlib and the
    wheel is not pure (the standard way to say "has native code" without an
    extension module)."""

    def has_ext_modules(self) -> bool:
        return LIBRARY is not None


class platform_wheel(bdist_wheel):
    def get_tag(self) -> Any:
        python, abi, plat = super().get_tag()
        if LIBRARY is not None:
            # Any Python 3 (ctypes, no extension module), this platform only.
            python, abi = "py3", "none"
        return python, abi, plat


setup(
    distclass=binary_distribution, cmdclass={"build_py": build_py_with_library, "bdist_wheel": platform_wheel}
)
