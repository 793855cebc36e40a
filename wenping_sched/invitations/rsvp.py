"""Personal links: signed RSVP tokens (one invitation each) and calendar-feed tokens (one person each).

The token is the credential (no login): it is signed with the app's secret, names one
invitation and its nonce (a new nonce revokes old links), and stops working once the
meeting is over. A feed token names a person and the version of their feed key: the person
or a coordinator can reissue the link, which revokes every older one. Recording an answer
lives here too; a panel's side of it (the redraw a decline sets off) is panels.answers.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import FeedKey, PanelMember, User
from ..models.outbox import Invitation
from ..models.types import utcnow
from ..operations import OperationError
from ..validation import strip_text, text_problem
from .events import EventInfo, load_event

RSVP_SALT = "wenping.rsvp.v1"
# The 承诺书 an expert ticks when accepting a panel from the RSVP page; kept with the answer.
DECLARATION_TEXT = "本人承诺与该事项无利害关系，如有应主动申请回避"
FEED_SALT = "wenping.calendar.v1"


class TokenError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _serializer(salt: str) -> URLSafeSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"], salt)


@functools.lru_cache(maxsize=16)
def _serializer_for(secret: str, salt: str) -> URLSafeSerializer:
    # One per key and salt: every view of every RSVP link checks a signature.
    return URLSafeSerializer(secret, salt=salt)


def base_url() -> str:
    return str(current_app.config.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/")


def rsvp_token(invitation: Invitation) -> str:
    return str(_serializer(RSVP_SALT).dumps([invitation.id, invitation.nonce]))


def rsvp_url(invitation: Invitation) -> str:
    return f"{base_url()}/rsvp/{rsvp_token(invitation)}"


def event_ics_url(invitation: Invitation) -> str:
    return f"{rsvp_url(invitation)}/event.ics"


def feed_version(person_type: str, person_id: int) -> int:
    """The current version of a person's feed key (0 until the link is first reissued)."""
    version = db.session.scalar(
        select(FeedKey.version).where(FeedKey.person_type == person_type, FeedKey.person_id == person_id)
    )
    return int(version or 0)


def feed_token(person_type: str, person_id: int) -> str:
    version = feed_version(person_type, person_id)
    # Links made before keys could be reissued name no version: they stand for version 0.
    data: list[Any] = [person_type, person_id] if version == 0 else [person_type, person_id, version]
    return str(_serializer(FEED_SALT).dumps(data))


def reissue_feed(user: User | None, person_type: str, person_id: int) -> str:
    """A new calendar-feed link for the person; every older link stops working. Returns the new URL."""
    key = db.session.scalar(
        select(FeedKey).where(FeedKey.person_type == person_type, FeedKey.person_id == person_id)
    )
    if key is None:
        key = FeedKey(person_type=person_type, person_id=person_id, version=0)
        db.session.add(key)
    key.version = (key.version or 0) + 1
    key.changed_at = utcnow()
    db.session.flush()
    audit.record("calendar_feed.reissue", user, target=f"{person_type}:{person_id}", version=key.version)
    return feed_url(person_type, person_id)


def feed_url(person_type: str, person_id: int) -> str:
    return f"{base_url()}/calendar/{feed_token(person_type, person_id)}.ics"


def parse_rsvp_token(token: str) -> tuple[int, str]:
    """The invitation id and nonce a token names; TokenError(404) when it is forged."""
    try:
        invitation_id, nonce = _serializer(RSVP_SALT).loads(token)
        return int(invitation_id), str(nonce)
    except (BadSignature, ValueError, TypeError) as e:
        raise TokenError(404, _("链接无效：请使用邀请邮件中的完整链接")) from e


def load_invitation(token: str) -> tuple[Invitation, EventInfo]:
    """The invitation a token names; 404 when forged or revoked, 410 once the meeting is over."""
    invitation_id, nonce = parse_rsvp_token(token)
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.nonce != nonce:
        raise TokenError(404, _("链接无效或已被新的邀请取代"))
    info = load_event(invitation.subject_type, invitation.subject_id)
    if info is None:
        raise TokenError(404, _("会议不存在"))
    if info.end <= utcnow():
        raise TokenError(410, _("会议已结束，链接已失效"))
    return invitation, info


