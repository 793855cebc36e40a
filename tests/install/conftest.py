"""Fixtures for installing the project as a city's IT staff would: a wheel built from a clean copy
of the source tree, installed into a fresh virtual environment outside the clone."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What a developer's tree holds besides the source: never part of a build.
LOCAL_ONLY = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    "*.pyc",
    ".*_cache",
    ".hypothesis",
    "instance",
    "test-artifacts",
    "node_modules",
)


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built the way the README says (`pip wheel`), from a copy of the tree.

    Building in a copy keeps the developer's tree clean and keeps stale files of an earlier
    in-tree build (build/, *.egg-info) out of what is checked.
    """
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=LOCAL_ONLY)
    out = work / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = out.glob("wenping_sched-*.whl")
    return built


def wheel_names(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as archive:
        return set(archive.namelist())
