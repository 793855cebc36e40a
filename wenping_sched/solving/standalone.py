"""The stand-alone solver's command line (SOLVER.md), behind ``wenping-sched solve``: no app, no database."""

from __future__ import annotations

from solver.cli import run

__all__ = ["run"]