def load_feed(token: str) -> tuple[str, int]:
    """The person a feed token names; 404 when it is forged or was replaced by a newer link."""
    try:
        data = _serializer(FEED_SALT).loads(token)
        person_type, person_id = str(data[0]), int(data[1])
        version = int(data[2]) if len(data) > 2 else 0
    except (BadSignature, ValueError, TypeError, IndexError, KeyError) as e:
        raise TokenError(404, _("日历链接无效")) from e
    if version != feed_version(person_type, person_id):
        raise TokenError(404, _("日历链接已失效（已重新生成），请使用新的订阅链接"))
    return person_type, person_id


@dataclass
class Answer:
    invitation: Invitation
    changed: bool
    added: list[PanelMember] = field(default_factory=list)
    redraw_reasons: list[dict[str, Any]] = field(default_factory=list)


def needs_declaration(invitation: Invitation) -> bool:
    """Whether accepting on the RSVP page asks for the 承诺书: experts on panels, not departments."""
    return invitation.subject_type == "panel" and invitation.person_type == "expert"


def answer(
    invitation: Invitation, response: str, reason: str = "", attendee: str = "", declared: bool = False
) -> Answer:
    """Record accept or decline; the same answer twice changes nothing. A decline on a panel redraws.

    ``declared``: the expert ticked the 承诺书 with the acceptance; its text and time are kept.
    """
    if response not in ("accept", "decline"):
        raise OperationError(_("请选择接受或谢绝"), 400, {"response": _("应为 accept 或 decline")})
    value = "accepted" if response == "accept" else "declined"
    if invitation.status == "cancelled":
        raise OperationError(_("会议已取消，无需答复"), 409)
    if invitation.status == "withdrawn":
        raise OperationError(_("该邀请已撤回"), 409)
    for name, text, multiline in (("reason", reason, True), ("attendee", attendee, False)):
        problem = text_problem(text or "", multiline)
        if problem:
            raise OperationError(problem, 422, {name: problem})
    reason = strip_text(reason or "")[:500]
    attendee = strip_text(attendee or "")[:64]
    if invitation.response == value and (value == "declined" or attendee in ("", invitation.attendee)):
        return Answer(invitation, changed=False)
    if invitation.response == "declined":
        raise OperationError(_("您已谢绝本次邀请，如需变更请联系维稳办"), 409)
    invitation.response = value
    invitation.reason = reason if value == "declined" else ""
    if attendee:
        invitation.attendee = attendee
    invitation.answered_at = utcnow()
    if value == "accepted" and declared:
        invitation.declaration = DECLARATION_TEXT
        invitation.declaration_at = invitation.answered_at
    audit.record(
        "invitation.answer",
        None,
        target=f"invitation:{invitation.id}",
        response=value,
        subject=f"{invitation.subject_type}:{invitation.subject_id}",
        attendee=invitation.attendee,
        declaration=bool(invitation.declaration) if value == "accepted" else None,
    )
    result = Answer(invitation, changed=True)
    if invitation.subject_type == "panel" and invitation.panel_member_id is not None:
        if _panel_answer is None:
            raise RuntimeError("no panel answer handler registered (panels.init_app)")
        _panel_answer(invitation, value, reason, result)
    hook = _answer_hooks.get(invitation.subject_type)
    if hook is not None:
        hook(invitation)
    return result


# A panel member's answer updates the panel and redraws on a decline: panels registers that step
# (panels.answers.answer_panel) when the app is made, since panels send their invitations from here.
_panel_answer: Any = None


def register_panel_answer(handler: Any) -> None:
    global _panel_answer
    _panel_answer = handler


# Other meeting kinds (joint meetings) learn of answers through a hook: invitation -> None.
_answer_hooks: dict[str, Any] = {}


def register_answer_hook(subject_type: str, hook: Any) -> None:
    _answer_hooks[subject_type] = hook


# Called with the PanelMember when a member who had accepted declines (credit deducts late ones).
_withdrawal_hooks: list[Any] = []


def register_withdrawal_hook(hook: Any) -> None:
    if hook not in _withdrawal_hooks:
        _withdrawal_hooks.append(hook)


def withdrawn(member: PanelMember) -> None:
    """Tell the withdrawal hooks that a member who had accepted has declined."""
    for withdrawal_hook in _withdrawal_hooks:
        withdrawal_hook(member)
