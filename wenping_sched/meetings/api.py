"""/api/v1/joint-meetings: the city's joint meetings."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask_babel import gettext as _
from sqlalchemy import select

from ..auth.api import require_coordinator, token_auth
from ..errors import api_abort
from ..extensions import db
from ..models import JointMeeting, User
from ..operations import OperationError
from ..solving import meetings as scheduling
from . import operations
from .schemas import JointMeetingIn, JointMeetingOut

bp = APIBlueprint("meetings_api", __name__, url_prefix="/api/v1/joint-meetings", tag="联席会议")


def require_city() -> User:
    """Joint meetings are the city office's: 403 for county coordinators and everyone else."""
    user = require_coordinator()
    if not user.is_city:
        api_abort(403, _("联席会议由市维稳办召集，县区协调员无权操作"))
    return user


def _get(meeting_id: int) -> JointMeeting:
    require_city()
    meeting = db.session.get(JointMeeting, meeting_id)
    if meeting is None:
        api_abort(404, _("会议不存在"))
    return meeting


def _fail(e: OperationError) -> None:
    api_abort(e.status, e.message, e.fields, e.code, **e.extra)


@bp.post("")
@bp.auth_required(token_auth)
@bp.input(JointMeetingIn, arg_name="body")
@bp.output(JointMeetingOut, status_code=201)
@bp.doc(
    summary="召集联席会议：排定时间、会议室和各部门出席人，并向各部门发出邀请",
    description="无法安排时返回 422，error.reasons 为求解器给出的原因（department_unavailable、no_room、"
    "no_common_slot、no_workday），error.warnings 为日历提示（calendar_unknown）。",
    responses=[400, 401, 403, 422],
)
def create(body: dict[str, Any]) -> Any:
    user = require_city()
    try:
        scheduled = operations.schedule_meeting(user, body)
        operations.invite(user, scheduled.meeting)
    except OperationError as e:
        db.session.commit()  # the audit entry of a failed attempt stays
        _fail(e)
    db.session.commit()
    return operations.meeting_to_dict(scheduled.meeting, scheduled.alternatives)


@bp.get("")
@bp.auth_required(token_auth)
@bp.output(JointMeetingOut(many=True))
@bp.doc(summary="联席会议列表", responses=[401, 403])
def index() -> Any:
    require_city()
    meetings = db.session.scalars(
        select(JointMeeting).order_by(JointMeeting.start.desc(), JointMeeting.id.desc())
    )
    return [operations.meeting_to_dict(m) for m in meetings]


@bp.get("/<int:meeting_id>")
@bp.auth_required(token_auth)
@bp.output(JointMeetingOut)
@bp.doc(summary="联席会议及各部门的确认情况和出席人", responses=[401, 403, 404])
def get(meeting_id: int) -> Any:
    meeting = _get(meeting_id)
    alternatives = None
    if meeting.status != "cancelled" and meeting.start is not None:
        instance, solution = scheduling.current_view(meeting)
        alternatives = scheduling.alternatives_for(instance, solution, meeting.instance_key)
    return operations.meeting_to_dict(meeting, alternatives)


@bp.post("/<int:meeting_id>/cancel")
@bp.auth_required(token_auth)
@bp.output(JointMeetingOut)
@bp.doc(summary="取消联席会议", responses=[401, 403, 404, 409])
def cancel(meeting_id: int) -> Any:
    meeting = _get(meeting_id)
    try:
        operations.cancel(require_city(), meeting)
    except OperationError as e:
        db.session.rollback()
        _fail(e)
    db.session.commit()
    return operations.meeting_to_dict(meeting)
