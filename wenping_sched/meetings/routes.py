"""The joint-meeting pages: list, call a meeting (with alternatives and the heat map), the year's
quarterly meetings in one step, and the departments' contacts with their busy periods."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from ..auth.routes import coordinator_required
from ..extensions import db
from ..models import Contact, ContactBusy, Department, JointMeeting, Matter
from ..operations import OperationError, commit_or_flash
from ..solving import meetings as scheduling
from ..timeutil import local_now, local_tz, parse_local
from . import operations
from .forms import BusyForm, ContactForm, MeetingForm, MoveForm, QuarterlyForm

bp = Blueprint("meetings", __name__, url_prefix="/joint-meetings")

F = TypeVar("F", bound=Callable[..., Any])


def city_required(view: F) -> F:
    """Joint meetings are called by the city office; county coordinators get 403."""

    @wraps(view)
    @coordinator_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_city:
            abort(403)
        return view(*args, **kwargs)

    return cast(F, wrapped)


def _meeting(meeting_id: int) -> JointMeeting:
    meeting = db.session.get(JointMeeting, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _names() -> dict[str, Any]:
    return {
        "kind_names": operations.KIND_NAMES,
        "status_names": operations.STATUS_NAMES,
        "confirmation_names": operations.CONFIRMATION_NAMES,
    }


@bp.get("")
@city_required
def index() -> str:
    meetings = list(
        db.session.scalars(select(JointMeeting).order_by(JointMeeting.start.desc(), JointMeeting.id.desc()))
    )
    quarterly = QuarterlyForm(formdata=None, year=local_now().year + (1 if local_now().month >= 10 else 0))
    return render_template("meetings/index.html", meetings=meetings, quarterly=quarterly, **_names())


def _default_window(form: MeetingForm) -> None:
    now = local_now()
    monday = (now + timedelta(days=7 - now.weekday())).replace(hour=8, minute=30, second=0, microsecond=0)
    form.window_start.data = monday.replace(tzinfo=None)
    form.window_end.data = (monday + timedelta(days=11)).replace(hour=18, minute=0, tzinfo=None)


def _matter_choices(form: MeetingForm) -> dict[str, Matter]:
    """The matters the meeting can be about: the select's choices, and the matters by choice value."""
    matters = {str(m.id): m for m in operations.visible_matters(current_user)}
    form.matter_id.choices = [SelectChoice("", _("（不关联事项）"))] + [
        SelectChoice(value, f"{m.title}（{m.county or _('市级')}）") for value, m in matters.items()
    ]
    return matters


@bp.route("/new", methods=["GET", "POST"])
@city_required
def new() -> str | Response:
    form = MeetingForm()
    matters = _matter_choices(form)
    departments = list(db.session.scalars(select(Department).order_by(Department.sort_order, Department.id)))
    kind = request.args.get("kind", "adhoc")
    if request.method == "GET":
        form.kind.data = kind if kind in operations.KIND_NAMES else "adhoc"
        form.title.data = _("分析研判会议") if kind == "analysis" else _("稳评联席会议")
        # Opened from a matter's page: that matter comes preselected and names the meeting.
        matter = matters.get(request.args.get("matter_id", ""))
        if matter is not None:
            form.matter_id.data = str(matter.id)
            form.title.data = _("“%(t)s”分析研判会议", t=matter.title)[:200]
        _default_window(form)
        # A joint meeting preselects the thirteen required departments; an analysis meeting chooses its own.
        required = [] if kind == "analysis" else [d.code for d in departments if d.required]
        optional = [] if kind == "analysis" else [d.code for d in departments if not d.required]
    else:
        required = request.form.getlist("required")
        optional = request.form.getlist("optional")
    reasons: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    if form.validate_on_submit():
        tz = local_tz()
        data = {
            "title": form.title.data or "",
            "agenda": form.agenda.data or "",
            "kind": form.kind.data,
            "required": required,
            "optional": optional,
            "window": (form.window_start.data.replace(tzinfo=tz), form.window_end.data.replace(tzinfo=tz)),
            "duration_minutes": form.duration_minutes.data,
            "matter_id": int(form.matter_id.data) if form.matter_id.data else None,
        }
        try:
            scheduled = operations.schedule_meeting(current_user, data)
        except OperationError as e:
            db.session.commit()  # the audit entry of a failed attempt stays
            flash(e.message, "error")
            if "matter_id" in e.fields:
                form.matter_id.errors = [*form.matter_id.errors, e.fields["matter_id"]]
            reasons = e.extra.get("reasons", [])
            warnings = e.extra.get("warnings", [])
        else:
            db.session.commit()
            flash(_("已排定会议时间，请核对后发出邀请"), "success")
            return redirect(url_for("meetings.detail", meeting_id=scheduled.meeting.id))
    return render_template(
        "meetings/new.html",
        form=form,
        departments=departments,
        required=required,
        optional=optional,
        reasons=reasons,
        warnings=warnings,
        **_names(),
    )


@bp.get("/<int:meeting_id>")
@city_required
def detail(meeting_id: int) -> str:
    meeting = _meeting(meeting_id)
    review = None
    if meeting.status != "cancelled" and meeting.start is not None:
        review = scheduling.review(meeting)
    return render_template(
        "meetings/detail.html",
        meeting=meeting,
        review=review,
        contact_names=operations.contact_names(meeting),
        move_form=MoveForm(formdata=None),
        **_names(),
    )


