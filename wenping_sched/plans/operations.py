"""Plans (年度评审计划): a batch of panel requests solved as one instance, off the request.

``create_plan`` checks the requests and stores a ``queued`` task row; ``run_plan`` (a
background thread, or an RQ job on ``wenping-sched worker``) builds one batch instance
from the database, solves it with ``solver.panels.solve_panels``, validates it and stores
the solution with counts; ``apply_plan`` turns the proposed panels into ``proposed`` panels,
each with its own draw record.

How a plan's draw record replays: the batch solve is the random draw, and its instance,
seed and solution stay on the plan. The solver's large-batch path polishes for a share of
the time the draw took, so re-solving a big batch need not give the same panels again. Each
panel's draw record therefore keeps a one-panel instance with the batch's decisions fixed:
the other panels of the batch are busy times of their members, this panel's members are
``fixed`` and its window is the time the batch chose. Replaying that instance gives the same
members at the same time and re-checks every hard rule on it; the record's ``avoided`` and
``eligible_count`` come from the batch instance, where the choice was made.
"""

from __future__ import annotations

import copy
import logging
import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from solver.instance import InstanceError, panel_solution_to_json, parse_panels

from .. import audit, locking, solving
from ..extensions import db
from ..models import DrawRecord, Expert, Matter, Panel, PanelMember, Plan, User, utcnow
from ..operations import OperationError
from ..panels import operations as panel_operations
from ..timeutil import iso_local, parse_local
from ..validation import printable, year_problem

log = logging.getLogger(__name__)

MAX_REQUESTS = 500
DEFAULT_TIME_LIMIT = 60.0
# Plans of one office waiting or being solved at once: each is minutes of one core.
MAX_OPEN_PLANS = 3
MAX_LISTED_ERRORS = 100

# The spreadsheet's headers (Chinese as coordinators write them; English accepted too).
HEADERS = {
    "事项编号": "matter_id",
    "matter_id": "matter_id",
    "人数": "size",
    "size": "size",
    "席位": "seats",
    "seats": "seats",
    "高级职称人数": "min_senior",
    "min_senior": "min_senior",
    "窗口开始": "window_start",
    "window_start": "window_start",
    "窗口结束": "window_end",
    "window_end": "window_end",
    "时长": "duration_minutes",
    "时长（分钟）": "duration_minutes",
    "duration_minutes": "duration_minutes",
}
REQUIRED_COLUMNS = ("matter_id", "size", "window_start", "window_end", "duration_minutes")


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


