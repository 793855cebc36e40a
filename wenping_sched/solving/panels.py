"""Panels between the ORM and the solver: rows in, a wenping-panels/1 instance out, and back.

It builds panel instances (SOLVER.md) from the database, runs the pure solver and the lottery,
checks every solution with the independent validator, and hands back plain results for the
operations to store.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from solver import draw_proof, lottery
from solver.calendar import WorkCalendar
from solver.instance import (
    Lottery,
    PanelAssignment,
    PanelInstance,
    PanelSolution,
    Unfilled,
    ineligibility,
    panel_solution_to_json,
    parse_panels,
)
from solver.panels import solve_panels
from solver.validate import validate_panels

from ..extensions import db
from ..models import Expert, ExpertBusy, Panel, PanelMember, Pool
from ..standing.draw import draw_constraints
from ..standing.load import loads
from ..timeutil import local_tz
from ..validation import MAX_LOAD
from .common import SolverBug, calendar_block

PANEL_TIME_LIMIT = 5.0


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


def panel_commitments(
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
    commitments = panel_commitments(ids, span, ignore_panel_id)
    # Credit: a suspended expert is excluded, leave is busy time (and excludes when it covers a window).
    away = draw_constraints(ids, span)
    # The busy times that touch the span, in one query (an expert's whole year is not read).
    declared: dict[int, list[tuple[datetime, datetime]]] = {}
    for expert_id, start, end in db.session.execute(
        select(ExpertBusy.expert_id, ExpertBusy.start, ExpertBusy.end)
        .where(ExpertBusy.expert_id.in_(ids), ExpertBusy.start < span[1], ExpertBusy.end > span[0])
        .order_by(ExpertBusy.expert_id, ExpertBusy.start)
    ):
        declared.setdefault(expert_id, []).append((start, end))
    expert_rows = []
    for e in experts:
        busy = list(declared.get(e.id, []))
        busy += commitments.get(e.id, [])
        busy += away.busy(e.id)
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
    panels = []
    for panel_id, request in requests:
        avoid = away.exclusions(request.window, request.fixed)
        panel: dict[str, Any] = {
            "id": panel_id,
            "matter": request.matter_title,
            "pools": request.pools,
            "size": request.size,
            "seats": request.seats,
            "min_senior": request.min_senior,
            "conflicts": request.conflicts,
            "exclude": [str(i) for i in dict.fromkeys([*request.exclude, *avoid]) if i in known],
            "fixed": [str(i) for i in request.fixed],
            "window": [_local_iso(request.window[0]), _local_iso(request.window[1])],
            "duration_minutes": request.duration_minutes,
        }
        if avoid:
            # Not part of the solver's contract (it ignores the key): the draw record's reasons.
            panel["exclude_reasons"] = {str(i): why for i, why in avoid.items()}
        panels.append(panel)
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
    eligible, avoided = screening(parsed, 0, instance["panels"][0].get("exclude_reasons"))
    return DrawOutcome(instance, panel_solution_to_json(solution), solution, eligible, avoided)


def screening(
    parsed: PanelInstance, index: int, reasons: dict[str, str] | None = None
) -> tuple[int, list[dict[str, Any]]]:
    """How many experts could sit on the instance's ``index``-th panel, and who was avoided and why.

    ``reasons``: the instance panel's ``exclude_reasons`` (suspension, leave) instead of the bare
    "excluded" for those experts.
    """
    panel = parsed.panels[index]
    avoided = []
    eligible = 0
    for e in parsed.experts:
        why = ineligibility(e, panel)
        if why and reasons and e.id in reasons and e.pool in panel.pools:
            why = reasons[e.id]
        if why:
            avoided.append({"expert_id": int(e.id), "name": e.name, "pool": e.pool, "reason": why})
        else:
            eligible += 1
    return eligible, avoided


def replay(instance: dict[str, Any]) -> dict[str, Any]:
    """Solve a stored instance again with its stored seed: the same panel comes back."""
    _, solution = solve_instance(instance)
    return panel_solution_to_json(solution)


# --- the lottery: fixed first (commit), drawn later (reveal) ------------------------------------


@dataclass(frozen=True)
class LotteryOutcome:
    """A panel's lottery, fixed before any randomness is known, with who could be drawn and who not."""

    instance: dict[str, Any]
    lottery: Lottery | None
    unfilled: Unfilled | None
    # [{"expert_id", "name", "pool", "employer", "senior", "sectors", "chance"}], best chance first
    eligible: list[dict[str, Any]]
    avoided: list[dict[str, Any]]


def _unseeded_instance(request: PanelRequest, panel_id: str, ignore_panel_id: int | None) -> dict[str, Any]:
    # The lottery is fixed before the seed exists: the instance carries none.
    instance = build_panel_instance(request, panel_id, ignore_panel_id)
    instance["rules"].pop("seed", None)
    return instance


