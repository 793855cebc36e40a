"""The MIME message of one mail: multipart/alternative, text, HTML and, last, the calendar.

flask-mail 0.10 would put a text/calendar alternative in without ``method=`` (or, through
``attach()``, as a plain attachment), so the message is built here with the standard email
package; the MAIL_* configuration flask-mail reads is what the sender uses.
"""

from __future__ import annotations

from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app
from flask_babel import gettext as _

from ..models.types import utcnow
from ..validation import printable
from .events import mail_domain

# Lines end in CRLF on the wire; headers are folded by the SMTP policy.
SMTP_POLICY = policy.SMTP


def sender_address() -> str:
    """The bare address mail comes from (the envelope sender and the ORGANIZER)."""
    sender = current_app.config.get("MAIL_DEFAULT_SENDER") or "wenping@localhost"
    if isinstance(sender, tuple | list):
        sender = sender[1]
    return str(sender).rsplit("<", 1)[-1].rstrip(">").strip()


def _address(name: str, email: str) -> Address:
    # A header holds one line: a name or address stored with a line break cannot add a header.
    username, _at, domain = printable(email).replace(" ", "").partition("@")
    return Address(display_name=printable(name), username=username, domain=domain)


def build_message(
    *,
    to_email: str,
    to_name: str,
    subject: str,
    text: str,
    html: str,
    calendar: bytes | None = None,
    method: str | None = None,
    headers: dict[str, str] | None = None,
    sender_name: str | None = None,
) -> EmailMessage:
    """One complete message; with ``calendar``, an iTIP message with ``method`` on the part.

    ``sender_name`` is the office the mail comes from (the county's 维稳办 for its matters).
    """
    msg = EmailMessage(policy=SMTP_POLICY)
    sender_name = sender_name or str(current_app.config.get("MAIL_SENDER_NAME") or _("酒泉市维稳办"))
    msg["From"] = _address(sender_name, sender_address())
    msg["To"] = _address(to_name, to_email)
    msg["Subject"] = printable(subject)
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = make_msgid(domain=mail_domain())
    msg["Auto-Submitted"] = "auto-generated"
    for key, value in (headers or {}).items():
        msg[key] = printable(value)
    # base64 keeps long Chinese lines intact through any relay (no 8BITMIME needed).
    msg.set_content(printable(text, multiline=True), subtype="plain", charset="utf-8", cte="base64")
    msg.add_alternative(printable(html, multiline=True), subtype="html", charset="utf-8", cte="base64")
    if calendar is not None:
        if method not in ("REQUEST", "CANCEL"):
            raise ValueError("an iTIP part needs method REQUEST or CANCEL")
        # The calendar goes last: the richest alternative, the one calendar clients act on.
        msg["Content-Class"] = "urn:content-classes:calendarmessage"
        msg.add_alternative(
            calendar.decode("utf-8"),
            subtype="calendar",
            charset="utf-8",
            cte="base64",
            params={"method": method},
        )
    for part in msg.iter_parts():
        del part["MIME-Version"]
    return msg
