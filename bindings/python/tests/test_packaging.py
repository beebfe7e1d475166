"""Finding the library, the installed package, and the wheel."""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import os
import pathlib
import subprocess
import sys
import zipfile
from typing import Dict

import pytest
from helpers import REPO

import authing_mfa
from authing_mfa import _ffi

SOURCE = REPO / "bindings" / "python"


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment: Dict[str, str] = {k: v for k, v in os.environ.items() if k != "AUTHING_MFA_LIB"}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=environment
    )


def test_search_order() -> None:
    if os.environ.get("AUTHING_MFA_LIB"):
        pytest.skip("AUTHING_MFA_LIB is set for this run")
    places = [where for where, _ in _ffi.candidates()]
    assert places == [
        "$AUTHING_MFA_LIB",
        "next to the package",
        "source checkout target/debug",
        "source checkout target/release",
        "system library path",
    ]


def test_env_var_is_final_and_errors_list_what_was_tried(tmp_path: pathlib.Path) -> None:
    missing = tmp_path / "nowhere" / "libauthing_mfa.so"
    out = run_python(
        "import authing_mfa\n"
        "try:\n"
        "    authing_mfa.Client()\n"
        "except authing_mfa.LibraryNotFoundError as e:\n"
        "    print(e)\n",
        AUTHING_MFA_LIB=str(missing),
    )
    assert out.returncode == 0, out.stderr  # importing works without a library
    assert str(missing) in out.stdout and "no such file" in out.stdout
    assert "$AUTHING_MFA_LIB" in out.stdout and "cargo build" in out.stdout


def test_nowhere_to_be_found_lists_every_place(tmp_path: pathlib.Path) -> None:
    import ctypes.util
    import shutil

    if ctypes.util.find_library("authing_mfa"):
        pytest.skip("libauthing_mfa is installed system-wide here")
    # A copy of the package alone: no library beside it, not in a checkout.
    package = tmp_path / "site" / "authing_mfa"
    package.mkdir(parents=True)
    for source in pathlib.Path(authing_mfa.__file__).parent.glob("*.py"):
        shutil.copy(source, package)
    out = run_python(
        "import authing_mfa\n"
        "try:\n"
        "    authing_mfa.version()\n"
        "except authing_mfa.LibraryNotFoundError as e:\n"
        "    print(e)\n",
        PYTHONPATH=str(tmp_path / "site"),
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[1:] == [
        "  $AUTHING_MFA_LIB: not set",
        f"  next to the package: {package / _ffi.LIBRARY_FILE} (no such file)",
        "  source checkout target/debug: the package is not in a source checkout",
        "  source checkout target/release: the package is not in a source checkout",
        "  system library path: not found",
    ]


def test_env_var_selects_the_library() -> None:
    path = authing_mfa.library_path()
    out = run_python(
        "import authing_mfa; print(authing_mfa.library_path(), authing_mfa.version())", AUTHING_MFA_LIB=path
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [path, "0.1.0"]


def test_a_foreign_library_is_refused() -> None:
    import ctypes.util

    libm = ctypes.util.find_library("m") or "libm.so.6"
    out = run_python(
        "import authing_mfa\n"
        "try:\n"
        "    authing_mfa.version()\n"
        "except authing_mfa.LibraryNotFoundError as e:\n"
        "    print(e)\n",
        AUTHING_MFA_LIB=libm,
    )
    assert out.returncode == 0, out.stderr
    assert "not libauthing_mfa" in out.stdout


def test_installed_package_bundles_its_library() -> None:
    # run-tests.sh installs the package (not editable) and sets this: the
    # library must then come from inside the package, and metadata must
    # match the library.
    if os.environ.get("AUTHING_MFA_EXPECT_INSTALLED") != "1":
        pytest.skip("the package under test is not an installed copy")
    package_dir = pathlib.Path(authing_mfa.__file__).resolve().parent
    assert package_dir != SOURCE / "authing_mfa", package_dir
    assert pathlib.Path(authing_mfa.library_path()).resolve().parent == package_dir
    assert importlib.metadata.version("authing-mfa") == authing_mfa.version()
    assert importlib.resources.files("authing_mfa").joinpath("py.typed").is_file()


def test_version_numbers_agree() -> None:
    pyproject = (SOURCE / "pyproject.toml").read_text()
    assert f'version = "{authing_mfa.version()}"' in pyproject
    cargo = (REPO / "Cargo.toml").read_text()
    assert f'version = "{authing_mfa.version()}"' in cargo
    assert authing_mfa.__version__ == authing_mfa.version()


def build_wheel(destination: pathlib.Path, library: pathlib.Path) -> pathlib.Path:
    try:
        import setuptools

        new_enough = int(setuptools.__version__.split(".")[0]) >= 77
    except ImportError:
        new_enough = False
    if not new_enough:
        pytest.skip("needs setuptools>=77 in this environment (run-tests.sh installs it)")
    build_env = dict(os.environ, AUTHING_MFA_LIB=str(library))
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(destination),
            str(SOURCE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=build_env,
        cwd=destination,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    (wheel,) = destination.glob("authing_mfa-0.1.0-*.whl")
    return wheel


def test_wheel_bundles_the_library(tmp_path: pathlib.Path) -> None:
    library = pathlib.Path(authing_mfa.library_path())
    # run-tests.sh builds the wheel it installs and names it here (building
    # a wheel with a debug library takes a while); otherwise build one now.
    given = os.environ.get("AUTHING_MFA_TEST_WHEEL")
    wheel = pathlib.Path(given) if given else build_wheel(tmp_path, library)
    assert wheel.name.startswith("authing_mfa-0.1.0-py3-none-") and not wheel.name.endswith("-any.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert {"authing_mfa/__init__.py", "authing_mfa/py.typed", "authing_mfa/libauthing_mfa.so"} <= names
        assert zf.getinfo("authing_mfa/libauthing_mfa.so").file_size == library.stat().st_size
        wheel_meta = zf.read("authing_mfa-0.1.0.dist-info/WHEEL").decode()
    assert "Root-Is-Purelib: false" in wheel_meta
    # The build left the source tree clean (the library goes to the build tree only).
    assert not (SOURCE / "authing_mfa" / "libauthing_mfa.so").exists()
