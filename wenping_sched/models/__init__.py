"""The data model, one module per aggregate."""

from .access import FeedKey, LoginSession, LoginThrottle
from .audit import AuditLog
from .calendar import DAY_KINDS, CalendarDay, CalendarYear
from .department import JOINT_MEETING_DEPARTMENTS, Contact, ContactBusy, Department, Room
from .expert import Expert, ExpertBusy, expert_sector
from .matter import CATEGORIES, RISK_LEVELS, STAGES, Matter
from .meeting import (
    BOOKING_STATES,
    CONFIRMATION_STATES,
    MEETING_KINDS,
    MEETING_STATES,
    JointMeeting,
    JointMeetingDepartment,
)
from .panel import DrawRecord, Panel, PanelMember
from .plan import PLAN_STATES, Plan
from .pool import CITY, COUNTIES, SEED_SECTORS, Pool, Sector, pool_label
from .types import UTCDateTime, utcnow
from .user import ROLES, User

__all__ = [
    "BOOKING_STATES",
    "CATEGORIES",
    "CITY",
    "CONFIRMATION_STATES",
    "COUNTIES",
    "DAY_KINDS",
    "JOINT_MEETING_DEPARTMENTS",
    "MEETING_KINDS",
    "MEETING_STATES",
    "PLAN_STATES",
    "RISK_LEVELS",
    "ROLES",
    "SEED_SECTORS",
    "STAGES",
    "AuditLog",
    "CalendarDay",
    "CalendarYear",
    "Contact",
    "ContactBusy",
    "Department",
    "DrawRecord",
    "Expert",
    "ExpertBusy",
    "FeedKey",
    "JointMeeting",
    "JointMeetingDepartment",
    "LoginSession",
    "LoginThrottle",
    "Matter",
    "Panel",
    "PanelMember",
    "Plan",
    "Pool",
    "Room",
    "Sector",
    "UTCDateTime",
    "User",
    "expert_sector",
    "pool_label",
    "utcnow",
]