@bp.post("/<int:meeting_id>/invite")
@city_required
def invite(meeting_id: int) -> Response:
    meeting = _meeting(meeting_id)
    commit_or_flash(lambda: operations.invite(current_user, meeting), _("已向各部门发出邀请"))
    return redirect(url_for("meetings.detail", meeting_id=meeting_id))


@bp.post("/<int:meeting_id>/move")
@city_required
def move(meeting_id: int) -> Response:
    meeting = _meeting(meeting_id)
    form = MoveForm()
    try:
        start = parse_local(form.start.data or "") if form.validate_on_submit() else None
    except ValueError:
        start = None
    if start is None:
        flash(_("所选时间无效"), "error")
        return redirect(url_for("meetings.detail", meeting_id=meeting_id))
    commit_or_flash(lambda: operations.move_to(current_user, meeting, start), _("已改到所选时间"))
    return redirect(url_for("meetings.detail", meeting_id=meeting_id))


@bp.post("/<int:meeting_id>/cancel")
@city_required
def cancel(meeting_id: int) -> Response:
    meeting = _meeting(meeting_id)
    commit_or_flash(lambda: operations.cancel(current_user, meeting), _("会议已取消"))
    return redirect(url_for("meetings.detail", meeting_id=meeting_id))


@bp.post("/quarterly")
@city_required
def quarterly() -> Response:
    form = QuarterlyForm()
    if not form.validate_on_submit() or form.year.data is None:
        flash(_("请填写正确的年份"), "error")
        return redirect(url_for("meetings.index"))
    try:
        scheduled = operations.schedule_quarterly(
            current_user, form.year.data, form.duration_minutes.data or 120
        )
    except OperationError as e:
        db.session.commit()
        flash(e.message, "error")
        return redirect(url_for("meetings.index"))
    db.session.commit()
    flash(_("已排定%(y)d年四次季度联席会议，请逐一核对后发出邀请", y=form.year.data), "success")
    for s in scheduled:
        for w in s.warnings:
            flash(w["message"], "warning")
        break
    return redirect(url_for("meetings.index"))


# --- departments, contacts, busy periods ------------------------------------------------


@bp.get("/departments")
@city_required
def departments() -> str:
    rows = list(db.session.scalars(select(Department).order_by(Department.sort_order, Department.id)))
    return render_template("meetings/departments.html", departments=rows)


def _department(department_id: int) -> Department:
    department = db.session.get(Department, department_id)
    if department is None:
        abort(404)
    return department


def _department_page(
    department: Department, busy_form: BusyForm | None = None, contact_form: ContactForm | None = None
) -> str:
    busy_form = busy_form or BusyForm(formdata=None)
    busy_form.contact_id.choices = [SelectChoice(str(c.id), c.name) for c in department.contacts]
    return render_template(
        "meetings/department.html",
        department=department,
        busy_form=busy_form,
        contact_form=contact_form or ContactForm(formdata=None),
        now=local_now(),
    )


@bp.get("/departments/<int:department_id>")
@city_required
def department(department_id: int) -> str:
    return _department_page(_department(department_id))


@bp.post("/departments/<int:department_id>/busy")
@city_required
def add_busy(department_id: int) -> str | Response:
    department = _department(department_id)
    form = BusyForm()
    form.contact_id.choices = [SelectChoice(str(c.id), c.name) for c in department.contacts]
    if not form.validate_on_submit():
        return _department_page(department, busy_form=form)
    contact = db.session.get(Contact, form.contact_id.data)
    if contact is None or contact.department_id != department.id:
        abort(404)
    tz = local_tz()
    start = cast(datetime, form.start.data).replace(tzinfo=tz)
    end = cast(datetime, form.end.data).replace(tzinfo=tz)
    try:
        operations.add_busy(current_user, contact, start, end, form.reason.data or "")
    except OperationError as e:
        db.session.rollback()
        form.end.errors = [*form.end.errors, e.message]
        return _department_page(department, busy_form=form)
    db.session.commit()
    flash(_("已为%(n)s添加不能参会的时间", n=contact.name), "success")
    return redirect(url_for("meetings.department", department_id=department.id))


@bp.post("/busy/<int:busy_id>/delete")
@city_required
def remove_busy(busy_id: int) -> Response:
    busy = db.session.get(ContactBusy, busy_id)
    if busy is None:
        abort(404)
    department_id = busy.contact.department_id
    operations.remove_busy(current_user, busy)
    db.session.commit()
    flash(_("已删除"), "success")
    return redirect(url_for("meetings.department", department_id=department_id))


@bp.post("/contacts/<int:contact_id>/calendar-feed")
@city_required
def reissue_feed(contact_id: int) -> Response:
    """A new calendar-feed link for a department's contact: the old one stops working."""
    from ..invitations import rsvp

    contact = db.session.get(Contact, contact_id)
    if contact is None:
        abort(404)
    rsvp.reissue_feed(current_user, "contact", contact.id)
    db.session.commit()
    flash(_("已为%(n)s重新生成日历订阅链接，旧链接已失效", n=contact.name), "success")
    return redirect(url_for("meetings.department", department_id=contact.department_id))


@bp.post("/departments/<int:department_id>/contacts")
@city_required
def add_contact(department_id: int) -> str | Response:
    department = _department(department_id)
    form = ContactForm()
    if not form.validate_on_submit():
        return _department_page(department, contact_form=form)
    operations.add_contact(
        current_user,
        department,
        form.name.data or "",
        form.position.data or "",
        form.phone.data,
        form.email.data,
    )
    db.session.commit()
    flash(_("已添加联络人"), "success")
    return redirect(url_for("meetings.department", department_id=department.id))
