from __future__ import annotations

from apiflask import Schema, fields
from apiflask.validators import Range

from ..panels.schemas import PanelOut, PanelRequestIn


class PlanItemIn(PanelRequestIn):
    """One panel request of a plan: the panel fields of POST /matters/{id}/panels plus the matter."""

    class Meta:
        exclude = ("location", "exclude_", "conflicts", "exclusions")

    matter_id = fields.Integer(
        required=True, validate=Range(min=1, max=2**31 - 1), metadata={"description": "事项编号"}
    )


class ProposedMemberOut(Schema):
    expert_id = fields.Integer()
    name = fields.String()
    seat = fields.String(allow_none=True)


class ProposalOut(Schema):
    start = fields.String()
    end = fields.String()
    members = fields.List(fields.Nested(ProposedMemberOut))


class PlanRowOut(Schema):
    index = fields.Integer(metadata={"description": "请求序号（从 0 开始）"})
    matter_id = fields.Integer()
    matter_title = fields.String()
    request = fields.Dict()
    proposal = fields.Nested(ProposalOut, allow_none=True)
    reasons = fields.List(fields.Dict(), metadata={"description": "无法组成时求解器给出的原因"})
    panel_id = fields.Integer(allow_none=True, metadata={"description": "已据此创建的评审组"})


class ProgressOut(Schema):
    total = fields.Integer()
    filled = fields.Integer()
    unfilled = fields.Integer()


class PlanOut(Schema):
    id = fields.Integer()
    title = fields.String()
    status = fields.String(metadata={"description": "queued | running | done | failed"})
    stage = fields.String(metadata={"description": "queued | building | solving | done | failed"})
    progress = fields.Nested(ProgressOut)
    seed = fields.Integer()
    created_at = fields.String(allow_none=True)
    started_at = fields.String(allow_none=True)
    finished_at = fields.String(allow_none=True)
    applied_at = fields.String(allow_none=True)
    error = fields.String(allow_none=True)
    result = fields.List(fields.Nested(PlanRowOut))
    warnings = fields.List(fields.Dict())


class SkippedOut(Schema):
    index = fields.Integer()
    message = fields.String()


class PlanApplyOut(Schema):
    panels = fields.List(fields.Nested(PanelOut))
    skipped = fields.List(fields.Nested(SkippedOut))
