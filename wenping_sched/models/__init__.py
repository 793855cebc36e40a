"""The data model, one module per aggregate."""

from .access import FeedKey, LoginSession, LoginThrottle
from .audit import AuditChainHead, AuditLog
from .calendar import DAY_KINDS, CalendarDay, CalendarYear
from .credit import CreditEntry, CreditRules, Evaluation, Leave, Suspension
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
from .panel import DRAW_KINDS, DRAW_STATES, DrawRecord, Panel, PanelMember
from .plan import PLAN_STATES, Plan
from .pool import CITY, COUNTIES, SEED_SECTORS, Pool, Sector, office_label, pool_label
from .types import UTCDateTime, utcnow
from .user import ROLES, User

__all__ = [
    "BOOKING_STATES",
    "CATEGORIES",
    "CITY",
    "CONFIRMATION_STATES",
    "COUNTIES",
    "DAY_KINDS",
    "DRAW_KINDS",
    "DRAW_STATES",
    "JOINT_MEETING_DEPARTMENTS",
    "MEETING_KINDS",
    "MEETING_STATES",
    "PLAN_STATES",
    "RISK_LEVELS",
    "ROLES",
    "SEED_SECTORS",
    "STAGES",
    "AuditChainHead",
    "AuditLog",
    "CalendarDay",
    "CalendarYear",
    "Contact",
    "ContactBusy",
    "CreditEntry",
    "CreditRules",
    "Department",
    "DrawRecord",
    "Evaluation",
    "Expert",
    "ExpertBusy",
    "FeedKey",
    "JointMeeting",
    "JointMeetingDepartment",
    "Leave",
    "LoginSession",
    "LoginThrottle",
    "Matter",
    "Panel",
    "PanelMember",
    "Plan",
    "Pool",
    "Room",
    "Sector",
    "Suspension",
    "UTCDateTime",
    "User",
    "expert_sector",
    "office_label",
    "pool_label",
    "utcnow",
]
