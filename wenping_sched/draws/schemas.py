from __future__ import annotations

from apiflask import Schema, fields
from apiflask.validators import Length, Regexp
from flask_babel import lazy_gettext as _l

from ..validation import Schema as InputSchema

# Typed by a person: something visible, and no control characters.
_VISIBLE = Regexp(r"^[^\x00-\x1f\x7f]*\S[^\x00-\x1f\x7f]*$", error=_l("不能为空，也不能含控制字符"))


class RevealIn(InputSchema):
    witness = fields.String(
        required=True, validate=[Length(min=1, max=64), _VISIBLE], metadata={"description": "监督人姓名"}
    )
    witness_input = fields.String(
        required=True,
        validate=[Length(min=1, max=200), _VISIBLE],
        metadata={"description": "监督人自己想好的数字或词语（承诺公布之后才说出）"},
    )


class LotteryOut(Schema):
    panel_id = fields.String(metadata={"description": "中签号规则所用的评审组编号"})
    total = fields.Integer(metadata={"description": "彩票总数"})
    tickets = fields.List(fields.Dict(), metadata={"description": '[{"experts": [...], "count"}]，规定顺序'})
    chances = fields.Dict(
        keys=fields.String(), values=fields.Float(), metadata={"description": "各专家的中选机会"}
    )


class DrawCommitOut(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"description": "committed"})
    commitment = fields.String(metadata={"description": 'sha256(f"{nonce}:{lottery_digest}")'})
    fingerprint = fields.String(metadata={"description": "承诺值的可读指纹（12 位数字）"})
    lottery = fields.Nested(LotteryOut)


class DrawRecordOut(Schema):
    """The draw record; the nonce, seed, ticket and drawn experts only once revealed."""

    id = fields.Integer()
    matter_id = fields.Integer()
    panel_id = fields.Integer(allow_none=True)
    kind = fields.String()
    status = fields.String()
    created_at = fields.String()
    created_by = fields.Dict(allow_none=True)
    request = fields.Dict()
    pools = fields.List(fields.String())
    commitment = fields.String(allow_none=True)
    fingerprint = fields.String()
    lottery = fields.Dict(allow_none=True)
    eligible_count = fields.Integer()
    eligible = fields.List(fields.Dict())
    avoided = fields.List(fields.Dict())
    legacy_kind = fields.String(allow_none=True)
    abandoned_reason = fields.String()
    nonce = fields.String(allow_none=True)
    witness = fields.String(allow_none=True)
    witness_input = fields.String(allow_none=True)
    seed = fields.Integer(allow_none=True)
    ticket = fields.Integer(allow_none=True)
    experts = fields.List(fields.String())
    members = fields.List(fields.Dict())
    seats = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    start = fields.String(allow_none=True)
    end = fields.String(allow_none=True)
    revealed_at = fields.String(allow_none=True)
    warnings = fields.List(fields.Dict())
