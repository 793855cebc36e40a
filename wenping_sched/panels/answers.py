"""A panel member's answer to an invitation: the panel's side of ``invitations.rsvp.answer``.

rsvp records the answer; this updates the member and the panel, and redraws after a decline.
It is registered with rsvp in ``panels.init_app``.
"""

from __future__ import annotations

from ..extensions import db
from ..invitations import notifications, rsvp
from ..invitations.rsvp import Answer
from ..models import PanelMember
from ..models.outbox import Invitation
from ..operations import OperationError
from . import operations


def answer_panel(invitation: Invitation, value: str, reason: str, result: Answer) -> None:
    """A member's answer on the panel: accepted (the panel may be confirmed) or declined (补抽)."""
    member = db.session.get(PanelMember, invitation.panel_member_id)
    if member is None:
        return
    panel = member.panel
    member.answered_at = invitation.answered_at
    if value == "accepted":
        member.state = "accepted"
        active = operations.active_members(panel)
        if (
            panel.status == "inviting"
            and len(active) >= panel.size
            and all(m.state == "accepted" for m in active)
        ):
            panel.status = "confirmed"
        return
    was_accepted = member.state == "accepted"
    member.state = "declined"
    member.decline_reason = reason
    if panel.status == "confirmed":
        panel.status = "inviting"
    if was_accepted:
        rsvp.withdrawn(member)
    try:
        # 补抽: accepted members stay, decliners are excluded; the redraw invites the newcomers.
        result.added = operations.redraw(None, panel)
    except OperationError as e:
        result.redraw_reasons = list(e.extra.get("reasons", [])) or [
            {"code": e.code or "error", "message": e.message}
        ]
        notifications.notify_redraw_failed(panel, member, result.redraw_reasons, e.message)
    else:
        notifications.notify_replacement(panel, member, result.added)
