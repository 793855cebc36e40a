"""The seats suggested for a matter's category: the expertise its panel usually needs (one place for it).

A suggestion only fills the request form; the coordinator changes it freely.
"""

from __future__ import annotations

SUGGESTED_SEATS: dict[str, dict[str, int]] = {
    "国有企业改制": {"法律": 1, "社会保障": 1, "财务审计": 1},
    "城市建设": {"法律": 1, "土地征收": 1, "信访": 1},
    "三农": {"农业农村": 1, "土地征收": 1, "法律": 1},
    "社会保障": {"社会保障": 1, "法律": 1, "信访": 1},
    "机构改革": {"法律": 1, "社会稳定": 1},
    "环境保护": {"环境保护": 1, "法律": 1, "舆情": 1},
    "民族宗教": {"民族宗教": 1, "法律": 1, "社会稳定": 1},
    "其他": {"法律": 1, "社会稳定": 1},
}


def suggested_seats(category: str, sectors: list[str]) -> dict[str, int]:
    """The category's usual seats, among the sectors that exist."""
    return {s: n for s, n in SUGGESTED_SEATS.get(category, {}).items() if s in sectors}
