"""Evaluation after each panel (一项目一评价): once the meeting is over the office rates every
member who was to come (attendance, a score of 1 to 5, remarks). A change is a new version;
the points follow: a deduction the new version no longer earns is undone, a new one is made at
the rules in force, and one that stays keeps the points it was made with.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..extensions import db
from ..models import Matter, Panel, PanelMember, User
from ..models.credit import ATTENDANCE, LOW_SCORES, CreditEntry, Evaluation
from ..models.types import utcnow
from ..operations import OperationError
from ..standing.points import Rules, rules_in_force
from .operations import add_entry, deduct

# Members the office expected at the meeting: invited and not declined (an unanswered
# invitation still counts: the member may have come, or not).
EXPECTED_STATES = ("pending", "accepted")
EVALUABLE_PANEL_STATES = ("inviting", "confirmed")
# How far back the dashboard looks for panels still waiting for their evaluation.
WAITING_DAYS = 180


def attendance_names() -> dict[str, str]:
    return {"present": _("按时出席"), "late": _("迟到"), "absent": _("缺席")}


def is_over(panel: Panel, now: datetime | None = None) -> bool:
    return panel.end is not None and panel.end <= (now or utcnow())


def can_evaluate(panel: Panel, now: datetime | None = None) -> bool:
    """A panel that met: invitations went out, it was not cancelled, and its meeting is over."""
    return panel.status in EVALUABLE_PANEL_STATES and is_over(panel, now)


def expected_members(panel: Panel) -> list[PanelMember]:
    return [m for m in panel.members if m.state in EXPECTED_STATES]


def current_evaluations(panel_ids: Iterable[int]) -> dict[tuple[int, int], Evaluation]:
    """The newest version for each (panel, expert)."""
    ids = list(panel_ids)
    if not ids:
        return {}
    newest = (
        select(Evaluation.panel_id, Evaluation.expert_id, func.max(Evaluation.version).label("version"))
        .where(Evaluation.panel_id.in_(ids))
        .group_by(Evaluation.panel_id, Evaluation.expert_id)
        .subquery()
    )
    stmt = select(Evaluation).join(
        newest,
        (Evaluation.panel_id == newest.c.panel_id)
        & (Evaluation.expert_id == newest.c.expert_id)
        & (Evaluation.version == newest.c.version),
    )
    return {(e.panel_id, e.expert_id): e for e in db.session.scalars(stmt)}


def history(panel: Panel) -> list[Evaluation]:
    """Every version of every member's evaluation, oldest first."""
    stmt = select(Evaluation).where(Evaluation.panel_id == panel.id).order_by(Evaluation.id)
    return list(db.session.scalars(stmt))


def _check(panel: Panel, items: list[dict[str, Any]]) -> dict[int, PanelMember]:
    """Every item names a member the office expected, once, with a valid rating; else 422 naming it."""
    members = {m.expert_id: m for m in expected_members(panel)}
    fields: dict[str, str] = {}
    if not items:
        fields["_schema"] = _("至少评价一名成员")
    seen: set[int] = set()
    for i, item in enumerate(items):
        expert_id = item.get("expert_id")
        if expert_id not in members:
            fields[f"{i}.expert_id"] = _("不是该评审组应到会的成员（编号 %(id)s）", id=expert_id)
        elif expert_id in seen:
            fields[f"{i}.expert_id"] = _("同一成员重复评价（编号 %(id)s）", id=expert_id)
        seen.add(expert_id)  # type: ignore[arg-type]
        if item.get("attendance") not in ATTENDANCE:
            fields[f"{i}.attendance"] = _("应为 present、late 或 absent")
        score = item.get("score")
        if score is None:
            if item.get("attendance") != "absent":
                fields[f"{i}.score"] = _("出席的成员须评分（1–5 分）")
        elif isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            fields[f"{i}.score"] = _("评分应为 1 到 5 的整数")
        if len(item.get("remarks") or "") > 500:
            fields[f"{i}.remarks"] = _("备注不能超过 500 字")
    if fields:
        raise OperationError(_("评价不符合规则：") + "；".join(fields.values()), 422, fields)
    return members


@dataclass(frozen=True)
class _Deduction:
    kind: str
    points: int
    reason: str


def _deductions(panel: Panel, evaluation: Evaluation, rules: Rules) -> list[_Deduction]:
    """What an evaluation costs under ``rules``: absence, lateness, a score of 1 or 2 (for those who came)."""
    label = _("评审组#%(p)d %(t)s", p=panel.id, t=panel.matter.title)
    out = []
    if evaluation.attendance == "absent":
        out.append(_Deduction("absent", rules.absent, _("%(p)s：无故缺席", p=label)))
    elif evaluation.attendance == "late":
        out.append(_Deduction("late", rules.late, _("%(p)s：迟到", p=label)))
    if evaluation.attendance != "absent" and evaluation.score in LOW_SCORES:
        out.append(
            _Deduction("low_score", rules.low_score, _("%(p)s：评分%(s)d分", p=label, s=evaluation.score))
        )
    return out


