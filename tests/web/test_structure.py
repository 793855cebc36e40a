"""The house's import rules (pyproject.toml, [tool.importlinter]), checked with import-linter.

- only ``wenping_sched.solving`` imports the ``solver`` package;
- the solver imports nothing of the app;
- no import cycles between the children of ``wenping_sched`` (its domain packages and top-level
  modules), counting imports inside functions and under TYPE_CHECKING.

Each contract is checked on its own, so a failure names the rule that broke and the imports
that break it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("contract", ["solving-only", "solver-pure", "no-domain-cycles"])
def test_import_contract_is_kept(contract: str, capsys: pytest.CaptureFixture[str]) -> None:
    cwd = Path.cwd()
    os.chdir(ROOT)  # import-linter finds pyproject.toml and the packages from here
    try:
        code = lint_imports(limit_to_contracts=(contract,), no_cache=True, no_logo=True)
    finally:
        os.chdir(cwd)
    report = capsys.readouterr().out
    assert code == 0, report
