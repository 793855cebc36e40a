"""The joint-meeting departments (联席会议成员单位), their contacts and the rooms."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from .types import UTCDateTime

# The thirteen departments every joint meeting requires (DOMAIN.md), in protocol order.
JOINT_MEETING_DEPARTMENTS = (
    ("纪委", "市纪律检查委员会"),
    ("监察委", "市监察委员会"),
    ("组织部", "市委组织部"),
    ("宣传部", "市委宣传部"),
    ("信访局", "市信访局"),
    ("发改委", "市发展和改革委员会"),
    ("住建局", "市住房和城乡建设局"),
    ("人社局", "市人力资源和社会保障局"),
    ("教育局", "市教育局"),
    ("卫健委", "市卫生健康委员会"),
    ("生态环境局", "市生态环境局"),
    ("自然资源局", "市自然资源局"),
    ("交通运输局", "市交通运输局"),
)


class Department(Base):
    __tablename__ = "department"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    contacts: Mapped[list[Contact]] = relationship(
        back_populates="department", cascade="all, delete-orphan", order_by="Contact.id", lazy="selectin"
    )


class Contact(Base):
    """A person who represents a department at joint meetings."""

    __tablename__ = "contact"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    position: Mapped[str] = mapped_column(String(64), default="")
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))

    department: Mapped[Department] = relationship(back_populates="contacts")
    busy: Mapped[list[ContactBusy]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="ContactBusy.start"
    )


class ContactBusy(Base):
    __tablename__ = "contact_busy"
    __table_args__ = (CheckConstraint("end_at > start_at", name="busy_ends_after_start"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    start: Mapped[datetime] = mapped_column("start_at", UTCDateTime)
    end: Mapped[datetime] = mapped_column("end_at", UTCDateTime)
    reason: Mapped[str] = mapped_column(String(128), default="")

    contact: Mapped[Contact] = relationship(back_populates="busy")


class Room(Base):
    __tablename__ = "room"
    __table_args__ = (CheckConstraint("capacity >= 0", name="capacity_not_negative"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    capacity: Mapped[int] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(String(128), default="")
