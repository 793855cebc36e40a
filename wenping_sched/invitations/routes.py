"""The RSVP pages (the signed token is the credential), the calendar feeds and the outbox page."""

from __future__ import annotations

import email
import email.parser
import re
import threading
from collections import OrderedDict
from datetime import datetime
from email import policy
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, func, or_, select

from ..auth.routes import coordinator_required
from ..extensions import db
from ..models import Contact, Expert, Matter, Panel, utcnow
from ..models.outbox import Invitation, OutboxMessage
from ..operations import OperationError
from . import ical, outbox, rsvp
from .events import load_event

bp = Blueprint("invitations", __name__)


def _token_failure(e: rsvp.TokenError) -> Any:
    if request.is_json or request.accept_mimetypes.best == "application/json":
        return {
            "error": {"code": "gone" if e.status == 410 else "not_found", "message": e.message, "fields": {}}
        }, e.status
    return render_template("invitations/invalid.html", message=e.message), e.status


def _page(invitation: Invitation, info: Any, **extra: Any) -> str:
    return render_template(
        "invitations/rsvp.html",
        invitation=invitation,
        info=info,
        token=rsvp.rsvp_token(invitation),
        ask_declaration=rsvp.needs_declaration(invitation),
        ics_url=url_for("invitations.event_ics", token=rsvp.rsvp_token(invitation)),
        feed_url=rsvp.feed_url(invitation.person_type, invitation.person_id),
        **extra,
    )


# Rendered RSVP pages by the invitation's state: every mail client, scanner and phone opening
# the same link gets the page from here after one primary-key read. Any change a page shows
# (an answer, a new time or place, a cancellation) changes the key: answers write the
# invitation, and every change of the meeting raises SEQUENCE on each invitation it re-sends.
_page_cache: OrderedDict[tuple[Any, ...], tuple[str, datetime]] = OrderedDict()
_page_cache_lock = threading.Lock()
PAGE_CACHE_SIZE = 4096
# Plain SQL on a raw pooled connection, on purpose: this read runs on every view of every link,
# and building and compiling a statement cost more than the read itself. The key only has to
# be the same for the same state, so the driver's raw values do.
_STATE_SQL = (
    "SELECT i.nonce, i.sequence, i.status, i.response, i.attendee, i.reason, i.declaration_at, "
    "i.answered_at, f.version FROM invitation i LEFT JOIN feed_key f "
    "ON f.person_type = i.person_type AND f.person_id = i.person_id WHERE i.id = {}"
)


def _state_key(invitation_id: int) -> tuple[Any, ...] | None:
    engine = db.engine
    marker = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    conn = engine.raw_connection()
    try:
        cursor = conn.cursor()
        cursor.execute(_STATE_SQL.format(marker), (invitation_id,))
        row = cursor.fetchone()
        cursor.close()
    finally:
        conn.close()  # back to the pool
    return None if row is None else (invitation_id, *row, _locale_key())


def _locale_key() -> str:
    # Without a locale selector every page is in the default locale: no need to parse it per view.
    if current_app.extensions["babel"].locale_selector is None:
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    return str(get_locale())


def _cached_page(token: str) -> str | None:
    try:
        invitation_id, nonce = rsvp.parse_rsvp_token(token)
    except rsvp.TokenError:
        return None
    key = _state_key(invitation_id)
    if key is None or key[1] != nonce:
        return None
    with _page_cache_lock:
        hit = _page_cache.get(key)
        if hit is not None:
            _page_cache.move_to_end(key)
    if hit is None or hit[1] <= utcnow():
        return None
    return hit[0]


def forget_rendered_pages() -> None:
    """Drop this process's rendered RSVP pages (after a change no invitation's state shows, e.g. an
    office's phone number); other processes render theirs again as their invitations change."""
    with _page_cache_lock:
        _page_cache.clear()


def _remember_page(invitation: Invitation, html: str, end: datetime) -> None:
    key = _state_key(invitation.id)
    if key is None:
        return
    with _page_cache_lock:
        _page_cache[key] = (html, end)
        while len(_page_cache) > PAGE_CACHE_SIZE:
            _page_cache.popitem(last=False)


