"""Benchmark instances in the contract's JSON shape, deterministic from a seed.

* :func:`city_year` — one prefecture's year: about 236 panels and 290 experts (city pool 64,
  seven county pools of about 32), busy half-days all year, 10-day windows.
* :func:`province` — about 3,000 panels and 4,000 experts: fourteen such prefectures.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

SECTORS = (
    "法律",
    "社会稳定",
    "信访",
    "城乡规划",
    "土地征收",
    "环境保护",
    "交通",
    "能源",
    "水利",
    "农业农村",
    "社会保障",
    "教育",
    "卫生健康",
    "民族宗教",
    "经济",
    "安全生产",
    "舆情",
    "财务审计",
)
SCARCE = {"民族宗教", "舆情", "财务审计"}
SECTOR_WEIGHTS = [1 if s in SCARCE else 4 for s in SECTORS]
COUNTIES = ("肃州区", "玉门市", "敦煌市", "金塔县", "瓜州县", "肃北县", "阿克塞县")
EMPLOYERS = (
    "律师事务所",
    "人民医院",
    "第一中学",
    "党校",
    "住建局",
    "自然资源局",
    "交通运输局",
    "民宗局",
    "信访局",
    "发改委",
    "生态环境局",
    "水务局",
    "农业农村局",
    "人社局",
    "会计师事务所",
    "职业技术学院",
)
DEPARTMENTS = (
    "住建局",
    "自然资源局",
    "交通运输局",
    "民宗局",
    "发改委",
    "生态环境局",
    "水务局",
    "农业农村局",
    "人社局",
)
# What a matter of each kind needs, by the 2015 report's seven key categories.
MATTER_SEATS = (
    ("征地搬迁项目", ("土地征收", "法律", "信访", "城乡规划")),
    ("国有企业改制", ("社会保障", "法律", "财务审计", "经济")),
    ("城市建设项目", ("城乡规划", "交通", "法律", "安全生产")),
    ("农村产权改革", ("农业农村", "法律", "信访")),
    ("社会保障政策调整", ("社会保障", "财务审计", "舆情")),
    ("环境治理工程", ("环境保护", "水利", "能源", "法律")),
    ("民族文化活动", ("民族宗教", "社会稳定", "舆情")),
    ("教育医疗改革", ("教育", "卫生健康", "社会稳定")),
)
YEAR = 2026


def _workday_halves(rng: random.Random, share: float) -> list[list[str]]:
    """Busy half-days over the year: each weekday half-day busy with probability ``share``."""
    out = []
    d = date(YEAR, 1, 1)
    while d.year == YEAR:
        if d.weekday() < 5:
            for a, b in (("08:30", "12:00"), ("14:30", "18:00")):
                if rng.random() < share:
                    out.append([f"{d.isoformat()}T{a}", f"{d.isoformat()}T{b}"])
        d += timedelta(days=1)
    return out


def _experts(rng: random.Random, pool: str, place: str, n: int, first: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        k = rng.choice((1, 1, 2, 2, 3))
        sectors: list[str] = []
        while len(sectors) < k:
            s = rng.choices(SECTORS, SECTOR_WEIGHTS)[0]
            if s not in sectors:
                sectors.append(s)
        interests = [f"{place}{rng.choice(DEPARTMENTS)}"] if rng.random() < 0.1 else []
        out.append(
            {
                "id": f"E{first + i:05d}",
                "name": f"专家{first + i:05d}",
                "pool": pool,
                "employer": f"{place}{rng.choice(EMPLOYERS)}",
                "sectors": sectors,
                "senior": rng.random() < 0.35,
                "interests": interests,
                "busy": _workday_halves(rng, rng.uniform(0.1, 0.35)),
                "load": 0,
                "max_load": 12,
            }
        )
    return out


def _prefecture(
    rng: random.Random,
    name: str,
    city_pool: str,
    counties: list[str],
    n_panels: int,
    first_expert: int,
    first_panel: int,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    experts = _experts(rng, city_pool, name, 64, first_expert)
    for county in counties:
        experts += _experts(rng, county, county, rng.randint(30, 34), first_expert + len(experts))
    panels = []
    year_days = (date(YEAR, 12, 18) - date(YEAR, 1, 5)).days
    for j in range(n_panels):
        county = rng.choice(counties)
        local = rng.random() < 0.85
        place = county if local else name
        matter, wanted = rng.choice(MATTER_SEATS)
        seats = rng.sample(wanted, rng.choice((2, 2, 3)))
        start = date(YEAR, 1, 5) + timedelta(days=rng.randrange(year_days))
        end = start + timedelta(days=10)
        panels.append(
            {
                "id": f"P{first_panel + j:05d}",
                "matter": f"{place}{matter}",
                "pools": [county, city_pool] if local else [city_pool],
                "size": rng.choice((5, 5, 5, 7, 7)),
                "seats": {s: 1 for s in seats},
                "min_senior": 1,
                "conflicts": [f"{place}{d}" for d in rng.sample(DEPARTMENTS, 2)],
                "window": [f"{start.isoformat()}T08:30", f"{end.isoformat()}T18:00"],
                "duration_minutes": rng.choice((120, 150, 180, 210)),
            }
        )
    return experts, panels


def _instance(seed: int, experts: list[dict[str, Any]], panels: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": "wenping-panels/1",
        "timezone": "Asia/Shanghai",
        "calendar": {"workdays": "cn"},
        "rules": {"max_same_employer": 1, "seed": seed},
        "experts": experts,
        "panels": panels,
    }


def city_year(seed: int = 2015, n_panels: int = 236) -> dict[str, Any]:
    """Jiuquan's year: 236 panels, a city pool of 64 and seven county pools."""
    rng = random.Random(seed)
    experts, panels = _prefecture(rng, "酒泉市", "city", list(COUNTIES), n_panels, 1, 1)
    return _instance(seed, experts, panels)


def province(seed: int = 2015, n_prefectures: int = 14, panels_each: int = 214) -> dict[str, Any]:
    """A province: fourteen prefectures like :func:`city_year` (about 4,000 experts, 3,000 panels)."""
    rng = random.Random(seed)
    experts: list[dict[str, Any]] = []
    panels: list[dict[str, Any]] = []
    for k in range(n_prefectures):
        name = f"第{k + 1}市"
        counties = [f"{name}{c}" for c in COUNTIES]
        e, p = _prefecture(rng, name, f"{name}本级", counties, panels_each, len(experts) + 1, len(panels) + 1)
        experts += e
        panels += p
    return _instance(seed, experts, panels)
