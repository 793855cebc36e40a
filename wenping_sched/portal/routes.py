"""The personal pages: an expert's invitations, calendar feed, busy periods and declared interests;
a department's joint-meeting invitations to confirm and its contacts' busy times."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from ..extensions import db
from ..invitations import rsvp
from ..meetings import operations as meeting_operations
from ..models import ContactBusy, Department, Expert, ExpertBusy, User
from ..operations import OperationError
from ..timeutil import local_now, local_tz
from . import operations, queries
from .forms import BusyForm, ConfirmForm, ContactBusyForm, InterestsForm

bp = Blueprint("portal", __name__, url_prefix="/me")

F = TypeVar("F", bound=Callable[..., Any])


def _user() -> User:
    return cast(User, current_user._get_current_object())


def role_required(*roles: str) -> Callable[[F], F]:
    """A page for experts or department contacts whose login is linked to their record."""

    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = _user()
            if user.role not in roles:
                abort(403)
            if (user.role == "expert" and user.expert is None) or (
                user.role == "department" and user.department is None
            ):
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorate


def _expert() -> Expert:
    return cast(Expert, _user().expert)


def _department() -> Department:
    return cast(Department, _user().department)


def _aware(value: Any) -> datetime:
    return cast(datetime, value).replace(tzinfo=local_tz())


@bp.get("")
@login_required
def home() -> str | Response:
    """An expert's or a department's invitations (coordinators have their dashboard)."""
    user = _user()
    if user.is_coordinator:
        return redirect(url_for("views.home"))
    if user.role == "expert" and user.expert is not None:
        return render_template("portal/expert.html", rows=queries.expert_invitations(user.expert.id))
    if user.role == "department" and user.department is not None:
        return render_template(
            "portal/department.html",
            rows=queries.department_invitations(user.department),
            form=ConfirmForm(formdata=None),
        )
    return render_template("home.html")


@bp.get("/calendar")
@role_required("expert", "department")
def calendar() -> str:
    """The personal calendar-feed links, with how to subscribe on a phone."""
    user = _user()
    feeds: list[tuple[str, str, int | None]]
    if user.role == "expert":
        feeds = [(_expert().name, rsvp.feed_url("expert", _expert().id), None)]
    else:
        feeds = [(c.name, rsvp.feed_url("contact", c.id), c.id) for c in _department().contacts]
    return render_template("portal/calendar.html", feeds=feeds)


@bp.post("/calendar/reissue")
@role_required("expert", "department")
def reissue_feed() -> Response:
    """A new link for the user's own feed (or one of the department's contacts): old links stop working."""
    user = _user()
    if user.role == "expert":
        person_type, person_id = "expert", _expert().id
    else:
        contact_id = request.form.get("contact_id", type=int)
        if contact_id not in {c.id for c in _department().contacts}:
            abort(404)
        person_type, person_id = "contact", int(contact_id or 0)
    rsvp.reissue_feed(user, person_type, person_id)
    db.session.commit()
    flash(_("已重新生成日历订阅链接，旧链接已失效；请在日历中改用下面的新链接"), "success")
    return redirect(url_for(".calendar"))


# --- busy periods ---------------------------------------------------------------------------------


def _busy_page(form: BusyForm | None = None) -> str:
    user = _user()
    if user.role == "expert":
        busy: list[Any] = list(_expert().busy)
        form = form or BusyForm(formdata=None)
    else:
        contacts = _department().contacts
        busy = sorted((b for c in contacts for b in c.busy), key=lambda b: b.start)
        if form is None:
            form = ContactBusyForm(formdata=None)
        cast(ContactBusyForm, form).contact_id.choices = [SelectChoice(str(c.id), c.name) for c in contacts]
    now = local_now()
    return render_template(
        "portal/busy.html",
        form=form,
        upcoming=[b for b in busy if b.end > now],
        past=[b for b in busy if b.end <= now],
    )


@bp.get("/busy")
@role_required("expert", "department")
def busy() -> str:
    return _busy_page()


@bp.post("/busy")
@role_required("expert", "department")
def add_busy() -> str | tuple[str, int] | Response:
    user = _user()
    form: BusyForm
    if user.role == "expert":
        form = BusyForm()
    else:
        contact_form = ContactBusyForm()
        contact_form.contact_id.choices = [SelectChoice(str(c.id), c.name) for c in _department().contacts]
        form = contact_form
    if not form.validate_on_submit():
        return _busy_page(form), 422
    start, end, reason = _aware(form.start.data), _aware(form.end.data), form.reason.data or ""
    try:
        if user.role == "expert":
            operations.add_expert_busy(user, _expert(), start, end, reason)
        else:
            contact = next(
                (c for c in _department().contacts if c.id == cast(ContactBusyForm, form).contact_id.data),
                None,
            )
            if contact is None:
                abort(404)
            meeting_operations.add_busy(user, contact, start, end, reason)
    except OperationError as e:
        db.session.rollback()
        form.end.errors = [*form.end.errors, e.message]
        return _busy_page(form), 422
    db.session.commit()
    flash(_("已添加不能参会的时间"), "success")
    return redirect(url_for(".busy"))


@bp.post("/busy/<int:busy_id>/delete")
@role_required("expert", "department")
def remove_busy(busy_id: int) -> Response:
    user = _user()
    if user.role == "expert":
        busy = db.session.get(ExpertBusy, busy_id)
        if busy is None or busy.expert_id != _expert().id:
            abort(404)
        operations.remove_expert_busy(user, busy)
    else:
        contact_busy = db.session.get(ContactBusy, busy_id)
        if contact_busy is None or contact_busy.contact.department_id != _department().id:
            abort(404)
        meeting_operations.remove_busy(user, contact_busy)
    db.session.commit()
    flash(_("已删除"), "success")
    return redirect(url_for(".busy"))


# --- declared interests ---------------------------------------------------------------------------


@bp.route("/interests", methods=["GET", "POST"])
@role_required("expert")
def interests() -> str | tuple[str, int] | Response:
    expert = _expert()
    form = InterestsForm()
    if request.method == "GET":
        form.interests.data = "\n".join(expert.interests or [])
    elif form.validate_on_submit():
        try:
            operations.set_interests(_user(), expert, form.names())
        except OperationError as e:
            db.session.rollback()
            form.interests.errors = [*form.interests.errors, e.message]
        else:
            db.session.commit()
            flash(_("已保存；今后抽取时将回避与这些单位有关的事项"), "success")
            return redirect(url_for(".interests"))
    html = render_template("portal/interests.html", form=form, expert=expert)
    return (html, 422) if request.method == "POST" else html


# --- a department confirms a joint meeting --------------------------------------------------------


@bp.post("/meetings/<int:invitation_id>/answer")
@role_required("department")
def answer_meeting(invitation_id: int) -> Response:
    """The same operation as the RSVP page, for a logged-in department clerk."""
    invitation = queries.department_invitation(_department(), invitation_id)
    if invitation is None:
        abort(404)
    form = ConfirmForm()
    response = request.form.get("response", "")
    if not form.validate_on_submit():
        flash(_("提交的内容有误，请重试"), "error")
        return redirect(url_for(".home"))
    attendee = (form.attendee.data or "").strip()
    if response == "accept" and not attendee:
        flash(_("请填写出席人姓名"), "error")
        return redirect(url_for(".home"))
    try:
        # The RSVP link's own checks: not revoked, and the meeting not yet over.
        rsvp.load_invitation(rsvp.rsvp_token(invitation))
        rsvp.answer(invitation, response, form.reason.data or "", attendee)
    except rsvp.TokenError as e:
        flash(e.message, "error")
    except OperationError as e:
        db.session.rollback()
        flash(e.message, "error")
    else:
        db.session.commit()
        if response == "accept":
            flash(_("已确认参会，出席人：%(n)s", n=attendee), "success")
        else:
            flash(_("已告知不能参会"), "success")
    return redirect(url_for(".home"))