@bp.get("/rsvp/<token>")
def rsvp_page(token: str) -> Any:
    """Show the meeting and two buttons; a GET never records anything (mail scanners follow links)."""
    html = None if session.get("_flashes") else _cached_page(token)
    if html is None:
        try:
            invitation, info = rsvp.load_invitation(token)
        except rsvp.TokenError as e:
            return _token_failure(e)
        html = _page(invitation, info)
        if not session.get("_flashes"):
            _remember_page(invitation, html, info.end)
    response = Response(html)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.post("/rsvp/<token>")
def rsvp_answer(token: str) -> Any:
    """Record accept or decline (form or JSON); the same answer twice answers the same."""
    try:
        invitation, info = rsvp.load_invitation(token)
    except rsvp.TokenError as e:
        return _token_failure(e)
    data: dict[str, Any] = (
        (request.get_json(silent=True) or {}) if request.is_json else request.form.to_dict()
    )
    wants_json = request.is_json
    response_value = str(data.get("response", ""))
    # The RSVP page (its forms carry ``page``) asks for the 承诺书 before an expert accepts; a bare
    # form or JSON post keeps the contract (accept records the answer) and records the 承诺书 if sent.
    declared = data.get("declaration") in (True, "1", "on", "true")
    from_page = not wants_json and data.get("page") == "rsvp"
    try:
        if from_page and response_value == "accept" and rsvp.needs_declaration(invitation) and not declared:
            raise OperationError(_("接受邀请前请勾选承诺书"), 422, {"declaration": _("请勾选承诺书")})
        result = rsvp.answer(
            invitation,
            response_value,
            str(data.get("reason", "") or ""),
            str(data.get("attendee", "") or ""),
            declared=declared,
        )
    except OperationError as e:
        db.session.rollback()
        if wants_json:
            return {
                "error": {
                    "code": e.code or ("conflict" if e.status == 409 else "bad_request"),
                    "message": e.message,
                    "fields": e.fields,
                }
            }, e.status
        return Response(_page(invitation, info, error=e.message), status=e.status)
    db.session.commit()
    ics = url_for("invitations.event_ics", token=token, _external=False)
    if wants_json:
        return {
            "response": invitation.response,
            "attendee": invitation.attendee,
            "answered_at": invitation.answered_at.isoformat() if invitation.answered_at else None,
            "declaration": invitation.declaration,
            "changed": result.changed,
            "ics": rsvp.base_url() + ics,
            "calendar": rsvp.feed_url(invitation.person_type, invitation.person_id),
        }
    return _page(invitation, info, answered=True)


def _ics(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/rsvp/<token>/event.ics")
def event_ics(token: str) -> Any:
    """The one meeting, to add to a calendar after answering."""
    try:
        invitation, info = rsvp.load_invitation(token)
    except rsvp.TokenError as e:
        return _token_failure(e)
    body = ical.feed(
        [
            (
                info,
                invitation.uid,
                invitation.sequence,
                invitation.email or "",
                invitation.name,
                invitation.response,
            )
        ],
        info.title,
    )
    return _ics(body, "meeting.ics")


def _person_name(person_type: str, person_id: int) -> str | None:
    person = (
        db.session.get(Expert, person_id) if person_type == "expert" else db.session.get(Contact, person_id)
    )
    return person.name if person is not None else None


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str) -> Any:
    """Every meeting of one person (declined and withdrawn ones left out)."""
    try:
        person_type, person_id = rsvp.load_feed(token)
    except rsvp.TokenError as e:
        return _token_failure(e)
    name = _person_name(person_type, person_id)
    if name is None:
        abort(404)
    entries = []
    for invitation in db.session.scalars(
        select(Invitation)
        .where(
            Invitation.person_type == person_type,
            Invitation.person_id == person_id,
            Invitation.status != "withdrawn",
            Invitation.response != "declined",
        )
        .order_by(Invitation.id)
    ):
        info = load_event(invitation.subject_type, invitation.subject_id)
        if info is not None:
            entries.append(
                (
                    info,
                    invitation.uid,
                    invitation.sequence,
                    invitation.email or "",
                    invitation.name,
                    invitation.response,
                )
            )
    return _ics(ical.feed(entries, _("%(n)s的稳评会议", n=name)), "wenping.ics")


# --- the outbox, for coordinators ---------------------------------------------------------------


# A person's RSVP and calendar-feed links are their credentials: a coordinator reading the
# outbox sees that the mail holds one, never the link itself (an answer through it would be
# recorded as the expert's).
_PERSONAL_LINK = re.compile(r"(?:https?|webcal)://\S*?/(?:rsvp|calendar)/[A-Za-z0-9_.\-]+(?:/event\.ics)?")


