"""Logins: coordinators (city or county scope), experts and department contacts."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import Base
from .department import Department
from .expert import Expert
from .pool import CITY, office_label
from .types import UTCDateTime, utcnow

ROLES = ("coordinator", "expert", "department")


class User(UserMixin, Base):
    __tablename__ = "user"
    __table_args__ = (CheckConstraint("role IN ('coordinator', 'expert', 'department')", name="role_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    # "city" or a county's name; for coordinators only.
    scope: Mapped[str | None] = mapped_column(String(16))
    # How pages and mail name the person: "李文华", of "酒泉市维稳办" (the login is not a name).
    display_name: Mapped[str] = mapped_column(String(64), default="")
    unit: Mapped[str] = mapped_column(String(128), default="")
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("expert.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped when the password changes, so that old API tokens stop working.
    token_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    expert: Mapped[Expert | None] = relationship()
    department: Mapped[Department | None] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.token_version = (self.token_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def name_shown(self) -> str:
        """The person's name: the display name, else the linked expert's name, else the login."""
        if self.display_name:
            return self.display_name
        if self.expert is not None:
            return self.expert.name
        return self.username

    @property
    def unit_shown(self) -> str:
        """The person's unit: as entered, else the expert's employer, the department, or the office."""
        if self.unit:
            return self.unit
        if self.expert is not None:
            return self.expert.employer
        if self.department is not None:
            return self.department.name
        if self.is_coordinator:
            return office_label(self.scope or CITY)
        return ""

    @property
    def is_coordinator(self) -> bool:
        return self.role == "coordinator"

    @property
    def is_city(self) -> bool:
        return self.role == "coordinator" and self.scope == CITY

    def can_see_pool(self, pool_code: str) -> bool:
        if not self.is_coordinator:
            return False
        return self.is_city or pool_code in (CITY, self.scope)

    def can_see_county(self, county: str | None) -> bool:
        """Whether the user may see a matter of this county (None: a city matter)."""
        if not self.is_coordinator:
            return False
        return self.is_city or (county is not None and county == self.scope)
