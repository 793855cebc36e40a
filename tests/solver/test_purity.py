"""The solver is pure: importing it pulls in neither the web stack nor the app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import importlib, json, pkgutil, sys
import solver
names = [m.name for m in pkgutil.walk_packages(solver.__path__, "solver.")]
for name in names:
    importlib.import_module(name)
forbidden = sorted(
    m for m in sys.modules
    if m.split(".")[0] in ("flask", "sqlalchemy", "wenping_sched", "flask_sqlalchemy", "werkzeug")
)
print(json.dumps({"imported": names, "forbidden": forbidden}))
"""


def test_importing_solver_does_not_import_flask_or_sqlalchemy() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "solver.instance" in result["imported"] and "solver.cli" in result["imported"]
    assert result["forbidden"] == []
