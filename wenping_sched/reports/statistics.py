"""The numbers of the monthly analysis, quarterly circular and annual summary (月分析、季通报、年总结).

Everything is counted within the coordinator's scope: a county coordinator sees the county's
matters, panels and experts only; the city office sees everything.
"""

from __future__ import annotations

import math
import statistics as stats
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from .. import xlsx
from ..extensions import db
from ..matters.operations import matters_query
from ..models import (
    CATEGORIES,
    COUNTIES,
    STAGES,
    DrawRecord,
    Expert,
    JointMeeting,
    Matter,
    Panel,
    PanelMember,
    Pool,
    User,
    pool_label,
)
from ..timeutil import local_tz
from .filing import meeting_kind_names, panel_status_names

PERIOD_KINDS = ("month", "quarter", "year")
QUARTER_NAMES = ("一", "二", "三", "四")
# A member who holds (or held) a seat: the same rule as the experts' yearly load.
LOAD_STATES = ("proposed", "pending", "accepted")
MAX_BINS = 12


class PeriodError(ValueError):
    """The period asked for is not one the reports know."""


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | year
    year: int
    number: int = 0  # the month (1-12) or the quarter (1-4); 0 for a year

    @classmethod
    def parse(cls, args: Mapping[str, str], today: date) -> Period:
        """From query arguments (period=month&year=2026&month=11 | quarter&q=4 | year).

        Missing values default to the current month, quarter or year.
        """
        kind = args.get("period") or "month"
        if kind not in PERIOD_KINDS:
            raise PeriodError(_("统计周期只能是月、季度或年"))
        try:
            year = int(args.get("year") or today.year)
            if kind == "month":
                number = int(args.get("month") or today.month)
            elif kind == "quarter":
                number = int(args.get("q") or (today.month - 1) // 3 + 1)
            else:
                number = 0
        except ValueError:
            raise PeriodError(_("年份、月份和季度须为整数")) from None
        if not 2000 <= year <= 2100:
            raise PeriodError(_("年份须在2000至2100之间"))
        if (kind == "month" and not 1 <= number <= 12) or (kind == "quarter" and not 1 <= number <= 4):
            raise PeriodError(_("月份须为1至12，季度须为1至4"))
        return cls(kind, year, number)

    @property
    def first_month(self) -> int:
        return {"month": self.number, "quarter": 3 * self.number - 2}.get(self.kind, 1)

    @property
    def months(self) -> int:
        return {"month": 1, "quarter": 3, "year": 12}[self.kind]

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.first_month, 1, tzinfo=local_tz())

    @property
    def end(self) -> datetime:
        index = self.year * 12 + self.first_month - 1 + self.months
        return datetime(index // 12, index % 12 + 1, 1, tzinfo=local_tz())

    @property
    def label(self) -> str:
        if self.kind == "month":
            return _("%(y)d年%(m)d月", y=self.year, m=self.number)
        if self.kind == "quarter":
            return _("%(y)d年第%(q)s季度", y=self.year, q=QUARTER_NAMES[self.number - 1])
        return _("%(y)d年", y=self.year)

    @property
    def title(self) -> str:
        """2026年11月稳评工作月分析 / 2026年第四季度稳评工作季通报 / 2026年稳评工作年总结."""
        suffix = {"month": _("稳评工作月分析"), "quarter": _("稳评工作季通报"), "year": _("稳评工作年总结")}
        return self.label + suffix[self.kind]

    @property
    def key(self) -> str:
        """A short name for file names and the audit log: 2026-11, 2026-Q4, 2026."""
        if self.kind == "month":
            return f"{self.year}-{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.number}"
        return str(self.year)

    def args(self) -> dict[str, int | str]:
        """The query arguments that name this period again."""
        out: dict[str, int | str] = {"period": self.kind, "year": self.year}
        if self.kind == "month":
            out["month"] = self.number
        elif self.kind == "quarter":
            out["q"] = self.number
        return out


@dataclass(frozen=True)
class ExpertLoad:
    name: str
    pool: str
    employer: str
    panels: int


@dataclass(frozen=True)
class LoadSpread:
    """Panels per expert in the period, over every active expert in scope (zeros count: nobody unused)."""

    experts: list[ExpertLoad]
    minimum: int | None
    median: float | None
    maximum: int | None
    stdev: float | None
    histogram: list[tuple[str, int]]

    @property
    def peak(self) -> int:
        return max((n for _label, n in self.histogram), default=0)

    @property
    def mean(self) -> float | None:
        if not self.experts:
            return None
        return round(sum(e.panels for e in self.experts) / len(self.experts), 1)

    @property
    def idle(self) -> int:
        """Experts in scope who sat on no panel in the period."""
        return sum(1 for e in self.experts if e.panels == 0)

    @property
    def evenness(self) -> str:
        """How even the load is, in a word a coordinator uses (from the spread and the deviation)."""
        if not self.experts or not self.maximum:
            return _("本期无人参加评审")
        spread = self.maximum - (self.minimum or 0)
        cv = (self.stdev or 0) / (self.mean or 1)
        if spread <= 1:
            return _("很均衡")
        if cv < 0.5:
            return _("较均衡")
        if cv < 1:
            return _("不太均衡")
        return _("很不均衡")

    @property
    def in_words(self) -> str:
        """The load's spread told plainly: the verdict, the busiest and least busy, how many idle."""
        if not self.experts:
            return _("范围内没有在库专家。")
        if not self.maximum:
            return _("本期没有专家参加评审组。")
        text = _(
            "负荷%(v)s：%(n)d 名专家平均每人参加 %(m)s 个评审组，最多的 %(max)d 个，最少的 %(min)d 个",
            v=self.evenness,
            n=len(self.experts),
            m=f"{self.mean or 0:g}",
            max=self.maximum,
            min=self.minimum or 0,
        )
        if self.idle:
            text += _("；%(i)d 名专家本期未参加，可优先轮到", i=self.idle)
        return text + _("。")


@dataclass(frozen=True)
class StageRow:
    number: int
    name: str
    created: int  # matters registered in the period, now at this stage
    current: int  # every matter in scope now at this stage


@dataclass(frozen=True)
class MeetingRow:
    kind: str
    scheduled: int
    confirmed: int
    cancelled: int


@dataclass(frozen=True)
class Statistics:
    period: Period
    scope: str
    matters_created: int
    by_category: list[tuple[str, int]]
    by_county: list[tuple[str, int]]
    by_stage: list[StageRow]
    panels_drawn: int
    panels_by_status: list[tuple[str, int]]
    declines: int
    redraws: int
    load: LoadSpread
    meetings: list[MeetingRow] | None

    @property
    def meetings_total(self) -> int:
        return sum(m.scheduled for m in self.meetings or [])


def scope_label(user: User) -> str:
    return _("全市") if user.is_city else (user.scope or "")


def _scoped_matter_ids(user: User) -> Select[int]:
    return matters_query(user).with_only_columns(Matter.id).order_by(None)


def _in(column: Any, period: Period) -> ColumnElement[bool]:
    """``column`` falls in the period (start included, end not)."""
    return and_(column >= period.start, column < period.end)


def _ordered(counts: Counter[str], known: tuple[str, ...]) -> list[tuple[str, int]]:
    """The known keys in their order (zeros shown), then anything else the data holds."""
    return [(k, counts[k]) for k in known] + sorted((k, n) for k, n in counts.items() if k not in known)


def histogram(values: list[int]) -> list[tuple[str, int]]:
    """Experts per load: one bar per value up to MAX_BINS values, else equal ranges."""
    if not values:
        return []
    top = max(values)
    width = max(1, math.ceil((top + 1) / MAX_BINS))
    counts = Counter(v // width for v in values)
    bins = []
    for index in range(top // width + 1):
        low, high = index * width, index * width + width - 1
        label = str(low) if width == 1 else f"{low}–{high}"
        bins.append((label, counts[index]))
    return bins


def load_spread(user: User, period: Period, matter_ids: Select[int]) -> LoadSpread:
    counts_stmt = (
        select(PanelMember.expert_id, func.count())
        .join(Panel)
        .where(PanelMember.state.in_(LOAD_STATES), Panel.status != "cancelled")
        .where(_in(Panel.start, period))
        .where(Panel.matter_id.in_(matter_ids))
        .group_by(PanelMember.expert_id)
    )
    counts = {eid: n for eid, n in db.session.execute(counts_stmt)}
    # A county's population is its own pool, plus any city expert who sat on its panels.
    population = select(Expert).join(Expert.pool).where(Expert.active.is_(True) | Expert.id.in_(list(counts)))
    if not user.is_city:
        population = population.where((Pool.code == user.scope) | Expert.id.in_(list(counts)))
    experts = list(db.session.scalars(population.order_by(Pool.sort_order, Expert.id)))
    rows = [ExpertLoad(e.name, pool_label(e.pool.code), e.employer, counts.get(e.id, 0)) for e in experts]
    values = [r.panels for r in rows]
    if not values:
        return LoadSpread(rows, None, None, None, None, [])
    return LoadSpread(
        experts=rows,
        minimum=min(values),
        median=float(stats.median(values)),
        maximum=max(values),
        stdev=round(stats.pstdev(values), 2),
        histogram=histogram(values),
    )


def compute(user: User, period: Period) -> Statistics:
    """The period's numbers within ``user``'s scope."""
    matter_ids = _scoped_matter_ids(user)
    created = list(
        db.session.scalars(
            select(Matter)
            .where(Matter.id.in_(matter_ids), _in(Matter.created_at, period))
            .order_by(Matter.id)
        )
    )
    by_category = _ordered(Counter(m.category for m in created), CATEGORIES)
    city = _("市级")
    counties = (city, *COUNTIES) if user.is_city else (user.scope or "",)
    by_county = _ordered(Counter(m.county or city for m in created), counties)

    created_stage = Counter(m.stage for m in created)
    current_stage = Counter(
        dict(
            db.session.execute(
                select(Matter.stage, func.count()).where(Matter.id.in_(matter_ids)).group_by(Matter.stage)
            ).all()
        )
    )
    by_stage = [
        StageRow(n, name, created_stage[n], current_stage[n]) for n, name in enumerate(STAGES, start=1)
    ]

    panels_in_period = (
        select(Panel.status, func.count())
        .where(Panel.matter_id.in_(matter_ids), _in(Panel.created_at, period))
        .group_by(Panel.status)
    )
    status_counts: Counter[str] = Counter(dict(db.session.execute(panels_in_period).all()))
    names = panel_status_names()
    panels_by_status = [(names[s], status_counts[s]) for s in names] + [
        (s, n) for s, n in sorted(status_counts.items()) if s not in names
    ]

    # A decline counts when it was answered; one set without an answer time, when its panel was drawn.
    declined_at = func.coalesce(PanelMember.answered_at, Panel.created_at)
    declines = db.session.scalar(
        select(func.count())
        .select_from(PanelMember)
        .join(Panel)
        .where(PanelMember.state == "declined", Panel.matter_id.in_(matter_ids), _in(declined_at, period))
    )
    # Replacement draws that filled a panel (a record made before lotteries keeps its old kind).
    redraws = db.session.scalar(
        select(func.count())
        .select_from(DrawRecord)
        .where(
            or_(DrawRecord.kind == "redraw", DrawRecord.legacy_kind == "redraw"),
            DrawRecord.status == "revealed",
            DrawRecord.matter_id.in_(matter_ids),
            _in(DrawRecord.created_at, period),
        )
    )

    return Statistics(
        period=period,
        scope=scope_label(user),
        matters_created=len(created),
        by_category=by_category,
        by_county=by_county,
        by_stage=by_stage,
        panels_drawn=sum(status_counts.values()),
        panels_by_status=panels_by_status,
        declines=declines or 0,
        redraws=redraws or 0,
        load=load_spread(user, period, matter_ids),
        meetings=meeting_rows(user, period),
    )


def meeting_rows(user: User, period: Period) -> list[MeetingRow] | None:
    """Joint meetings by kind whose time falls in the period.

    Joint meetings are the city office's business: a county coordinator gets None.
    """
    if not user.is_city:
        return None
    stmt = (
        select(JointMeeting.kind, JointMeeting.status, func.count())
        .where(_in(JointMeeting.start, period))
        .group_by(JointMeeting.kind, JointMeeting.status)
    )
    counts: Counter[tuple[str, str]] = Counter({(k, s): n for k, s, n in db.session.execute(stmt)})
    rows = []
    for kind, label in meeting_kind_names().items():
        total = sum(n for (k, s), n in counts.items() if k == kind and s != "cancelled")
        rows.append(MeetingRow(label, total, counts[(kind, "confirmed")], counts[(kind, "cancelled")]))
    return rows


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g}" if isinstance(value, int) or value.is_integer() else f"{value:.2f}"


def summary_rows(s: Statistics) -> list[tuple[str, str | int]]:
    rows: list[tuple[str, str | int]] = [
        (_("统计期间"), s.period.label),
        (_("统计范围"), s.scope),
        (_("新登记事项"), s.matters_created),
        (_("抽取评审组"), s.panels_drawn),
        (_("专家谢绝（人次）"), s.declines),
        (_("补抽（次）"), s.redraws),
        (_("参与统计专家（名）"), len(s.load.experts)),
        (_("专家负荷最小值"), _fmt(s.load.minimum)),
        (_("专家负荷中位数"), _fmt(s.load.median)),
        (_("专家负荷最大值"), _fmt(s.load.maximum)),
        (_("专家负荷标准差"), _fmt(s.load.stdev)),
        (_("负荷均衡程度"), s.load.evenness),
    ]
    if s.meetings is not None:
        rows.append((_("联席会议（次）"), s.meetings_total))
    return rows


def statistics_workbook(s: Statistics) -> bytes:
    """The statistics as .xlsx, one sheet per table, each with its title row."""
    workbook = Workbook()
    title = s.period.title
    if s.scope != _("全市"):
        title = f"{s.scope}{title}"

    sheets = 0

    def sheet(name: str, header: list[str], rows: list[list[object]], widths: tuple[float, ...]) -> None:
        nonlocal sheets
        ws = xlsx.new_sheet(workbook, name, widths, first=sheets == 0)
        sheets += 1
        xlsx.title_row(ws, 1, f"{title}·{name}", len(header))
        xlsx.table(ws, 2, header, rows)
        ws.freeze_panes = "A3"
        ws.print_title_rows = "1:2"

    sheet(_("概况"), [_("项目"), _("数值")], [list(r) for r in summary_rows(s)], (28, 24))
    sheet(_("按类别"), [_("类别"), _("事项数")], [list(r) for r in s.by_category], (24, 14))
    sheet(_("按县区"), [_("县区"), _("事项数")], [list(r) for r in s.by_county], (24, 14))
    sheet(
        _("按评估步骤"),
        [_("步骤"), _("本期登记（按当前步骤）"), _("全部事项（当前步骤）")],
        [[f"{r.number}. {r.name}", r.created, r.current] for r in s.by_stage],
        (34, 22, 22),
    )
    sheet(_("评审组"), [_("状态"), _("数量")], [list(r) for r in s.panels_by_status], (20, 14))
    sheet(
        _("专家负荷"),
        [_("姓名"), _("专家库"), _("工作单位"), _("评审组数")],
        [[e.name, e.pool, e.employer, e.panels] for e in s.load.experts],
        (14, 18, 30, 12),
    )
    sheet(_("负荷分布"), [_("评审组数"), _("专家人数")], [list(r) for r in s.load.histogram], (16, 14))
    if s.meetings is not None:
        sheet(
            _("联席会议"),
            [_("类型"), _("安排"), _("已确认"), _("已取消")],
            [[m.kind, m.scheduled, m.confirmed, m.cancelled] for m in s.meetings],
            (20, 12, 12, 12),
        )
    return xlsx.to_bytes(workbook)


def statistics_file_name(s: Statistics) -> str:
    return f"{s.period.title}-{s.period.key}.xlsx"
