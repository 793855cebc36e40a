"""The only module that speaks both ORM and solver: rows in, rows out.

It builds contract instances (SOLVER.md) from the database, runs the pure solver, checks
every solution with the independent validator, and hands back plain results for the
operations to store.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from solver.calendar import WorkCalendar
from solver.instance import (
    CalendarSpec,
    PanelInstance,
    PanelSolution,
    ineligibility,
    panel_solution_to_json,
    parse_panels,
)
from solver.panels import solve_panels
from solver.validate import validate_panels

from .experts.queries import loads
from .extensions import db
from .models import CalendarDay, Expert, Panel, PanelMember, Pool
from .timeutil import local_tz
from .validation import MAX_LOAD

PANEL_TIME_LIMIT = 5.0


class SolverBug(RuntimeError):
    """The validator rejected a solver's solution: never shown to users as a valid draw."""


@dataclass(frozen=True)
class PanelRequest:
    """What a coordinator asks for: the contract's panel fields, in the app's terms."""

    pools: list[str]
    size: int
    seats: dict[str, int]
    min_senior: int
    conflicts: list[str]
    window: tuple[datetime, datetime]
    duration_minutes: int
    matter_title: str = ""
    exclude: tuple[int, ...] = ()
    fixed: tuple[int, ...] = ()
    seed: int | None = None
    # When the panel meets in one of the rooms: the times the room is taken.
    room_busy: tuple[tuple[datetime, datetime], ...] = ()


@dataclass(frozen=True)
class DrawOutcome:
    instance: dict[str, Any]
    solution: dict[str, Any]
    parsed: PanelSolution
    eligible_count: int
    avoided: list[dict[str, Any]]


def _local_iso(value: datetime) -> str:
    return value.astimezone(local_tz()).strftime("%Y-%m-%dT%H:%M")


def calendar_block() -> dict[str, Any]:
    """The instance's calendar: the statutory one plus the coordinators' holidays and make-up workdays."""
    from .calendar_admin.operations import entered_years, statute_knows

    # A year the statute does not know counts as known only once coordinators have marked it
    # entered: a half-entered year is planned Monday to Friday and flagged, never half-guessed.
    entered = entered_years()
    rows = db.session.execute(select(CalendarDay.date, CalendarDay.kind).order_by(CalendarDay.date))
    days = [(d, kind) for d, kind in rows if d.year in entered or statute_knows(d.year)]
    return {
        "workdays": "cn",
        "holidays": [d.isoformat() for d, kind in days if kind == "holiday"],
        "extra_workdays": [d.isoformat() for d, kind in days if kind == "workday"],
    }


def work_calendar() -> WorkCalendar:
    """The calendar the solvers use, for the app's own date arithmetic (e.g. reminders)."""
    block = calendar_block()
    spec = CalendarSpec(
        holidays=frozenset(date.fromisoformat(d) for d in block["holidays"]),
        extra_workdays=frozenset(date.fromisoformat(d) for d in block["extra_workdays"]),
    )
    return WorkCalendar(spec, str(local_tz()))


def _commitments(
    expert_ids: list[int], window: tuple[datetime, datetime], ignore_panel_id: int | None
) -> dict[int, list[tuple[datetime, datetime]]]:
    """Other panels' meetings of these experts that touch the window: they are busy then."""
    stmt = (
        select(PanelMember.expert_id, Panel.start, Panel.end)
        .join(Panel)
        .where(PanelMember.expert_id.in_(expert_ids))
        .where(PanelMember.state.in_(("proposed", "pending", "accepted")))
        .where(Panel.status != "cancelled")
        .where(Panel.start < window[1], Panel.end > window[0])
    )
    if ignore_panel_id is not None:
        stmt = stmt.where(Panel.id != ignore_panel_id)
    out: dict[int, list[tuple[datetime, datetime]]] = {}
    for expert_id, start, end in db.session.execute(stmt):
        if start is not None and end is not None:
            out.setdefault(expert_id, []).append((start, end))
    return out


def build_panel_instance(
    request: PanelRequest, panel_id: str = "new", ignore_panel_id: int | None = None
) -> dict[str, Any]:
    """A wenping-panels/1 instance for one panel from the experts of its pools."""
    return build_panels_instance([(panel_id, request)], request.seed, ignore_panel_id)