def create_plan(user: User, items: list[dict[str, Any]], title: str = "", seed: int | None = None) -> Plan:
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
    plan = Plan(
        title=title[:200],
        status="queued",
        stage="queued",
        scope=scope,
        created_by_id=user.id,
        requests=requests,
        seed=seed if seed is not None else secrets.randbits(31),
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


# --- reading a spreadsheet ----------------------------------------------------------------------


def _int(value: str, column: str, row: int, errors: list[str], minimum: int = 0) -> int | None:
    try:
        number = float(value)
        if not math.isfinite(number) or not number.is_integer():
            raise ValueError(value)
    except ValueError:
        errors.append(_("第 %(r)d 行“%(c)s”应为整数：%(v)s", r=row, c=column, v=printable(value)[:40]))
        return None
    if number < minimum or number > 10_000:
        errors.append(_("第 %(r)d 行“%(c)s”超出范围：%(v)s", r=row, c=column, v=printable(value)[:40]))
        return None
    return int(number)


def _seats(value: str, row: int, errors: list[str]) -> dict[str, int]:
    """``法律:1;信访:1`` (also with ``：``, ``、`` or ``,``) as {"法律": 1, "信访": 1}."""
    seats: dict[str, int] = {}
    for part in (p.strip() for p in value.replace("；", ";").replace("、", ";").replace(",", ";").split(";")):
        if not part:
            continue
        name, sep, count = part.replace("：", ":").partition(":")
        number = _int(count.strip() if sep else "1", "席位", row, errors, minimum=1)
        if number is not None:
            seats[name.strip()] = number
    return seats


def _time(value: str, column: str, row: int, errors: list[str]) -> datetime | None:
    try:
        parsed = parse_local(value.strip().replace(" ", "T").replace("/", "-"))
    except (ValueError, OverflowError):
        errors.append(
            _(
                "第 %(r)d 行“%(c)s”不是有效的时间（如 2026-03-02 08:30）：%(v)s",
                r=row,
                c=column,
                v=printable(value)[:40],
            )
        )
        return None
    problem = year_problem(parsed)
    if problem:
        errors.append(_("第 %(r)d 行“%(c)s”：%(p)s", r=row, c=column, p=problem))
        return None
    return parsed


def read_plan_file(data: bytes, filename: str) -> list[dict[str, Any]]:
    """The requests of a CSV (UTF-8 or GBK) or XLSX file; every bad row is reported by its row number."""
    from ..experts.importer import ImportFailed, _read_table

    try:
        table = _read_table(data, filename)
    except ImportFailed as e:
        raise OperationError(str(e), 422, {"file": str(e)}) from e
    rows = [(n, [c.strip() for c in cells]) for n, cells in table if any(c.strip() for c in cells)]
    if not rows:
        raise OperationError(_("文件是空的"), 422, {"file": _("文件是空的")})
    header = rows[0][1]
    columns = {HEADERS[h.strip()]: i for i, h in enumerate(header) if h.strip() in HEADERS}
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        names = {v: k for k, v in reversed(HEADERS.items())}
        message = _("缺少列：%(c)s", c="、".join(names[m] for m in missing))
        raise OperationError(message, 422, {"file": message})
    errors: list[str] = []
    items = []
    for number, cells in rows[1:]:

        def cell(name: str, cells: list[str] = cells) -> str:
            i = columns.get(name)
            return cells[i] if i is not None and i < len(cells) else ""

        matter_id = _int(cell("matter_id"), "事项编号", number, errors, minimum=1)
        size = _int(cell("size"), "人数", number, errors, minimum=1)
        min_senior = _int(cell("min_senior") or "0", "高级职称人数", number, errors)
        duration = _int(cell("duration_minutes"), "时长", number, errors, minimum=1)
        start = _time(cell("window_start"), "窗口开始", number, errors)
        end = _time(cell("window_end"), "窗口结束", number, errors)
        seats = _seats(cell("seats"), number, errors)
        if start and end and end <= start:
            errors.append(_("第 %(r)d 行窗口结束必须晚于窗口开始", r=number))
            continue
        if None in (matter_id, size, min_senior, duration, start, end):
            continue
        items.append(
            {
                "matter_id": matter_id,
                "size": size,
                "seats": seats,
                "min_senior": min_senior,
                "window": (start, end),
                "duration_minutes": duration,
                "row": number,
            }
        )
    if errors:
        shown = errors[:MAX_LISTED_ERRORS]
        if len(errors) > len(shown):
            shown.append(_("另有 %(n)d 处问题未列出", n=len(errors) - len(shown)))
        raise OperationError("；".join(shown), 422, {"file": "；".join(shown)})
    if len(items) > MAX_REQUESTS:
        message = _("一个计划最多 %(n)d 条请求", n=MAX_REQUESTS)
        raise OperationError(message, 422, {"file": message})
    return items


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


# --- applying -------------------------------------------------------------------------------------


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


def _still_free(expert_ids: list[int], start: datetime, end: datetime) -> str | None:
    """Why the proposal cannot be used now (someone was booked or retired since the solve), or None."""
    active = set(
        db.session.scalars(select(Expert.id).where(Expert.id.in_(expert_ids), Expert.active.is_(True)))
    )
    if len(active) != len(expert_ids):
        return _("有专家已出库")
    busy = solving._commitments(expert_ids, (start, end), None)
    if busy:
        return _("有专家在该时间已被其他评审组占用")
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
        eligible, avoided = solving.screening(parsed, index)
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
        record = DrawRecord(
            panel=panel,
            kind="plan",
            created_by_id=user.id,
            seed=plan.seed,
            pools=list(matter.pools),
            eligible_count=eligible,
            avoided=avoided,
            drawn=[{"expert_id": int(e), "name": names[e], "seat": seat_of.get(e)} for e in fixed.experts],
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
