"""Expert pools (专家库) and the managed sector taxonomy (专业领域)."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Base

CITY = "city"
COUNTIES = ("肃州区", "玉门市", "敦煌市", "金塔县", "瓜州县", "肃北县", "阿克塞县")
SEED_SECTORS = (
    "法律", "社会稳定", "信访", "城乡规划", "土地征收", "环境保护", "交通", "能源", "水利",
    "农业农村", "社会保障", "教育", "卫生健康", "民族宗教", "经济", "安全生产", "舆情", "财务审计",
)  # fmt: skip


class Pool(Base):
    """The city pool (code ``city``) or a county's pool (code = the county's name)."""

    __tablename__ = "pool"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    # The 维稳办 that keeps the pool and asks its experts: named and called in every mail.
    office_name: Mapped[str] = mapped_column(String(64), default="")
    office_phone: Mapped[str] = mapped_column(String(32), default="")

    @property
    def is_city(self) -> bool:
        return self.code == CITY

    @property
    def office(self) -> str:
        """The office's name: as entered, else 酒泉市维稳办 or 肃州区维稳办."""
        return self.office_name or office_label(self.code)


class Sector(Base):
    __tablename__ = "sector"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


def office_label(code: str) -> str:
    """The default name of the 维稳办 of the city or a county."""
    return "酒泉市维稳办" if code == CITY else f"{code}维稳办"


def pool_label(code: str) -> str:
    """How a coordinator names a pool: 市级专家库 or 阿克塞县专家库."""
    return "市级专家库" if code == CITY else f"{code}专家库"
