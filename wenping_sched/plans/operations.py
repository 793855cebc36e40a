"""Plans (年度评审计划): a batch of panel requests solved as one instance, off the request.

``create_plan`` checks the requests and stores a ``queued`` task row; ``run_plan`` (a
background thread, or an RQ job on ``wenping-sched worker``) builds one batch instance
from the database, solves it with ``solver.panels.solve_panels``, validates it and stores
the solution with counts; ``applying.apply_plan`` turns the proposed panels into ``proposed`` panels,
each with its own draw record.

How each panel's draw record is proof: ``applying.py``.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import audit, solving
from ..extensions import db
from ..models import Matter, Plan, User, utcnow
from ..operations import OperationError
from ..panels import operations as panel_operations
from ..solving import panel_solution_to_json
from ..solving import proof as draw_proof
from ..timeutil import iso_local, parse_local

log = logging.getLogger(__name__)

MAX_REQUESTS = 500
DEFAULT_TIME_LIMIT = 60.0
# Plans of one office waiting or being solved at once: each is minutes of one core.
MAX_OPEN_PLANS = 3

# --- creating ------------------------------------------------------------------------------------


def _visible_matter(user: User, matter_id: int) -> Matter | None:
    matter = db.session.get(Matter, matter_id)
    if matter is None or not user.can_see_county(matter.county):
        return None
    return matter


def check_requests(user: User, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every request names a matter the user may see and passes the panel rules; 422 names each problem."""
    if not items:
        raise OperationError(_("计划中没有评审组请求"), 422, {"_schema": _("至少需要一条请求")})
    if len(items) > MAX_REQUESTS:
        raise OperationError(
            _("一个计划最多 %(n)d 条请求", n=MAX_REQUESTS),
            422,
            {"_schema": _("最多 %(n)d 条", n=MAX_REQUESTS)},
        )
    fields: dict[str, str] = {}
    out = []
    for i, item in enumerate(items):
        matter = _visible_matter(user, item["matter_id"])
        if matter is None:
            fields[f"{i}.matter_id"] = _("事项 %(id)s 不存在或不在您的范围内", id=item["matter_id"])
            continue
        try:
            panel_operations._check_request(item)
        except OperationError as e:
            fields.update({f"{i}.{k}": v for k, v in e.fields.items()})
            continue
        start, end = item["window"]
        out.append(
            {
                "matter_id": matter.id,
                "size": item["size"],
                "seats": dict(item.get("seats") or {}),
                "min_senior": item.get("min_senior", 0),
                "window": [iso_local(start), iso_local(end)],
                "duration_minutes": item["duration_minutes"],
            }
        )
    if fields:
        raise OperationError(
            _("请求数据不符合规则：") + "；".join(f"{k}：{v}" for k, v in fields.items()), 422, fields
        )
    return out


def create_plan(user: User, items: list[dict[str, Any]], title: str = "") -> Plan:
    """Store a queued plan (the caller commits, then calls ``runner.start``)."""
    requests = check_requests(user, items)
    scope = user.scope or "city"
    waiting = Plan.status.in_(("queued", "running"))
    open_plans = db.session.scalar(select(func.count()).select_from(Plan).where(Plan.scope == scope, waiting))
    if (open_plans or 0) >= MAX_OPEN_PLANS:
        raise OperationError(
            _("本单位已有 %(n)d 个计划在排队或求解中，请等其完成后再提交", n=open_plans),
            429,
            {"_schema": _("排队中的计划过多")},
        )
    # The batch's seed comes from a secret nonce (no witness): each panel's draw record carries
    # the nonce, so anyone can recompute the seed and every ticket from it.
    nonce = secrets.token_hex(32)
    plan = Plan(
        title=title[:200],
        status="queued",
        stage="queued",
        scope=scope,
        created_by_id=user.id,
        requests=requests,
        seed=draw_proof.seed_from(nonce, ""),
        nonce=nonce,
        total=len(requests),
        filled=0,
        unfilled=0,
        panel_ids={},
        error="",
    )
    db.session.add(plan)
    db.session.flush()
    audit.record("plan.create", user, target=f"plan:{plan.id}", requests=len(requests), seed=plan.seed)
    return plan


def visible_plans(user: User) -> list[Plan]:
    stmt = select(Plan).order_by(Plan.id.desc()).limit(100)
    if not user.is_city:
        stmt = stmt.where(Plan.scope == user.scope)
    return list(db.session.scalars(stmt))


def get_visible_plan(user: User, plan_id: int) -> Plan | None:
    """The plan, or None when it does not exist; another office's plan is answered the same way,
    and put on the record."""
    plan = db.session.get(Plan, plan_id)
    if plan is None or not user.is_coordinator:
        return None
    if not (user.is_city or plan.scope == user.scope):
        from ..errors import not_in_scope

        not_in_scope(f"plan:{plan_id}", _("计划不存在"))
    return plan


