"""The yearly credit report: each expert's panels, attendance, average score, points and
suspensions, pool by pool, with the spread of the points; as a page and as XLSX."""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import or_, select

from .. import audit
from ..extensions import db
from ..models import CITY, Expert, Panel, PanelMember, Pool, User, pool_label
from ..models.credit import Suspension
from ..standing.points import cn_date, local_day, scores, year_bounds
from .evaluations import EVALUABLE_PANEL_STATES, EXPECTED_STATES, current_evaluations

# The points' distribution: below the usual threshold, each ten, full marks, above (commendations).
# A bar is labelled with the start of its ten (60 is 60–69): the chart's bars are narrow.
BINS = ((None, 59, "<60"), (60, 69, "60"), (70, 79, "70"), (80, 89, "80"), (90, 99, "90"))


@dataclass
class ExpertYear:
    expert: Expert
    panels: int = 0
    present: int = 0
    late: int = 0
    absent: int = 0
    scores: list[int] = field(default_factory=list)
    points: int = 100
    suspensions: list[str] = field(default_factory=list)

    @property
    def average(self) -> float | None:
        return round(sum(self.scores) / len(self.scores), 1) if self.scores else None


@dataclass
class PoolYear:
    code: str
    rows: list[ExpertYear]


@dataclass
class CreditReport:
    year: int
    pools: list[PoolYear]
    bins: list[tuple[str, int]]

    @property
    def experts(self) -> int:
        return sum(len(p.rows) for p in self.pools)

    @property
    def peak(self) -> int:
        return max((n for _label, n in self.bins), default=0)

    @property
    def suspended(self) -> int:
        return sum(1 for p in self.pools for r in p.rows if r.suspensions)


def points_bins(values: list[int]) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    for v in values:
        label = (
            "100"
            if v == 100
            else ">100"
            if v > 100
            else next(name for low, high, name in BINS if (low is None or v >= low) and v <= high)
        )
        counts[label] += 1
    return [(name, counts[name]) for _low, _high, name in BINS] + [
        ("100", counts["100"]),
        (">100", counts[">100"]),
    ]


def visible_pools(user: User, pool: str | None = None) -> list[str]:
    codes = list(db.session.scalars(select(Pool.code).order_by(Pool.sort_order)))
    if not user.is_city:
        codes = [c for c in codes if c in (CITY, user.scope)]
    if pool:
        codes = [c for c in codes if c == pool]
    return codes


def _suspension_text(s: Suspension) -> str:
    text = _("%(a)s至%(b)s", a=cn_date(local_day(s.start)), b=cn_date(s.until))
    if s.lifted_at is not None:
        text += _("（%(d)s解除）", d=cn_date(local_day(s.lifted_at)))
    return text


def build(user: User, year: int, pool: str | None = None) -> CreditReport:
    """The report for ``year`` over the user's pools (or the one asked for)."""
    codes = visible_pools(user, pool)
    start, end = year_bounds(year)
    experts = list(
        db.session.scalars(
            select(Expert)
            .join(Expert.pool)
            .where(Pool.code.in_(codes))
            .where(or_(Expert.active.is_(True), Expert.retired_at >= start))
            .order_by(Pool.sort_order, Expert.id)
        )
    )
    ids = [e.id for e in experts]
    rows = {e.id: ExpertYear(e) for e in experts}
    members = db.session.execute(
        select(PanelMember.expert_id, Panel.id)
        .join(Panel)
        .where(
            PanelMember.expert_id.in_(ids),
            PanelMember.state.in_(EXPECTED_STATES),
            Panel.status.in_(EVALUABLE_PANEL_STATES),
            Panel.start >= start,
            Panel.start < end,
        )
    ).all()
    panel_ids = {panel_id for _e, panel_id in members}
    for expert_id, _panel_id in members:
        rows[expert_id].panels += 1
    for (_panel_id, expert_id), evaluation in current_evaluations(panel_ids).items():
        row = rows.get(expert_id)
        if row is None:
            continue
        setattr(row, evaluation.attendance, getattr(row, evaluation.attendance) + 1)
        if evaluation.score is not None and evaluation.attendance != "absent":
            row.scores.append(evaluation.score)
    for expert_id, points in scores(ids, year).items():
        rows[expert_id].points = points
    suspensions = db.session.scalars(
        select(Suspension)
        .where(Suspension.expert_id.in_(ids), Suspension.start < end, Suspension.until >= date(year, 1, 1))
        .order_by(Suspension.start)
    )
    for s in suspensions:
        rows[s.expert_id].suspensions.append(_suspension_text(s))
    by_pool: dict[str, list[ExpertYear]] = defaultdict(list)
    for e in experts:
        by_pool[e.pool.code].append(rows[e.id])
    pools = [PoolYear(code, by_pool[code]) for code in codes if by_pool.get(code)]
    return CreditReport(year, pools, points_bins([r.points for r in rows.values()]))


# --- XLSX -----------------------------------------------------------------------------------------


def headers() -> tuple[str, ...]:
    return (
        _("专家库"),
        _("姓名"),
        _("工作单位"),
        _("评审组数"),
        _("按时出席"),
        _("迟到"),
        _("缺席"),
        _("平均评分"),
        _("信用分"),
        _("暂停抽取"),
    )


def _text(sheet: Worksheet, row: int, column: int, value: str) -> None:
    """A text cell that stays text: a name starting with = is never read as a formula."""
    cell = sheet.cell(row=row, column=column)
    cell.value = value
    cell.data_type = "s"


def workbook(report: CreditReport) -> bytes:
    wb = Workbook()
    sheet = wb.active
    assert isinstance(sheet, Worksheet)
    sheet.title = _("%(y)d年信用评价", y=report.year)[:31]
    _text(sheet, 1, 1, _("%(y)d年度专家信用评价汇总", y=report.year))
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    for column, header in enumerate(headers(), start=1):
        _text(sheet, 2, column, header)
        sheet.cell(row=2, column=column).font = Font(bold=True)
    row = 3
    for pool in report.pools:
        for r in pool.rows:
            _text(sheet, row, 1, pool_label(pool.code))
            _text(sheet, row, 2, r.expert.name)
            _text(sheet, row, 3, r.expert.employer)
            for column, value in enumerate((r.panels, r.present, r.late, r.absent), start=4):
                sheet.cell(row=row, column=column, value=value)
            if r.average is not None:
                sheet.cell(row=row, column=8, value=r.average)
            sheet.cell(row=row, column=9, value=r.points)
            _text(sheet, row, 10, "；".join(r.suspensions))
            sheet.cell(row=row, column=10).alignment = Alignment(wrap_text=True)
            row += 1
    row += 1
    _text(sheet, row, 1, _("信用分分布"))
    sheet.cell(row=row, column=1).font = Font(bold=True)
    for label, n in report.bins:
        row += 1
        _text(sheet, row, 1, f"{label}–{int(label) + 9}" if label.isdigit() and label != "100" else label)
        sheet.cell(row=row, column=2, value=n)
    for letter, width in zip("ABCDEFGHIJ", (10, 10, 26, 9, 9, 7, 7, 9, 8, 36), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def export(user: User, year: int, pool: str | None = None) -> tuple[CreditReport, bytes]:
    """The report as XLSX, on the record."""
    report = build(user, year, pool)
    data = workbook(report)
    audit.record("report.export", user, target=f"credit:{year}", kind="credit.xlsx", pool=pool or "")
    return report, data
