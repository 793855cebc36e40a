"""The calendar objects (RFC 5545) and their iTIP methods (RFC 5546 / 6047).

Times go out in UTC ("...Z"): every client resolves them, and Asia/Shanghai has had no
daylight saving since 1991, so nothing is lost by not sending a VTIMEZONE.

Every text that came from a person (titles, rooms, names) goes through ``_text``: control
characters are dropped, so a calendar feed stays parseable whatever was stored, and every text
property, X-WR-CALNAME included, is a vText (escaped as RFC 5545 says).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from icalendar import Alarm, Calendar, Event, vCalAddress, vText

from ..models.types import utcnow
from ..validation import printable
from .events import EventInfo

PRODID = "-//Jiuquan Weiwenban//wenping-sched 1.0//ZH"
PARTSTAT = {"pending": "NEEDS-ACTION", "accepted": "ACCEPTED", "declined": "DECLINED"}


def _text(value: str, multiline: bool = False) -> vText:
    return vText(printable(value, multiline))


def _param(value: str) -> vText:
    # A parameter value cannot hold a double quote at all (RFC 5545 3.1): it becomes a single one.
    return vText(printable(value).replace('"', "'"))


def _calendar(method: str | None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    return cal


def _organizer(office: str = "") -> vCalAddress:
    sender = str(current_app.config.get("MAIL_DEFAULT_SENDER") or "wenping@localhost")
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    organizer = vCalAddress(f"mailto:{address}")
    name = office or str(current_app.config.get("MAIL_SENDER_NAME") or _("酒泉市维稳办"))
    organizer.params["cn"] = _param(name)
    return organizer


def _attendee(email: str, name: str, partstat: str) -> vCalAddress:
    attendee = vCalAddress(f"mailto:{printable(email).replace(' ', '')}")
    attendee.params["cn"] = _param(name)
    attendee.params["cutype"] = "INDIVIDUAL"
    attendee.params["role"] = "REQ-PARTICIPANT"
    attendee.params["partstat"] = partstat
    attendee.params["rsvp"] = "TRUE"
    return attendee


def event_component(
    info: EventInfo,
    uid: str,
    *,
    sequence: int,
    attendee: tuple[str, str] | None,
    partstat: str = "NEEDS-ACTION",
    cancelled: bool = False,
    url: str | None = None,
    stamp: datetime | None = None,
) -> Event:
    """One VEVENT: the meeting as one person's calendar should hold it."""
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", (stamp or utcnow()).astimezone(UTC))
    event.add("dtstart", info.start.astimezone(UTC))
    event.add("dtend", info.end.astimezone(UTC))
    event.add("summary", _text(info.title))
    event.add("location", _text(info.location))
    description = info.description
    if info.agenda:
        description += "\n" + _("议题：%(a)s", a=info.agenda)
    if url:
        description += "\n" + _("答复（接受/谢绝）：%(u)s", u=url)
    if info.contact:
        description += "\n" + _("联系：%(c)s", c=info.contact)
    event.add("description", _text(description, multiline=True))
    event.add("organizer", _organizer(info.office))
    if attendee is not None and attendee[0]:
        event.add("attendee", _attendee(attendee[0], attendee[1], partstat))
    event.add("class", "PRIVATE")
    event.add("transp", "OPAQUE")
    if url:
        event.add("url", url)
    if cancelled:
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", _text(_("明天：%(t)s", t=info.title)))
        alarm.add("trigger", timedelta(days=-1))
        event.add_component(alarm)
    return event


def itip(
    info: EventInfo, uid: str, *, method: str, sequence: int, email: str, name: str, url: str | None = None
) -> bytes:
    """A REQUEST or CANCEL for one attendee, as the bytes of a text/calendar part."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(method)
    cal = _calendar(method)
    cal.add_component(
        event_component(
            info, uid, sequence=sequence, attendee=(email, name), cancelled=method == "CANCEL", url=url
        )
    )
    return bytes(cal.to_ical())


def feed(entries: Iterable[tuple[EventInfo, str, int, str, str, str]], name: str) -> bytes:
    """A calendar with every meeting of one person: (info, uid, sequence, email, name, response).

    No METHOD: a feed or a download is a plain calendar, not an iTIP message (RFC 5546 forbids
    ATTENDEE in a PUBLISH, and the attendee's answer is worth showing).
    """
    cal = _calendar(None)
    cal.add("x-wr-calname", _text(name))
    cal.add("x-wr-timezone", "Asia/Shanghai")
    for info, uid, sequence, email, person, response in entries:
        cal.add_component(
            event_component(
                info,
                uid,
                sequence=sequence,
                attendee=(email, person),
                partstat=PARTSTAT.get(response, "NEEDS-ACTION"),
                cancelled=info.cancelled,
            )
        )
    return bytes(cal.to_ical())
