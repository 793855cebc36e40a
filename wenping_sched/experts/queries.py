"""Reading experts within a user's scope, and their load."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, or_, select

from ..extensions import db
from ..models import CITY, Expert, Pool, Sector, User, expert_sector
from ..standing.load import loads


def visible_pool_codes(user: User) -> list[str] | None:
    """The pools a coordinator sees; None means every pool."""
    if user.is_city:
        return None
    return [CITY, user.scope or CITY]


def search_terms(q: str | None) -> list[str]:
    """The words of a search box, each to be found somewhere in the expert (or matter)."""
    return [word for word in (q or "").replace("\u3000", " ").split() if word][:8]


def _matches(word: str) -> ColumnElement[bool]:
    """The expert's name, phone, employer or one of their sectors holds ``word``."""
    digits = word.replace("-", "")
    return or_(
        Expert.name.icontains(word, autoescape=True),
        Expert.employer.icontains(word, autoescape=True),
        Expert.phone.contains(word, autoescape=True),
        # 0937-2612345 is found by 09372612345 too.
        func.replace(Expert.phone, "-", "").contains(digits, autoescape=True),
        Expert.id.in_(
            select(expert_sector.c.expert_id).join(Sector).where(Sector.name.icontains(word, autoescape=True))
        ),
    )


def experts_query(
    user: User,
    pool: str | None = None,
    sector: str | None = None,
    senior: bool | None = None,
    active: bool | None = True,
    q: str | None = None,
) -> Select[Expert]:
    stmt = select(Expert).join(Expert.pool).order_by(Pool.sort_order, Expert.id)
    for word in search_terms(q):
        stmt = stmt.where(_matches(word))
    codes = visible_pool_codes(user)
    if codes is not None:
        stmt = stmt.where(Pool.code.in_(codes))
    if pool:
        stmt = stmt.where(Pool.code == pool)
    if sector:
        stmt = stmt.where(
            Expert.id.in_(select(expert_sector.c.expert_id).join(Sector).where(Sector.name == sector))
        )
    if senior is not None:
        stmt = stmt.where(Expert.senior.is_(senior))
    if active is not None:
        stmt = stmt.where(Expert.active.is_(active))
    return stmt


def pool_counts(user: User) -> list[tuple[Pool, int, int]]:
    """Each visible pool with its active experts and how many of them are senior."""
    stmt = (
        select(Pool, func.count(Expert.id), func.count(Expert.id).filter(Expert.senior.is_(True)))
        .outerjoin(Expert, (Expert.pool_id == Pool.id) & Expert.active.is_(True))
        .group_by(Pool.id)
        .order_by(Pool.sort_order)
    )
    codes = visible_pool_codes(user)
    if codes is not None:
        stmt = stmt.where(Pool.code.in_(codes))
    return [(p, n, s) for p, n, s in db.session.execute(stmt)]


MAX_BINS = 10


@dataclass
class PoolLoad:
    """The spread of this year's load over one pool's active experts, for the pools page's chart."""

    code: str
    experts: int
    mean: float
    maximum: int
    bins: list[tuple[str, int]]  # (load or range of loads, experts)

    @property
    def peak(self) -> int:
        return max((n for _label, n in self.bins), default=0)


def _bins(values: list[int]) -> list[tuple[str, int]]:
    """Experts per load: one bar per value up to MAX_BINS values, else equal ranges."""
    if not values:
        return []
    top = max(values)
    width = max(1, -(-(top + 1) // MAX_BINS))
    counts = Counter(v // width for v in values)
    return [
        (str(i * width) if width == 1 else f"{i * width}–{i * width + width - 1}", counts[i])
        for i in range(top // width + 1)
    ]


def year_loads(experts: list[Expert]) -> dict[int, int]:
    """Each expert's load this year, counting the panels carried over from before the system."""
    counted = loads([x.id for x in experts])
    return {x.id: (x.prior_load or 0) + counted[x.id] for x in experts}


def pool_loads(user: User, pool: str | None = None) -> list[PoolLoad]:
    """One load histogram per visible pool (or the one asked for), over its active experts."""
    # Columns only: a histogram needs three numbers per expert, not 300 loaded experts.
    rows = db.session.execute(
        experts_query(user, pool=pool, active=True).with_only_columns(Expert.id, Pool.code, Expert.prior_load)
    ).all()
    counted = loads([r[0] for r in rows])
    by_pool: dict[str, list[int]] = {}
    for expert_id, code, prior in rows:
        by_pool.setdefault(code, []).append((prior or 0) + counted[expert_id])
    return [
        PoolLoad(code, len(values), round(sum(values) / len(values), 1), max(values), _bins(values))
        for code, values in by_pool.items()
    ]


def pool_load_summary(expert: Expert) -> tuple[float, int]:
    """The mean and the highest load this year among the expert's pool's active experts."""
    rows = db.session.execute(
        select(Expert.id, Expert.prior_load).where(Expert.pool_id == expert.pool_id, Expert.active.is_(True))
    ).all()
    counted = loads([r[0] for r in rows])
    values = [(prior or 0) + counted[expert_id] for expert_id, prior in rows] or [0]
    return round(sum(values) / len(values), 1), max(values)