def _standing_entries(panel_id: int, expert_id: int) -> dict[str, CreditEntry]:
    """The evaluation deductions on the ledger for this member of this panel that were not undone."""
    rows = list(
        db.session.scalars(
            select(CreditEntry)
            .where(
                CreditEntry.panel_id == panel_id,
                CreditEntry.expert_id == expert_id,
                CreditEntry.evaluation_id.is_not(None),
            )
            .order_by(CreditEntry.id)
        )
    )
    undone = {e.reverses_id for e in rows if e.kind == "reversal"}
    return {e.kind: e for e in rows if e.kind != "reversal" and e.id not in undone}


def evaluate(
    user: User, panel: Panel, items: list[dict[str, Any]], now: datetime | None = None
) -> list[Evaluation]:
    """Record the ratings in ``items``; returns the new versions (a rating sent again unchanged adds none)."""
    if not user.is_coordinator or not user.can_see_county(panel.matter.county):
        raise OperationError(_("只能评价本县区事项的评审组"), 403)
    if panel.status not in EVALUABLE_PANEL_STATES:
        raise OperationError(_("该评审组未发出邀请或已取消，无需评价"), 409)
    if not is_over(panel, now):
        raise OperationError(_("评审会尚未结束，结束后才能评价"), 409)
    members = _check(panel, items)
    current = current_evaluations([panel.id])
    rules = rules_in_force()
    assert panel.start is not None
    added: list[Evaluation] = []
    for item in items:
        expert_id = int(item["expert_id"])
        remarks = (item.get("remarks") or "").strip()
        score = item.get("score")
        before = current.get((panel.id, expert_id))
        if before is not None and (before.attendance, before.score, before.remarks) == (
            item["attendance"],
            score,
            remarks,
        ):
            continue
        evaluation = Evaluation(
            panel_id=panel.id,
            expert_id=expert_id,
            version=(before.version + 1) if before else 1,
            attendance=item["attendance"],
            score=score,
            remarks=remarks,
            created_by_id=user.id,
        )
        db.session.add(evaluation)
        try:
            db.session.flush()
        except IntegrityError as e:
            # Another coordinator saved this member's rating at the same moment (the same version).
            raise OperationError(_("评价刚被他人更新，请刷新页面后重试"), 409) from e
        added.append(evaluation)
        _settle(panel, members[expert_id], before, evaluation, rules, user)
    if added:
        audit.record(
            "evaluation.record",
            user,
            target=f"panel:{panel.id}",
            evaluations=[
                {"expert_id": e.expert_id, "version": e.version, "attendance": e.attendance, "score": e.score}
                for e in added
            ],
        )
    return added


def _settle(
    panel: Panel,
    member: PanelMember,
    before: Evaluation | None,
    evaluation: Evaluation,
    rules: Rules,
    user: User,
) -> None:
    """Bring the member's ledger in line with the new version (forward only, as described above).

    A deduction the previous version already earned is not made again, even when it was worth
    nothing then: a correction never charges the past at today's rules.
    """
    assert panel.start is not None
    expert = member.expert
    earned = {d.kind for d in _deductions(panel, before, rules)} if before is not None else set()
    wanted = {d.kind: d for d in _deductions(panel, evaluation, rules)}
    standing = _standing_entries(panel.id, expert.id)
    for kind, entry in standing.items():
        if kind not in wanted:
            add_entry(
                expert,
                "reversal",
                -entry.delta,
                _("评价已更正（第%(v)d版），撤销：%(r)s", v=evaluation.version, r=entry.reason),
                entry.at,
                user,
                rules,
                panel_id=panel.id,
                evaluation_id=evaluation.id,
                reverses_id=entry.id,
            )
    for kind, d in wanted.items():
        if kind not in standing and kind not in earned:
            deduct(
                expert,
                kind,
                d.points,
                d.reason,
                panel.start,
                user,
                rules,
                panel_id=panel.id,
                evaluation_id=evaluation.id,
            )


def waiting(user: User, now: datetime | None = None) -> list[tuple[Panel, int]]:
    """Panels in the user's scope whose meeting is over, with how many members still need rating."""
    moment = now or utcnow()
    stmt = (
        select(Panel)
        .join(Panel.matter)
        .where(
            Panel.status.in_(EVALUABLE_PANEL_STATES),
            Panel.end <= moment,
            Panel.end > moment - timedelta(days=WAITING_DAYS),
        )
        .order_by(Panel.end, Panel.id)
    )
    if not user.is_city:
        stmt = stmt.where(Matter.county == user.scope)
    panels = list(db.session.scalars(stmt))
    done = current_evaluations([p.id for p in panels])
    out = []
    for panel in panels:
        missing = sum(1 for m in expected_members(panel) if (panel.id, m.expert_id) not in done)
        if missing:
            out.append((panel, missing))
    return out
