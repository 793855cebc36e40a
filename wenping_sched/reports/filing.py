"""The filing form (报备表) of one matter: what it holds, and the form as an XLSX workbook."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import select

from .. import xlsx
from ..credit.evaluations import attendance_names, current_evaluations
from ..draws.records import KIND_NAMES, STATUS_NAMES
from ..extensions import db
from ..models import DrawRecord, JointMeeting, Matter, pool_label
from ..timeutil import fmt_local, local_now

COLUMNS = 6  # the form is a six-column grid: label, value (2), label, value (2), or a full-width table


def member_state_names() -> dict[str, str]:
    return {
        "proposed": _("拟抽取"),
        "pending": _("待答复"),
        "accepted": _("已接受"),
        "declined": _("已谢绝"),
        "replaced": _("已替换"),
    }


def panel_status_names() -> dict[str, str]:
    return {
        "proposed": _("已抽取"),
        "inviting": _("邀请中"),
        "confirmed": _("已确认"),
        "cancelled": _("已取消"),
    }


def meeting_status_names() -> dict[str, str]:
    return {
        "proposed": _("待确认"),
        "inviting": _("邀请中"),
        "confirmed": _("已确认"),
        "cancelled": _("已取消"),
    }


def meeting_kind_names() -> dict[str, str]:
    return {"quarterly": _("季度联席会议"), "analysis": _("分析研判会议"), "adhoc": _("临时联席会议")}


@dataclass(frozen=True)
class ExpertRow:
    name: str
    employer: str
    seat: str
    panel: str
    answer: str


@dataclass(frozen=True)
class EvaluationRow:
    name: str
    panel: str
    attendance: str
    score: str
    remarks: str
    version: str


@dataclass(frozen=True)
class DrawRow:
    id: int
    kind: str
    at: str
    seed: int | None
    pools: str
    eligible: int


@dataclass(frozen=True)
class MeetingRow:
    title: str
    kind: str
    at: str
    status: str


@dataclass(frozen=True)
class FilingForm:
    """Everything printed on the form, already in the words a reader sees."""

    matter: Matter
    title: str
    county: str
    filing_office: str
    related: str
    stage: str
    risk_level: str
    filed_on: str
    experts: list[ExpertRow] = field(default_factory=list)
    draws: list[DrawRow] = field(default_factory=list)
    meetings: list[MeetingRow] = field(default_factory=list)
    evaluations: list[EvaluationRow] = field(default_factory=list)


def matter_meetings(matter: Matter) -> list[JointMeeting]:
    """The joint meetings held about the matter, earliest first."""
    stmt = (
        select(JointMeeting)
        .where(JointMeeting.matter_id == matter.id)
        .order_by(JointMeeting.start.is_(None), JointMeeting.start, JointMeeting.id)
    )
    return list(db.session.scalars(stmt))


def draw_records(matter: Matter) -> list[DrawRecord]:
    """Every draw ever made for the matter: revealed, committed but never revealed, abandoned."""
    stmt = select(DrawRecord).where(DrawRecord.matter_id == matter.id).order_by(DrawRecord.id)
    return list(db.session.scalars(stmt))


def _answer(member_state: str, answered_at: datetime | None, reason: str) -> str:
    text = member_state_names().get(member_state, member_state)
    if answered_at is not None:
        text += "（" + fmt_local(answered_at, with_weekday=False) + "）"
    if reason:
        text += _("，理由：%(r)s", r=reason)
    return text


def build_filing(matter: Matter, filed_on: date | None = None) -> FilingForm:
    """The filing form of ``matter`` as of today (or ``filed_on``)."""
    day = filed_on or local_now().date()
    statuses = panel_status_names()
    experts = [
        ExpertRow(
            name=m.expert.name,
            employer=m.expert.employer,
            seat=m.seat or _("综合"),
            panel=f"#{panel.id}（{statuses.get(panel.status, panel.status)}）",
            answer=_answer(m.state, m.answered_at, m.decline_reason),
        )
        for panel in matter.panels
        for m in panel.members
    ]
    draws = [
        DrawRow(
            id=d.id,
            kind=f"{KIND_NAMES.get(d.kind, d.kind)}（{STATUS_NAMES.get(d.status, d.status)}）",
            at=fmt_local(d.created_at, with_weekday=False),
            seed=d.seed,
            pools="、".join(pool_label(p) for p in d.pools),
            eligible=d.eligible_count,
        )
        for d in draw_records(matter)
    ]
    kinds, meeting_statuses = meeting_kind_names(), meeting_status_names()
    meetings = [
        MeetingRow(
            title=m.title,
            kind=kinds.get(m.kind, m.kind),
            at=fmt_local(m.start) if m.start else _("待定"),
            status=meeting_statuses.get(m.status, m.status),
        )
        for m in matter_meetings(matter)
    ]
    county = matter.county or _("市级")
    attendance = attendance_names()
    current = current_evaluations([p.id for p in matter.panels])
    evaluations = [
        EvaluationRow(
            name=e.expert.name,
            panel=f"#{e.panel_id}",
            attendance=attendance.get(e.attendance, e.attendance),
            score=str(e.score) if e.score is not None else "—",
            remarks=e.remarks,
            version=_("第%(v)d版 %(t)s", v=e.version, t=fmt_local(e.created_at, with_weekday=False)),
        )
        for _key, e in sorted(current.items())
    ]
    return FilingForm(
        matter=matter,
        title=_("重大事项社会稳定风险评估报备表"),
        county=county,
        filing_office=(matter.county or _("市")) + _("维稳办"),
        related="、".join(matter.related_organisations or []) or _("无"),
        stage=_("第%(n)d步：%(name)s", n=matter.stage, name=matter.stage_name),
        risk_level=matter.risk_level or _("未定"),
        filed_on=_("%(y)d年%(m)d月%(d)d日", y=day.year, m=day.month, d=day.day),
        experts=experts,
        draws=draws,
        meetings=meetings,
        evaluations=evaluations,
    )


def filing_workbook(form: FilingForm, as_of: datetime | None = None) -> bytes:
    """The filing form as an .xlsx laid out like the printed form; ``as_of`` makes the bytes reproducible."""
    workbook = Workbook()
    sheet = xlsx.new_sheet(workbook, _("报备表"), (16, 12, 26, 13, 14, 28), first=True)
    m = form.matter
    xlsx.title_row(sheet, 1, form.title, COLUMNS)
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=COLUMNS)
    xlsx.write(sheet, 2, 1, _("填报单位：%(o)s　　事项编号：%(id)d", o=form.filing_office, id=m.id))
    row = 3

    def pair(a: str, va: Any, b: str, vb: Any) -> None:
        nonlocal row
        xlsx.put(sheet, row, 1, a, label=True)
        xlsx.put(sheet, row, 2, va, span=2)
        xlsx.put(sheet, row, 4, b, label=True)
        xlsx.put(sheet, row, 5, vb, span=2)
        row += 1

    def line(label: str, value: Any, height: float | None = None) -> None:
        nonlocal row
        xlsx.put(sheet, row, 1, label, label=True)
        xlsx.put(sheet, row, 2, value, span=COLUMNS - 1)
        if height:
            sheet.row_dimensions[row].height = height
        row += 1

    def section(label: str) -> None:
        nonlocal row
        xlsx.put(sheet, row, 1, label, span=COLUMNS, label=True)
        row += 1

    line(_("事项名称"), m.title)
    pair(_("类别"), m.category, _("所属县区"), form.county)
    line(_("评估主体（责任主体）"), m.responsible_department)
    line(_("相关单位"), form.related)
    pair(_("评估步骤"), form.stage, _("风险等级"), form.risk_level)
    if m.description:
        line(_("事项说明"), m.description, height=48)

    section(_("评审专家"))
    header = [_("序号"), _("姓名"), _("工作单位"), _("席位"), _("评审组"), _("答复")]
    rows: list[list[Any]] = [
        [i, e.name, e.employer, e.seat, e.panel, e.answer] for i, e in enumerate(form.experts, start=1)
    ]
    row = xlsx.table(sheet, row, header, rows or [["", _("尚未抽取评审专家"), "", "", "", ""]])

    section(_("抽取记录"))
    header = [_("记录编号"), _("类型"), _("抽取时间"), _("随机种子"), _("符合条件人数"), _("抽取范围")]
    rows = [
        [f"#{d.id}", d.kind, d.at, d.seed if d.seed is not None else "—", d.eligible, d.pools]
        for d in form.draws
    ]
    row = xlsx.table(sheet, row, header, rows or [["", _("无"), "", "", "", ""]])

    section(_("专家评价"))
    header = [_("姓名"), _("评审组"), _("出席情况"), _("评分"), _("备注"), _("评价版本")]
    rows = [[e.name, e.panel, e.attendance, e.score, e.remarks, e.version] for e in form.evaluations]
    row = xlsx.table(sheet, row, header, rows or [[_("尚未评价"), "", "", "", "", ""]])

    section(_("联席会议"))
    for meeting in form.meetings:
        line(meeting.kind, f"{meeting.title}　{meeting.at}　{meeting.status}")
    if not form.meetings:
        line(_("联席会议"), _("无"))

    pair(_("填报日期"), form.filed_on, _("填报单位"), form.filing_office)
    pair(_("填报人"), "", _("审核人"), "")
    sheet.row_dimensions[row - 1].height = 30
    line(_("备注"), m.notes or "", height=48)
    sheet.print_title_rows = "1:2"
    return xlsx.to_bytes(workbook, as_of)
