"""The data model, one module per aggregate."""

from .audit import AuditLog
from .department import JOINT_MEETING_DEPARTMENTS, Contact, ContactBusy, Department, Room
from .expert import Expert, ExpertBusy, expert_sector
from .matter import CATEGORIES, RISK_LEVELS, STAGES, Matter
from .panel import DrawRecord, Panel, PanelMember
from .pool import CITY, COUNTIES, SEED_SECTORS, Pool, Sector, pool_label
from .types import UTCDateTime, utcnow
from .user import ROLES, User

__all__ = [
    "CATEGORIES",
    "CITY",
    "COUNTIES",
    "JOINT_MEETING_DEPARTMENTS",
    "RISK_LEVELS",
    "ROLES",
    "SEED_SECTORS",
    "STAGES",
    "AuditLog",
    "Contact",
    "ContactBusy",
    "Department",
    "DrawRecord",
    "Expert",
    "ExpertBusy",
    "Matter",
    "Panel",
    "PanelMember",
    "Pool",
    "Room",
    "Sector",
    "User",
    "UTCDateTime",
    "expert_sector",
    "pool_label",
    "utcnow",
]
