"""Applying a solved plan: each proposed panel becomes a ``proposed`` panel with its own draw record.

The plan's seed is ``seed_from(nonce, "")`` for a secret nonce made with the plan (no witness),
and the batch solution carries each panel's lottery and ticket (SOLVER.md). Each panel's record
(kind ``plan``) keeps that lottery, the nonce, the seed and the ticket, so ``verify-draw``
recomputes it like any other draw; its commitment is computed here, after the solve, and the
record says so. The record also keeps a one-panel instance with the batch's decisions fixed
(the other panels are busy times of their members), solved again here to re-check every hard
rule on the chosen time; its ``avoided`` and ``eligible`` come from the batch instance, where
the choice was made.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit, locking, solving
from ..draws import operations as draws
from ..extensions import db
from ..models import DrawRecord, Expert, Matter, Panel, PanelMember, Plan, User, utcnow
from ..operations import OperationError
from ..solving import InstanceError, panel_solution_to_json, parse_panels
from ..solving import proof as draw_proof
from ..standing.draw import draw_constraints
from ..timeutil import parse_local


@dataclass
class ApplyResult:
    created: list[Panel] = field(default_factory=list)
    # (request index, why the proposal could not be used any more)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def replay_instance(batch: dict[str, Any], solution: dict[str, Any], panel_id: str) -> dict[str, Any]:
    """The one-panel instance kept in a plan panel's draw record: the batch's decisions fixed."""
    chosen = {p["id"]: p for p in solution["panels"]}
    mine = chosen[panel_id]
    out = copy.deepcopy(batch)
    tz = batch.get("timezone")
    others: dict[str, list[list[str]]] = {}
    for pid, assignment in chosen.items():
        if pid != panel_id:
            for eid in assignment["experts"]:
                others.setdefault(eid, []).append([assignment["start"], assignment["end"]])
    for expert in out["experts"]:
        expert["busy"] = sorted([*expert["busy"], *others.get(expert["id"], [])])
    [panel] = [copy.deepcopy(p) for p in batch["panels"] if p["id"] == panel_id]
    panel["fixed"] = list(mine["experts"])
    panel["window"] = [mine["start"], mine["end"]]
    out["panels"] = [panel]
    out["plan"] = {"panel": panel_id, "timezone": tz}
    return out


def _batch_lottery(plan: Plan, assignment: dict[str, Any]) -> dict[str, Any]:
    """The panel's lottery from the batch solution, checked against the plan's seed (SOLVER.md).

    A solution without a lottery (a solver before lotteries) gives a one-set lottery holding the
    batch's choice, so the record still verifies; its record says the batch gave no lottery.
    """
    panel_id = assignment["id"]
    experts = sorted(assignment["experts"])
    given = assignment.get("lottery")
    if given is None:
        tickets = [{"experts": experts, "count": draw_proof.MIN_TOTAL}]
        total = draw_proof.MIN_TOTAL
    else:
        tickets, total = draw_proof.canonical_tickets(given["tickets"]), int(given["total"])
    ticket = draw_proof.ticket_for(plan.seed, panel_id, total)
    problems = draw_proof.check_lottery({"total": total, "tickets": tickets}, len(experts))
    if given is not None and given.get("ticket") != ticket:
        problems.append(f"ticket {given.get('ticket')} is not {ticket}")
    if not problems and sorted(draw_proof.set_for_ticket(tickets, ticket)) != experts:
        problems.append("the ticket does not draw the chosen set")
    if problems:
        raise solving.SolverBug(f"plan {plan.id} panel {panel_id}: " + "; ".join(problems))
    return {
        "panel_id": panel_id,
        "total": total,
        "tickets": tickets,
        "chances": draw_proof.chances(tickets, total),
        "ticket": ticket,
    }


def _still_free(expert_ids: list[int], start: datetime, end: datetime) -> str | None:
    """Why the proposal cannot be used now (someone was booked or retired since the solve), or None."""
    active = set(
        db.session.scalars(select(Expert.id).where(Expert.id.in_(expert_ids), Expert.active.is_(True)))
    )
    if len(active) != len(expert_ids):
        return _("有专家已出库")
    busy = solving.panel_commitments(expert_ids, (start, end), None)
    if busy:
        return _("有专家在该时间已被其他评审组占用")
    away = draw_constraints(expert_ids, (start, end))
    if away.suspended or any(away.busy(e) for e in expert_ids):
        return _("有专家已暂停抽取或在该时间请假")
    return None


def apply_plan(user: User, plan: Plan) -> ApplyResult:
    """Create the plan's proposed panels, each ``proposed`` with its own draw record; once only."""
    if plan.status != "done" or plan.solution is None or plan.instance is None:
        raise OperationError(_("计划尚未求解完成"), 409)
    if plan.applied_at is not None:
        raise OperationError(_("该计划的评审组已经创建"), 409)
    parsed = parse_panels(plan.instance)
    index_of = {p.id: i for i, p in enumerate(parsed.panels)}
    matters = {
        m.id: m
        for m in db.session.scalars(
            select(Matter).where(Matter.id.in_({r["matter_id"] for r in plan.requests}))
        )
    }
    locking.lock_pools(sorted({code for m in matters.values() for code in m.pools}))
    result = ApplyResult()
    names = {e.id: e.name for e in parsed.experts}
    for assignment in plan.solution["panels"]:
        index = index_of[assignment["id"]]
        item = plan.requests[index]
        matter = matters[item["matter_id"]]
        start, end = parse_local(assignment["start"]), parse_local(assignment["end"])
        expert_ids = [int(e) for e in assignment["experts"]]
        why = _still_free(expert_ids, start, end)
        if why:
            result.skipped.append((index, why))
            continue
        instance = replay_instance(plan.instance, plan.solution, assignment["id"])
        try:
            single = solving.solve_instance(instance)[1]
        except InstanceError as e:
            result.skipped.append((index, str(e)))
            continue
        if [a.experts for a in single.panels] != [tuple(assignment["experts"])]:
            raise solving.SolverBug(f"plan {plan.id} panel {assignment['id']} does not replay")
        [fixed] = single.panels
        seat_of = {eid: sector for sector, ids in fixed.seats for eid in ids}
        _eligible_count, avoided = solving.screening(
            parsed, index, plan.instance["panels"][index].get("exclude_reasons")
        )
        lottery = _batch_lottery(plan, assignment)
        ticket = lottery.pop("ticket")
        chances = lottery["chances"]
        eligible = solving.eligible_rows(parsed, chances, index)
        panel = Panel(
            matter=matter,
            status="proposed",
            size=item["size"],
            seats=dict(item["seats"]),
            min_senior=item["min_senior"],
            window_start=parse_local(item["window"][0]),
            window_end=parse_local(item["window"][1]),
            duration_minutes=item["duration_minutes"],
            location="",
            start=fixed.start,
            end=fixed.end,
            seed=plan.seed,
            extra_conflicts=[],
            excluded_expert_ids=[],
            created_by_id=user.id,
            sequence=0,
        )
        db.session.add(panel)
        spec = plan.instance["panels"][index]
        record = DrawRecord(
            matter=matter,
            panel=panel,
            kind="plan",
            status="revealed",
            created_by_id=user.id,
            drawn_by=draws.operator(user),
            request={
                "pools": list(spec["pools"]),
                "size": item["size"],
                "seats": dict(item["seats"]),
                "min_senior": item["min_senior"],
                "window": list(item["window"]),
                "duration_minutes": item["duration_minutes"],
                "conflicts": list(spec.get("conflicts", [])),
                "exclude": [],
                "fixed": [],
                "location": "",
                "exclusions": [],
                "plan": plan.id,
                "batch_lottery": "lottery" in assignment,
            },
            pools=list(matter.pools),
            eligible_count=len(eligible),
            eligible=eligible,
            avoided=avoided,
            nonce=plan.nonce,
            commitment=draw_proof.commitment(
                plan.nonce or "",
                draw_proof.lottery_digest(lottery["panel_id"], lottery["total"], lottery["tickets"]),
            ),
            lottery=lottery,
            witness=None,
            witness_input="",
            seed=plan.seed,
            ticket=ticket,
            drawn=[{"expert_id": int(e), "name": names[e], "seat": seat_of.get(e)} for e in fixed.experts],
            start=fixed.start,
            end=fixed.end,
            revealed_at=utcnow(),
            instance=instance,
            solution=panel_solution_to_json(single),
        )
        db.session.add(record)
        for eid in fixed.experts:
            panel.members.append(
                PanelMember(expert_id=int(eid), seat=seat_of.get(eid), state="proposed", draw=record)
            )
        db.session.flush()
        audit.record(
            "panel.draw",
            user,
            target=f"panel:{panel.id}",
            matter=matter.id,
            draw=record.id,
            seed=plan.seed,
            plan=plan.id,
            members=expert_ids,
        )
        result.created.append(panel)
        plan.panel_ids = {**plan.panel_ids, str(index): panel.id}
    plan.applied_at = utcnow()
    audit.record(
        "plan.apply", user, target=f"plan:{plan.id}", created=len(result.created), skipped=len(result.skipped)
    )
    return result
