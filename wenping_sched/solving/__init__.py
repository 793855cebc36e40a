"""The one place that speaks both ORM and solver: rows in, rows out.

No other module of ``wenping_sched`` imports the ``solver`` package (tests/web/test_structure.py
holds it to that). Each module has one responsibility:

- ``common``: the calendar block both instances carry, and ``SolverBug``;
- ``panels``: panel instances from the database, the draw, the lottery and its placement;
- ``meetings``: joint-meeting instances from the database, scheduling, alternatives, the heat map;
- ``proof``: the draw proof's arithmetic (commitment, seed, ticket, record verification).

- ``standalone``: the solver's own command line, behind ``wenping-sched solve``.

The solver's value types the operations store or explain are re-exported here, so that the
callers name them through this package. The re-exports load on first use: ``verify-draw`` reads
``proof`` alone and must not load CP-SAT (tests/web/test_verify_draw.py).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from solver.instance import (
        InstanceError,
        Lottery,
        MeetingAssignment,
        MeetingSolution,
        PanelSolution,
        ineligibility,
        meeting_solution_to_json,
        panel_solution_to_json,
        parse_panels,
    )

    from . import meetings, proof
    from .common import SolverBug, calendar_block, work_calendar
    from .panels import (
        PANEL_TIME_LIMIT,
        DrawOutcome,
        LotteryOutcome,
        PanelRequest,
        Placement,
        build_panel_instance,
        build_panels_instance,
        calendar_warnings,
        draw_lottery,
        draw_panel,
        eligible_rows,
        panel_commitments,
        place_drawn,
        replay,
        screening,
        solve_instance,
    )

__all__ = [
    "PANEL_TIME_LIMIT",
    "DrawOutcome",
    "InstanceError",
    "Lottery",
    "LotteryOutcome",
    "MeetingAssignment",
    "MeetingSolution",
    "PanelRequest",
    "PanelSolution",
    "Placement",
    "SolverBug",
    "build_panel_instance",
    "build_panels_instance",
    "calendar_block",
    "calendar_warnings",
    "draw_lottery",
    "draw_panel",
    "eligible_rows",
    "ineligibility",
    "meeting_solution_to_json",
    "meetings",
    "panel_commitments",
    "panel_solution_to_json",
    "parse_panels",
    "place_drawn",
    "proof",
    "replay",
    "screening",
    "solve_instance",
    "work_calendar",
]

# Where each name lives: the solver's types, this package's modules, or this package itself.
_SOURCES = {
    **dict.fromkeys(
        (
            "InstanceError",
            "Lottery",
            "MeetingAssignment",
            "MeetingSolution",
            "PanelSolution",
            "ineligibility",
            "meeting_solution_to_json",
            "panel_solution_to_json",
            "parse_panels",
        ),
        "solver.instance",
    ),
    **dict.fromkeys(("SolverBug", "calendar_block", "work_calendar"), ".common"),
    **dict.fromkeys(("meetings", "proof"), ""),
}


def __getattr__(name: str) -> Any:
    """Load a re-exported name on first use (PEP 562)."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    source = _SOURCES.get(name, ".panels")
    if source == "":
        value: Any = importlib.import_module(f".{name}", __name__)
    else:
        value = getattr(importlib.import_module(source, __name__), name)
    globals()[name] = value
    return value
