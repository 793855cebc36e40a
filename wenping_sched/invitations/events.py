"""What an invitation says about its meeting, whatever kind of meeting it is.

Panels and joint meetings are different models; the mail, the calendar object and the RSVP
page read one ``EventInfo``. Each kind registers a loader (``register_source``), so the
joint-meeting package can plug in without this package importing it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import CITY, Panel, Pool, office_label
from ..models.outbox import CalendarEvent


@dataclass(frozen=True)
class EventInfo:
    """One meeting as invitations show it; times are aware datetimes (stored UTC)."""

    subject_type: str  # panel | meeting
    subject_id: int
    title: str  # SUMMARY
    kind_label: str  # 评审会 / 联席会议
    start: datetime
    end: datetime
    location: str
    sequence: int
    cancelled: bool
    matter: str = ""
    description: str = ""
    bring: list[str] = field(default_factory=list)  # what to bring
    contact: str = ""  # who to call
    department: bool = False  # a department's invitation: the answer names an attendee
    county: str | None = None  # for the coordinators' scope
    uid: str | None = None  # the meeting's own UID, when its model keeps one
    office: str = ""  # the 维稳办 that asks: the county's for a county matter, else the city's
    office_phone: str = ""
    agenda: str = ""  # a joint meeting's 议题


Loader = Callable[[int], "EventInfo | None"]
_sources: dict[str, Loader] = {}


def register_source(subject_type: str, loader: Loader) -> None:
    """Let a meeting kind tell invitations how to read one of its meetings by id."""
    _sources[subject_type] = loader


def load_event(subject_type: str, subject_id: int) -> EventInfo | None:
    loader = _sources.get(subject_type)
    return loader(subject_id) if loader else None


def event_uid(subject_type: str, subject_id: int, own: str | None = None) -> str:
    """The stable UID of a meeting: its model's own, or one created on first use and kept."""
    if own:
        return own
    row = db.session.scalar(
        select(CalendarEvent).where(
            CalendarEvent.subject_type == subject_type, CalendarEvent.subject_id == subject_id
        )
    )
    if row is None:
        row = CalendarEvent(
            subject_type=subject_type,
            subject_id=subject_id,
            uid=f"{subject_type}-{subject_id}-{uuid.uuid4().hex}@{mail_domain()}",
        )
        db.session.add(row)
        db.session.flush()
    return row.uid


def mail_domain() -> str:
    """The domain of the configured sender: Message-IDs and UIDs are made under it."""
    sender = str(current_app.config.get("MAIL_DEFAULT_SENDER") or "wenping@localhost")
    return sender.rsplit("@", 1)[-1].strip("> ") or "localhost"


@dataclass(frozen=True)
class Office:
    name: str
    phone: str

    @property
    def contact(self) -> str:
        """How a mail says whom to call: 肃州区维稳办，电话 0937-2628110."""
        if self.phone:
            return _("%(o)s，电话 %(p)s", o=self.name, p=self.phone)
        return _("%(o)s（请回复本邮件）", o=self.name)


def office_for(county: str | None) -> Office:
    """The office that asks: a county's 维稳办 for the county's matters, the city's otherwise."""
    code = county or CITY
    pool = db.session.scalar(select(Pool).where(Pool.code == code))
    if pool is None:
        return Office(office_label(code), "")
    return Office(pool.office, pool.office_phone)


def panel_event(panel: Panel) -> EventInfo | None:
    if panel.start is None or panel.end is None:
        return None
    matter = panel.matter
    office = office_for(matter.county)
    return EventInfo(
        subject_type="panel",
        subject_id=panel.id,
        title=_("稳评专家评审会：%(t)s", t=matter.title),
        kind_label=_("专家评审会"),
        start=panel.start,
        end=panel.end,
        location=panel.location or _("地点另行通知"),
        sequence=panel.sequence or 0,
        cancelled=panel.status == "cancelled",
        matter=matter.title,
        description=_(
            "对重大事项“%(t)s”（%(c)s）进行社会稳定风险评估评审。", t=matter.title, c=matter.category
        ),
        bring=[
            _("本人身份证件"),
            _("评估材料（会前另行送达）及审阅意见"),
            _("如与本事项有利害关系，请及时告知并谢绝邀请"),
        ],
        contact=office.contact,
        county=matter.county,
        office=office.name,
        office_phone=office.phone,
    )


def _load_panel(panel_id: int) -> EventInfo | None:
    panel = db.session.get(Panel, panel_id)
    return panel_event(panel) if panel is not None else None


register_source("panel", _load_panel)
