"""Small builders for panel instances in the contract's JSON shape, and a validated solve."""

from __future__ import annotations

from typing import Any

from solver.instance import PanelInstance, PanelSolution, parse_panels
from solver.panels import solve_panels
from solver.validate import validate_panels

# Monday 2026-03-02 to Friday 2026-03-06: five plain workdays in the statutory calendar.
WEEK = ["2026-03-02T08:30", "2026-03-06T18:00"]
MONDAY_MORNING = ["2026-03-02T08:30", "2026-03-02T12:00"]


def expert(
    ident: str,
    *,
    pool: str = "city",
    employer: str | None = None,
    sectors: tuple[str, ...] = ("法律",),
    senior: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """One expert; each gets an employer of its own unless told otherwise."""
    return {
        "id": ident,
        "name": f"专家{ident}",
        "pool": pool,
        "employer": employer or f"单位{ident}",
        "sectors": list(sectors),
        "senior": senior,
        **extra,
    }


def experts(n: int, prefix: str = "E", **kw: Any) -> list[dict[str, Any]]:
    return [expert(f"{prefix}{i:02d}", **kw) for i in range(1, n + 1)]


def panel(
    ident: str = "P1",
    *,
    pools: tuple[str, ...] = ("city",),
    size: int = 1,
    window: list[str] = WEEK,
    duration: int = 120,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": ident,
        "matter": f"事项{ident}",
        "pools": list(pools),
        "size": size,
        "window": window,
        "duration_minutes": duration,
        **extra,
    }


def instance(
    experts_: list[dict[str, Any]], panels: list[dict[str, Any]], *, seed: int | None = 1, **rules: Any
) -> PanelInstance:
    data: dict[str, Any] = {
        "format": "wenping-panels/1",
        "timezone": "Asia/Shanghai",
        "calendar": {"workdays": "cn"},
        "rules": {**({"seed": seed} if seed is not None else {}), **rules},
        "experts": experts_,
        "panels": panels,
    }
    return parse_panels(data)


def solve(inst: PanelInstance, **kw: Any) -> PanelSolution:
    """Solve and re-check every hard rule with the independent validator."""
    sol = solve_panels(inst, **kw)
    assert validate_panels(inst, sol) == []
    for u in sol.unfilled:
        assert u.reasons, f"{u.id} unfilled without a reason"
    return sol


def codes(sol: PanelSolution, panel_id: str = "P1") -> list[str]:
    """The reason codes of an unfilled panel."""
    return [r.code for u in sol.unfilled if u.id == panel_id for r in u.reasons]


def members(sol: PanelSolution, panel_id: str = "P1") -> tuple[str, ...]:
    return next(a.experts for a in sol.panels if a.id == panel_id)