def text_body(raw: bytes) -> str:
    """The Chinese plain-text part of a stored message as the recipient reads it, personal links hidden."""
    message = email.message_from_bytes(raw, policy=policy.default)
    part = message.get_body(preferencelist=("plain",))
    text = str(part.get_content()) if part is not None else ""
    return _PERSONAL_LINK.sub(_("［收件人的个人链接，仅本人可用，此处不显示］"), text)


def recipient_name(raw: bytes) -> str:
    """The name on the message's To line (专家 王五, 维稳办协调员), as the recipient's mail shows it."""
    parsed = email.parser.BytesHeaderParser(policy=policy.default).parsebytes(raw)
    to = parsed["To"]
    addresses = getattr(to, "addresses", ()) if to is not None else ()
    return str(addresses[0].display_name) if addresses else ""


def visible_messages_query(status: str | None = None, panel_id: int | None = None) -> Select[OutboxMessage]:
    """The outbox in the coordinator's scope: a county sees the mail of its own matters' panels."""
    query = (
        select(OutboxMessage)
        .outerjoin(Panel, OutboxMessage.panel_id == Panel.id)
        .outerjoin(Matter, Panel.matter_id == Matter.id)
    )
    if not current_user.is_city:
        query = query.where(Matter.county == current_user.scope)
    if status:
        query = query.where(OutboxMessage.status == status)
    if panel_id:
        query = query.where(OutboxMessage.panel_id == panel_id)
    return query.order_by(OutboxMessage.id.desc())


def visible_messages(
    status: str | None = None, panel_id: int | None = None, limit: int = 200
) -> list[OutboxMessage]:
    return list(db.session.scalars(visible_messages_query(status, panel_id).limit(limit)))


OUTBOX_PAGE_SIZE = 30
OUTBOX_STATES = ("queued", "sending", "sent", "failed")


@bp.get("/outbox")
@coordinator_required
def outbox_page() -> str:
    status = request.args.get("status") or None
    if status not in OUTBOX_STATES:
        status = None
    query = visible_messages_query(status)
    total = int(db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0)
    pages = max(1, -(-total // OUTBOX_PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    rows = list(db.session.scalars(query.limit(OUTBOX_PAGE_SIZE).offset((page - 1) * OUTBOX_PAGE_SIZE)))
    answers = {
        i.id: i
        for i in db.session.scalars(
            select(Invitation).where(Invitation.id.in_([r.invitation_id for r in rows if r.invitation_id]))
        )
    }
    no_server = not current_app.config.get("MAIL_SERVER")
    return render_template(
        "invitations/outbox.html",
        rows=rows,
        answers=answers,
        names={r.id: recipient_name(r.raw) for r in rows},
        status=status,
        no_server=no_server,
        text_body=text_body,
        total=total,
        page=page,
        pages=pages,
        page_args={"status": status} if status else {},
    )


@bp.post("/outbox/deliver")
@coordinator_required
def outbox_deliver() -> Any:
    report = outbox.deliver_all()
    if report.held:
        flash(_("尚未设置发信服务器，邮件暂存在发件箱中，未发出；请联系系统管理员设置后再发送"), "info")
    else:
        flash(
            _(
                "已发送 %(s)d 封，推迟 %(d)d 封，失败 %(f)d 封",
                s=len(report.sent),
                d=len(report.deferred),
                f=len(report.failed),
            ),
            "info",
        )
    return redirect(url_for("invitations.outbox_page"))


def panel_invitations(panel: Panel) -> dict[str, Any]:
    """For the panel page: each invitation's delivery and answer, and the notices to the coordinator."""
    invitations = list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.subject_type == "panel", Invitation.subject_id == panel.id)
            .order_by(Invitation.id)
        )
    )
    messages = list(
        db.session.scalars(
            select(OutboxMessage)
            .where(
                or_(
                    OutboxMessage.panel_id == panel.id,
                    OutboxMessage.invitation_id.in_([i.id for i in invitations]),
                )
            )
            .order_by(OutboxMessage.id)
        )
    )
    last: dict[int, OutboxMessage] = {}
    for m in messages:
        if m.invitation_id:
            last[m.invitation_id] = m
    return {
        "rows": [(i, last.get(i.id)) for i in invitations],
        "notices": [m for m in messages if m.kind == "notice"],
        "no_server": not current_app.config.get("MAIL_SERVER"),
        "text_body": text_body,
    }
