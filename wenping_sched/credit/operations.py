"""Writing credit: the rules, entries on the ledger, the threshold that suspends, manual
entries, suspending and lifting by hand, and the deduction for a late withdrawal.

Each operation writes its rows and the audit log in the caller's transaction (the views
commit), together with the mail it causes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _

from .. import audit
from ..extensions import db
from ..models import Expert, Panel, PanelMember, User
from ..models.credit import DEFAULT_RULES, LATE_DECLINE_HOURS, CreditEntry, CreditRules, Suspension
from ..models.types import utcnow
from ..operations import OperationError
from ..standing.points import Rules, active_suspension, cn_date, rules_in_force, score, today
from ..timeutil import iso_local, to_local
from . import notifications

MAX_MANUAL_DELTA = 100


def may_adjust(user: User, expert: Expert) -> bool:
    """Whether a coordinator may rate, adjust, suspend or enter leave for this expert: the city
    any expert, a county its own pool's."""
    return user.is_coordinator and (user.is_city or expert.pool.code == user.scope)


def _require_adjust(user: User, expert: Expert) -> None:
    if not may_adjust(user, expert):
        raise OperationError(_("县区协调员只能调整本县区专家库专家的信用"), 403)


# --- the rules ------------------------------------------------------------------------------------


def change_rules(user: User, values: dict[str, int], reason: str = "") -> CreditRules:
    """A new version of the rules, in force from now on; entries already made keep their points."""
    if not user.is_city:
        raise OperationError(_("只有市维稳办协调员可以修改信用规则"), 403)
    before = rules_in_force()
    fields: dict[str, str] = {}
    for key in DEFAULT_RULES:
        value = values.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            fields[key] = _("应为整数")
    if fields:
        raise OperationError(_("请求数据不符合规则：") + "；".join(fields.values()), 422, fields)
    for key in ("absent", "late_decline", "late", "low_score"):
        if not 0 <= values[key] <= 100:
            fields[key] = _("扣分应在 0 到 100 之间")
    if not 0 <= values["threshold"] <= 100:
        fields["threshold"] = _("暂停分数线应在 0 到 100 之间")
    if not 1 <= values["suspension_months"] <= 36:
        fields["suspension_months"] = _("暂停期限应在 1 到 36 个月之间")
    if fields:
        raise OperationError(_("请求数据不符合规则：") + "；".join(fields.values()), 422, fields)
    row = CreditRules(
        **{key: values[key] for key in DEFAULT_RULES}, reason=reason.strip()[:200], created_by_id=user.id
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "credit.rules",
        user,
        target=f"credit_rules:{row.id}",
        before=before.values(),
        after=values,
        reason=reason,
    )
    return row


# --- the ledger -----------------------------------------------------------------------------------