def draw_lottery(request: PanelRequest, panel_id: str, ignore_panel_id: int | None = None) -> LotteryOutcome:
    """The whole-ticket lottery of one panel request (SOLVER.md), checked before anyone commits to it."""
    instance = _unseeded_instance(request, panel_id, ignore_panel_id)
    parsed = parse_panels(instance)
    _count, avoided = screening(parsed, 0, instance["panels"][0].get("exclude_reasons"))
    outcome = lottery.panel_lottery(parsed, panel_id, time_limit=PANEL_TIME_LIMIT)
    if isinstance(outcome, Unfilled):
        return LotteryOutcome(instance, None, outcome, eligible_rows(parsed, {}), avoided)
    size = parsed.panels[0].size
    problems = draw_proof.check_lottery({**outcome.to_json(), "chances": None}, size)
    panel = parsed.panels[0]
    by_id = parsed.experts_by_id
    for experts, _n in outcome.tickets:
        problems += [f"{e} not eligible" for e in experts if e not in by_id or ineligibility(by_id[e], panel)]
        problems += [f"fixed {e} missing" for e in panel.fixed if e not in experts]
    if problems:
        raise SolverBug("; ".join(problems))
    return LotteryOutcome(instance, outcome, None, eligible_rows(parsed, outcome.chances()), avoided)


def eligible_rows(parsed: PanelInstance, chances: dict[str, float], index: int = 0) -> list[dict[str, Any]]:
    """Who could sit on the instance's ``index``-th panel, with each one's chance: best chance first."""
    panel = parsed.panels[index]
    rows = [
        {
            "expert_id": int(e.id),
            "name": e.name,
            "pool": e.pool,
            "employer": e.employer,
            "senior": e.senior,
            "sectors": list(e.sectors),
            "chance": chances.get(e.id, 0.0),
        }
        for e in parsed.experts
        if not ineligibility(e, panel)
    ]
    return sorted(rows, key=lambda r: (-r["chance"], r["expert_id"]))


@dataclass(frozen=True)
class Placement:
    """Where and in which seats a drawn set meets, on the data as it is now; or why it no longer can."""

    instance: dict[str, Any]
    assignment: PanelAssignment | None
    solution: dict[str, Any] | None
    why_not: list[str]


def calendar_warnings(parsed: PanelInstance) -> list[dict[str, Any]]:
    """The solver's calendar warnings (e.g. calendar_unknown) for the days of the instance's windows."""
    cal = WorkCalendar(parsed.calendar, parsed.timezone)
    for panel in parsed.panels:
        day = panel.window[0].date()
        while day <= panel.window[1].date():
            cal.is_workday(day)
            day += timedelta(days=1)
    return [w.to_json() for w in cal.warnings()]


def place_drawn(
    request: PanelRequest,
    panel_id: str,
    drawn: Sequence[str],
    drawn_lottery: Lottery,
    seed: int,
    names: dict[str, str],
    ignore_panel_id: int | None = None,
) -> Placement:
    """The drawn set on a fresh instance: the earliest start where every rule holds, validated; or why not."""
    instance = _unseeded_instance(request, panel_id, ignore_panel_id)
    parsed = parse_panels(instance)
    assignment = lottery.place(parsed, panel_id, drawn)
    if assignment is None:
        reasons = instance["panels"][0].get("exclude_reasons") or {}
        return Placement(instance, None, None, _why_not(parsed, drawn, names, reasons))
    assignment = dataclasses.replace(assignment, lottery=drawn_lottery)
    warnings = calendar_warnings(parsed)
    solution = PanelSolution("feasible", seed, (assignment,), ())
    problems = validate_panels(parsed, solution)
    if problems or sorted(assignment.experts) != sorted(drawn):
        raise SolverBug("; ".join(problems) or "placed set differs from the drawn set")
    as_json = panel_solution_to_json(solution)
    if warnings:
        as_json["warnings"] = warnings
    return Placement(instance, assignment, as_json, [])


def _why_not(
    parsed: PanelInstance, drawn: Sequence[str], names: dict[str, str], reasons: dict[str, str]
) -> list[str]:
    """Which drawn experts now break a rule, in Chinese, for the abandoned draw's record."""
    from flask_babel import gettext as _

    panel = parsed.panels[0]
    by_id = parsed.experts_by_id
    out = []
    for eid in drawn:
        name = names.get(eid, eid)
        if eid not in by_id:
            out.append(_("%(n)s 已出库或已不在可抽取的专家库中", n=name))
        elif why := ineligibility(by_id[eid], panel):
            out.append(_("%(n)s：%(w)s", n=name, w=reasons.get(eid, why)))
    if not out:
        out.append(_("抽中的专家在时间窗口内已没有共同空闲的时间（或会议室已被占用）"))
    return out
