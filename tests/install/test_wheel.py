"""The wheel is complete: every template, static file, migration and translation of the tree, the
code of both packages and the console script, and nothing of the tests or the benchmarks."""

from __future__ import annotations

import zipfile
from pathlib import Path

from .conftest import ROOT, wheel_names


def _tree(folder: Path, prefix: str) -> set[str]:
    """The files a build must ship from ``folder``, as their names inside the wheel."""
    return {
        prefix + path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.suffix != ".pyc"
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    }


def test_the_wheel_ships_every_template_static_file_migration_and_translation(wheel: Path) -> None:
    names = wheel_names(wheel)
    expected = (
        _tree(ROOT / "templates", "wenping_sched/templates/")
        | _tree(ROOT / "static", "wenping_sched/static/")
        | _tree(ROOT / "wenping_sched" / "migrations", "wenping_sched/migrations/")
        | _tree(ROOT / "wenping_sched" / "translations", "wenping_sched/translations/")
        | {p for p in _tree(ROOT / "wenping_sched", "wenping_sched/") if p.endswith(".py")}
        | {p for p in _tree(ROOT / "solver", "solver/") if p.endswith(".py")}
    )
    missing = sorted(expected - names)
    assert not missing, f"not in {wheel.name}: {missing}"
    # The pages and the mail, the stylesheet, the first migration: named, so an empty glob cannot pass.
    assert {
        "wenping_sched/templates/base.html",
        "wenping_sched/templates/email/invitation.txt",
        "wenping_sched/static/style.css",
        "wenping_sched/static/favicon.ico",
        "wenping_sched/migrations/env.py",
        "wenping_sched/translations/messages.pot",
    } <= names
    assert len([n for n in names if n.endswith(".html")]) >= 40


def test_the_wheel_holds_nothing_but_the_two_packages(wheel: Path) -> None:
    names = wheel_names(wheel)
    dist_info = wheel.name.split("-py3")[0] + ".dist-info/"
    strays = sorted(n for n in names if not n.startswith(("wenping_sched/", "solver/", dist_info)))
    assert not strays, strays
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    with zipfile.ZipFile(wheel) as archive:
        assert "wenping-sched = wenping_sched.cli:main" in archive.read(entry_points).decode()