# --- solving --------------------------------------------------------------------------------------


def panel_request(matter: Matter, item: dict[str, Any]) -> solving.PanelRequest:
    data = dict(item)
    data["window"] = (parse_local(item["window"][0]), parse_local(item["window"][1]))
    return panel_operations._request_for(matter, data, seed=None)


def request_id(index: int) -> str:
    """The id of the ``index``-th request's panel inside the batch instance."""
    return str(index + 1)


def run_plan(plan_id: int) -> Plan | None:
    """Solve a queued plan as one batch and store the outcome; a plan already started is left alone."""
    plan = db.session.get(Plan, plan_id, with_for_update=True)
    if plan is None or plan.status != "queued":
        db.session.rollback()
        return plan
    plan.status, plan.stage, plan.started_at = "running", "building", utcnow()
    db.session.commit()
    try:
        matters = {
            m.id: m
            for m in db.session.scalars(
                select(Matter).where(Matter.id.in_({r["matter_id"] for r in plan.requests}))
            )
        }
        requests = [
            (request_id(i), panel_request(matters[r["matter_id"]], r)) for i, r in enumerate(plan.requests)
        ]
        instance = solving.build_panels_instance(requests, seed=plan.seed)
        plan.stage = "solving"
        db.session.commit()
        limit = float(current_app.config.get("PLAN_TIME_LIMIT", DEFAULT_TIME_LIMIT))
        _, solution = solving.solve_instance(instance, time_limit=limit)
    except Exception as e:
        # The task row says what went wrong; the plan can be submitted again.
        log.exception("plan %s failed", plan_id)
        db.session.rollback()
        plan = db.session.get(Plan, plan_id)
        assert plan is not None
        plan.status, plan.stage, plan.finished_at = "failed", "failed", utcnow()
        plan.error = str(e)[:2000] or e.__class__.__name__
        db.session.commit()
        return plan
    plan.instance = instance
    plan.solution = panel_solution_to_json(solution)
    plan.filled, plan.unfilled = len(solution.panels), len(solution.unfilled)
    plan.status, plan.stage, plan.finished_at = "done", "done", utcnow()
    audit.record(
        "plan.solved",
        None,
        target=f"plan:{plan.id}",
        filled=plan.filled,
        unfilled=plan.unfilled,
        seed=solution.seed,
    )
    db.session.commit()
    return plan


# --- showing --------------------------------------------------------------------------------------


STAGE_NAMES = {
    "queued": "排队等待",
    "building": "正在读取专家和日程",
    "solving": "正在求解",
    "done": "已完成",
    "failed": "失败",
}


def proposals(plan: Plan) -> list[dict[str, Any]]:
    """One row per request: the matter, and either the proposed panel or the reasons it is unfilled."""
    matters = {
        m.id: m
        for m in db.session.scalars(
            select(Matter).where(Matter.id.in_({r["matter_id"] for r in plan.requests}))
        )
    }
    solution = plan.solution or {}
    chosen = {p["id"]: p for p in solution.get("panels", [])}
    unfilled = {u["id"]: u["reasons"] for u in solution.get("unfilled", [])}
    names = {e["id"]: e["name"] for e in (plan.instance or {}).get("experts", [])}
    rows = []
    for i, item in enumerate(plan.requests):
        rid = request_id(i)
        matter = matters.get(item["matter_id"])
        row: dict[str, Any] = {
            "index": i,
            "request": item,
            "matter_id": item["matter_id"],
            "matter_title": matter.title if matter else "",
            "panel_id": (plan.panel_ids or {}).get(str(i)),
        }
        if rid in chosen:
            a = chosen[rid]
            seat_of = {eid: sector for sector, ids in a["seats"].items() for eid in ids}
            row["proposal"] = {
                "start": a["start"],
                "end": a["end"],
                "members": [
                    {"expert_id": int(e), "name": names.get(e, e), "seat": seat_of.get(e)}
                    for e in a["experts"]
                ],
            }
        elif rid in unfilled:
            row["reasons"] = unfilled[rid]
        rows.append(row)
    return rows


def plan_to_dict(plan: Plan, with_result: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": plan.id,
        "title": plan.title,
        "status": plan.status,
        "stage": plan.stage,
        "progress": {"total": plan.total, "filled": plan.filled, "unfilled": plan.unfilled},
        "seed": plan.seed,
        "created_at": iso_local(plan.created_at),
        "started_at": iso_local(plan.started_at),
        "finished_at": iso_local(plan.finished_at),
        "applied_at": iso_local(plan.applied_at),
        "error": plan.error or None,
    }
    if with_result and plan.status == "done":
        out["result"] = proposals(plan)
        out["warnings"] = (plan.solution or {}).get("warnings", [])
    return out


def elapsed(plan: Plan) -> timedelta | None:
    if plan.started_at is None:
        return None
    return (plan.finished_at or utcnow()) - plan.started_at