def add_entry(
    expert: Expert,
    kind: str,
    delta: int,
    reason: str,
    at: datetime,
    user: User | None = None,
    rules: Rules | None = None,
    **links: Any,
) -> CreditEntry:
    """One line on the expert's ledger (``links``: panel_id, evaluation_id, leave_id, reverses_id)."""
    entry = CreditEntry(
        expert_id=expert.id,
        kind=kind,
        delta=delta,
        reason=reason[:500],
        at=at,
        created_by_id=user.id if user else None,
        rules_id=rules.id if rules else None,
        **links,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    result: date = day + relativedelta(months=months)
    return result


def check_threshold(expert: Expert, year: int, now: datetime | None = None) -> Suspension | None:
    """Suspend at once when a deduction took the year's points below the threshold.

    An expert already suspended stays as they are; points counted in a past year suspend too,
    because the record they describe is the same.
    """
    rules = rules_in_force()
    points = score(expert.id, year)
    if points >= rules.threshold or active_suspension(expert.id) is not None:
        return None
    moment = now or utcnow()
    start_day = to_local(moment).date()
    suspension = Suspension(
        expert_id=expert.id,
        kind="automatic",
        start=moment,
        until=add_months(start_day, rules.suspension_months),
        score=points,
        reason=_(
            "%(y)d年信用分%(s)d，低于%(t)d分，自动暂停抽取%(m)d个月",
            y=year,
            s=points,
            t=rules.threshold,
            m=rules.suspension_months,
        ),
    )
    db.session.add(suspension)
    db.session.flush()
    audit.record(
        "credit.suspend",
        None,
        target=f"expert:{expert.id}",
        kind="automatic",
        score=points,
        threshold=rules.threshold,
        until=suspension.until.isoformat(),
    )
    notifications.notify_suspended(expert, suspension, points)
    return suspension


def deduct(
    expert: Expert,
    kind: str,
    points: int,
    reason: str,
    at: datetime,
    user: User | None = None,
    rules: Rules | None = None,
    **links: Any,
) -> CreditEntry | None:
    """A deduction of ``points`` (skipped when the rule is worth nothing), then the threshold check."""
    if points <= 0:
        return None
    entry = add_entry(expert, kind, -points, reason, at, user, rules, **links)
    check_threshold(expert, to_local(at).year)
    return entry


def manual_entry(user: User, expert: Expert, delta: int, reason: str) -> CreditEntry:
    """A coordinator's entry (a complaint, a commendation): ``delta`` points, with the reason."""
    _require_adjust(user, expert)
    reason = (reason or "").strip()
    fields = {}
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        fields["delta"] = _("应为非零整数")
    elif abs(delta) > MAX_MANUAL_DELTA:
        fields["delta"] = _("每次调整不超过 %(n)d 分", n=MAX_MANUAL_DELTA)
    if not reason:
        fields["reason"] = _("请填写调整原因")
    elif len(reason) > 200:
        fields["reason"] = _("原因不能超过 200 字")
    if fields:
        raise OperationError(_("请求数据不符合规则：") + "；".join(fields.values()), 422, fields)
    now = utcnow()
    entry = add_entry(expert, "manual", delta, reason, now, user)
    audit.record(
        "credit.manual", user, target=f"expert:{expert.id}", entry=entry.id, delta=delta, reason=reason
    )
    if delta < 0:
        check_threshold(expert, to_local(now).year, now)
    return entry


# --- suspension by hand ---------------------------------------------------------------------------


def suspend(user: User, expert: Expert, until: date, reason: str) -> Suspension:
    """Suspend by hand through ``until``; a suspension in force is replaced by this one."""
    _require_adjust(user, expert)
    reason = (reason or "").strip()
    fields = {}
    if until < today():
        fields["until"] = _("暂停截止日期不能早于今天")
    if not reason:
        fields["reason"] = _("请填写暂停原因")
    elif len(reason) > 200:
        fields["reason"] = _("原因不能超过 200 字")
    if fields:
        raise OperationError(_("请求数据不符合规则：") + "；".join(fields.values()), 422, fields)
    now = utcnow()
    current = active_suspension(expert.id)
    if current is not None:
        current.lifted_at, current.lifted_by_id = now, user.id
        current.lift_reason = _("改为暂停至%(d)s", d=cn_date(until))
    suspension = Suspension(
        expert_id=expert.id,
        kind="manual",
        start=now,
        until=until,
        score=score(expert.id),
        reason=reason,
        created_by_id=user.id,
    )
    db.session.add(suspension)
    db.session.flush()
    audit.record(
        "credit.suspend",
        user,
        target=f"expert:{expert.id}",
        kind="manual",
        until=until.isoformat(),
        reason=reason,
        replaced=current.id if current else None,
    )
    notifications.notify_suspended(expert, suspension, suspension.score or 0)
    return suspension


def lift(user: User, expert: Expert, reason: str) -> Suspension:
    """Lift the suspension in force, with the reason: the expert is drawn again from now on."""
    _require_adjust(user, expert)
    reason = (reason or "").strip()
    if not reason:
        raise OperationError(_("请填写解除暂停的原因"), 422, {"reason": _("请填写解除暂停的原因")})
    if len(reason) > 200:
        raise OperationError(_("原因不能超过 200 字"), 422, {"reason": _("原因不能超过 200 字")})
    current = active_suspension(expert.id)
    if current is None:
        raise OperationError(_("该专家当前未被暂停抽取"), 409)
    current.lifted_at, current.lifted_by_id, current.lift_reason = utcnow(), user.id, reason
    audit.record("credit.lift", user, target=f"expert:{expert.id}", suspension=current.id, reason=reason)
    notifications.notify_suspension_lifted(expert, current)
    return current


# --- withdrawing from an accepted panel -----------------------------------------------------------


def is_late(panel: Panel, at: datetime) -> bool:
    """Less than LATE_DECLINE_HOURS before the meeting starts."""
    return panel.start is not None and panel.start - at < timedelta(hours=LATE_DECLINE_HOURS)


def late_withdrawal(
    member: PanelMember, at: datetime, reason: str, user: User | None = None, leave_id: int | None = None
) -> CreditEntry | None:
    """The deduction for leaving an accepted panel less than 24 hours before it meets, or None."""
    panel = member.panel
    if not is_late(panel, at):
        return None
    rules = rules_in_force()
    entry = deduct(
        member.expert,
        "late_decline",
        rules.late_decline,
        reason,
        at,
        user,
        rules,
        panel_id=panel.id,
        leave_id=leave_id,
    )
    if entry is not None:
        audit.record(
            "credit.late_decline",
            user,
            target=f"expert:{member.expert_id}",
            panel=panel.id,
            delta=entry.delta,
            at=iso_local(at),
        )
    return entry


def record_withdrawal(member: PanelMember) -> CreditEntry | None:
    """The RSVP hook: a member who had accepted declined (from the mail or the portal)."""
    at = member.answered_at or utcnow()
    return late_withdrawal(
        member,
        at,
        _(
            "会前不足%(h)d小时谢绝已接受的邀请（评审组#%(p)d %(t)s）",
            h=LATE_DECLINE_HOURS,
            p=member.panel_id,
            t=member.panel.matter.title,
        ),
    )
