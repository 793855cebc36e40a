"""The one place that speaks both ORM and solver: rows in, rows out.

No other module of ``wenping_sched`` imports the ``solver`` package (tests/web/test_structure.py
holds it to that). Each module has one responsibility:

- ``common``: the calendar block both instances carry, and ``SolverBug``;
- ``panels``: panel instances from the database, the draw, the lottery and its placement;
- ``meetings``: joint-meeting instances from the database, scheduling, alternatives, the heat map;
- ``proof``: the draw proof's arithmetic (commitment, seed, ticket, record verification).

The solver's value types the operations store or explain are re-exported here, so that the
callers name them through this package.
"""

from __future__ import annotations

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