def build_panels_instance(
    requests: list[tuple[str, PanelRequest]], seed: int | None = None, ignore_panel_id: int | None = None
) -> dict[str, Any]:
    """A wenping-panels/1 instance for several panels at once (a year's plan is one batch).

    The experts are those of every pool any panel draws from; each expert's busy times
    cover the span of all the windows, so the solver keeps the batch's panels apart from
    each other and from every panel already drawn. A room's bookings are written as
    everyone's busy time, which is exact for one panel only: a batch books no rooms.
    """
    if len(requests) > 1 and any(r.room_busy for _, r in requests):
        raise ValueError("a batch of panels cannot book rooms")
    pools = list(dict.fromkeys(code for _, r in requests for code in r.pools))
    span = (min(r.window[0] for _, r in requests), max(r.window[1] for _, r in requests))
    room_busy = [(s, t) for _, r in requests for s, t in r.room_busy if s < span[1] and t > span[0]]
    experts = list(
        db.session.scalars(
            select(Expert)
            .join(Expert.pool)
            .where(Pool.code.in_(pools), Expert.active.is_(True))
            .order_by(Expert.id)
        )
    )
    ids = [e.id for e in experts]
    # The load a batch balances is the year of its first window (a plan is one year's).
    year_loads = loads(ids, year=span[0].astimezone(local_tz()).year)
    commitments = _commitments(ids, span, ignore_panel_id)
    expert_rows = []
    for e in experts:
        busy = [(b.start, b.end) for b in e.busy if b.start < span[1] and b.end > span[0]]
        busy += commitments.get(e.id, [])
        # One panel per instance: a member must be free, and so must the room; the room's
        # bookings are everyone's, which keeps the meeting out of them exactly.
        busy += room_busy
        row: dict[str, Any] = {
            "id": str(e.id),
            "name": e.name,
            "pool": e.pool.code,
            "employer": e.employer,
            "sectors": e.sector_names,
            "senior": e.senior,
            "interests": list(e.interests or []),
            "busy": [[_local_iso(s), _local_iso(t)] for s, t in sorted(busy)],
            # Bounded as the forms and the API bound them: a value stored before the bounds (or by
            # hand) must not overflow the solver's integers under the draw lock.
            "load": min((e.prior_load or 0) + year_loads[e.id], 10 * MAX_LOAD),
        }
        if e.max_load is not None:
            row["max_load"] = max(0, min(e.max_load, MAX_LOAD))
        expert_rows.append(row)
    known = set(ids)
    panels = [
        {
            "id": panel_id,
            "matter": request.matter_title,
            "pools": request.pools,
            "size": request.size,
            "seats": request.seats,
            "min_senior": request.min_senior,
            "conflicts": request.conflicts,
            "exclude": [str(i) for i in request.exclude if i in known],
            "fixed": [str(i) for i in request.fixed],
            "window": [_local_iso(request.window[0]), _local_iso(request.window[1])],
            "duration_minutes": request.duration_minutes,
        }
        for panel_id, request in requests
    ]
    return {
        "format": "wenping-panels/1",
        "timezone": str(local_tz()),
        "calendar": calendar_block(),
        "rules": {"max_same_employer": 1, "seed": seed if seed is not None else secrets.randbits(31)},
        "experts": expert_rows,
        "panels": panels,
    }


def solve_instance(
    instance: dict[str, Any], time_limit: float = PANEL_TIME_LIMIT
) -> tuple[PanelInstance, PanelSolution]:
    """Parse, solve and validate; a solution the validator rejects is a bug, never a draw."""
    parsed = parse_panels(instance)
    solution = solve_panels(parsed, time_limit=time_limit)
    problems = validate_panels(parsed, solution)
    if problems:
        raise SolverBug("; ".join(problems))
    return parsed, solution


def draw_panel(
    request: PanelRequest, panel_id: str = "new", ignore_panel_id: int | None = None
) -> DrawOutcome:
    """Draw one panel (or redraw, with ``fixed`` and ``exclude``) and say who was avoided and why."""
    instance = build_panel_instance(request, panel_id, ignore_panel_id)
    parsed, solution = solve_instance(instance)
    eligible, avoided = screening(parsed, 0)
    return DrawOutcome(instance, panel_solution_to_json(solution), solution, eligible, avoided)


def screening(parsed: PanelInstance, index: int) -> tuple[int, list[dict[str, Any]]]:
    """How many experts could sit on the instance's ``index``-th panel, and who was avoided and why."""
    panel = parsed.panels[index]
    avoided = []
    eligible = 0
    for e in parsed.experts:
        why = ineligibility(e, panel)
        if why:
            avoided.append({"expert_id": int(e.id), "name": e.name, "pool": e.pool, "reason": why})
        else:
            eligible += 1
    return eligible, avoided


def replay(instance: dict[str, Any]) -> dict[str, Any]:
    """Solve a stored instance again with its stored seed: the same panel comes back."""
    _, solution = solve_instance(instance)
    return panel_solution_to_json(solution)
