from __future__ import annotations

from apiflask import Schema, fields
from apiflask.validators import Length, OneOf, Range
from flask_babel import lazy_gettext as _l

from ..fields import Interval
from ..models import MEETING_KINDS
from ..validation import Line
from ..validation import Schema as InputSchema


class JointMeetingIn(InputSchema):
    title = Line(required=True, max_length=200, metadata={"description": "会议名称"})
    required = fields.List(
        Line(max_length=32),
        required=True,
        validate=Length(min=1, max=50, error=_l("应有 {min} 到 {max} 个")),
        metadata={"description": '必到部门编号，如 ["纪委", "发改委"]'},
    )
    optional = fields.List(
        Line(max_length=32),
        load_default=list,
        validate=Length(max=50, error=_l("最多 {max} 个")),
        metadata={"description": "列席部门编号：有人空闲才参加"},
    )
    agenda = fields.String(
        load_default="",
        validate=Length(max=2000),
        metadata={"description": "议题（可选）：写入邀请邮件和各部门的会议页面"},
    )
    window = Interval(required=True, metadata={"description": "可开会的时间窗口 [开始, 结束]"})
    duration_minutes = fields.Integer(
        required=True, validate=Range(min=1, max=600), metadata={"description": "会议时长（分钟）"}
    )
    kind = fields.String(
        load_default=None,
        allow_none=True,
        validate=OneOf(MEETING_KINDS),
        metadata={
            "description": "quarterly | analysis | adhoc；"
            "不填时：十三个成员单位全部必到为 adhoc，否则为 analysis"
        },
    )
    attendees_per_department = fields.Integer(
        load_default=1, validate=Range(min=1, max=5), metadata={"description": "每个部门出席人数"}
    )
    matter_id = fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={"description": "会议所研判的重大事项编号（可选）；会议将列入该事项的一事一档和报备表"},
    )


class AttendeeOut(Schema):
    contact_id = fields.Integer()
    name = fields.String()


class MeetingDepartmentOut(Schema):
    code = fields.String()
    name = fields.String()
    required = fields.Boolean()
    attendees = fields.List(fields.Nested(AttendeeOut), metadata={"description": "系统选定的出席联络人"})
    confirmation = fields.String(metadata={"description": "pending | accepted | declined | unavailable"})
    attendee_name = fields.String(allow_none=True, metadata={"description": "部门确认时指定的出席人"})
    answered_at = fields.String(allow_none=True)


class AlternativeOut(Schema):
    start = fields.String()
    end = fields.String()
    room = fields.String()
    room_id = fields.Integer()


class JointMeetingOut(Schema):
    id = fields.Integer()
    title = fields.String()
    agenda = fields.String(metadata={"description": "议题"})
    kind = fields.String(metadata={"description": "quarterly | analysis | adhoc"})
    status = fields.String(metadata={"description": "proposed | inviting | confirmed | cancelled"})
    matter_id = fields.Integer(
        allow_none=True, metadata={"description": "会议所研判的重大事项编号，无则为 null"}
    )
    start = fields.String(allow_none=True)
    end = fields.String(allow_none=True)
    room = fields.String(allow_none=True, metadata={"description": "会议室名称"})
    room_id = fields.Integer(allow_none=True)
    window = fields.List(fields.String())
    duration_minutes = fields.Integer()
    uid = fields.String(metadata={"description": "iCalendar UID"})
    sequence = fields.Integer(metadata={"description": "iCalendar SEQUENCE"})
    departments = fields.List(fields.Nested(MeetingDepartmentOut))
    alternatives = fields.List(fields.Nested(AlternativeOut), metadata={"description": "另外三个可选时间"})
    warnings = fields.List(fields.Dict(), metadata={"description": "如 calendar_unknown：该年节假日尚未录入"})
