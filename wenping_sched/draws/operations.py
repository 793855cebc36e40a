"""The draw (随机抽取) in two steps: commit to a lottery, then reveal it with the witness's input.

``commit`` fixes the lottery of a request before any randomness exists and publishes only its
``commitment`` = sha256(nonce:lottery_digest); the secret nonce stays in the record. ``reveal``
takes the witness's own input, derives the seed from the nonce and that input, draws the
ticket, and places the drawn set on the data as it is now: a proposed panel (a draw), or the
missing members of a panel (a replacement draw, 补抽). If the data changed so that the drawn
set breaks a rule, the draw is ``abandoned`` with why, and kept. Nothing here deletes a draw.

Each step writes the audit log in the caller's transaction; the commitment's entry is on the
chain before the reveal's.
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import update

from .. import audit, locking, solving
from ..extensions import db
from ..models import CITY, DrawRecord, Matter, Panel, PanelMember, User, utcnow
from ..operations import OperationError
from ..solving import InstanceError, Lottery
from ..solving import proof as draw_proof
from ..timeutil import iso_local, parse_local


class DrawAbandoned(OperationError):
    """The reveal found the drawn set breaking a rule: the draw is abandoned (commit, then answer 409)."""


@dataclass
class Revealed:
    record: DrawRecord
    panel: Panel
    added: list[PanelMember] = field(default_factory=list)


def operator(user: User | None) -> dict[str, Any]:
    """Who drew, as the record keeps it: the login, the person's name and the office."""
    if user is None:
        return {}
    scope = user.scope or CITY
    unit = _("酒泉市维稳办") if scope == CITY else _("%(c)s维稳办", c=scope)
    # Logins carry no personal name yet: the login is the name the record can give.
    return {"username": user.username, "name": user.username, "unit": unit}


def room_busy(
    location: str, window: tuple[datetime, datetime], panel_id: int | None = None
) -> tuple[tuple[datetime, datetime], ...]:
    """When the room named ``location`` is taken in the window (none for a place that is not a room)."""
    from ..solving.meetings import room_busy as busy

    if not location:
        return ()
    locking.lock_rooms()
    return tuple(busy(location, window, panel_id) or ())


def request_data(request: solving.PanelRequest, **extra: Any) -> dict[str, Any]:
    """The request as the record keeps it (JSON), enough to build the same instance again at the reveal."""
    return {
        "pools": list(request.pools),
        "size": request.size,
        "seats": dict(request.seats),
        "min_senior": request.min_senior,
        "window": [iso_local(request.window[0]), iso_local(request.window[1])],
        "duration_minutes": request.duration_minutes,
        "conflicts": list(request.conflicts),
        "exclude": list(request.exclude),
        "fixed": list(request.fixed),
        "matter_title": request.matter_title,
        **extra,
    }


def request_from_data(
    data: dict[str, Any], room: tuple[tuple[datetime, datetime], ...] = ()
) -> solving.PanelRequest:
    return solving.PanelRequest(
        pools=list(data["pools"]),
        size=data["size"],
        seats=dict(data["seats"]),
        min_senior=data["min_senior"],
        conflicts=list(data["conflicts"]),
        window=(parse_local(data["window"][0]), parse_local(data["window"][1])),
        duration_minutes=data["duration_minutes"],
        matter_title=data.get("matter_title", ""),
        exclude=tuple(data.get("exclude", [])),
        fixed=tuple(data.get("fixed", [])),
        room_busy=room,
    )


def unfilled_error(reasons: list[dict[str, Any]], note: str = "") -> OperationError:
    message = _("无法组成评审组：") + "；".join(r["message"] for r in reasons) + note
    return OperationError(message, 422, {}, code="unfillable", extra={"reasons": reasons})


def commit(
    user: User | None,
    matter: Matter,
    request: solving.PanelRequest,
    data: dict[str, Any],
    *,
    kind: str = "draw",
    panel: Panel | None = None,
    audit_failure: bool = True,
) -> DrawRecord:
    """Fix the request's lottery and commit to it: a ``committed`` record; nothing random is known yet.

    ``data`` is the request as the record shows it (``request_data`` plus location, exclusions
    with reasons, ...). A redraw names the ``panel`` it fills. No lottery: 422 with the reasons.
    """
    try:
        outcome = solving.draw_lottery(request, "new", panel.id if panel is not None else None)
    except InstanceError as e:
        fields = {p.pointer.rsplit("/", 1)[-1] or "_schema": p.message for p in e.problems}
        raise OperationError(_("请求数据不符合规则：") + "；".join(fields.values()), 422, fields) from e
    if outcome.lottery is None:
        assert outcome.unfilled is not None
        reasons = [r.to_json() for r in outcome.unfilled.reasons]
        if audit_failure:
            audit.record(
                "panel.redraw_failed" if kind == "redraw" else "panel.draw_failed",
                user,
                target=f"panel:{panel.id}" if panel is not None else f"matter:{matter.id}",
                reasons=[r["code"] for r in reasons],
            )
        raise unfilled_error(reasons)
    record = DrawRecord(
        matter=matter,
        panel=panel,
        kind=kind,
        status="committed",
        created_by_id=user.id if user is not None else None,
        drawn_by=operator(user),
        request=data,
        pools=list(request.pools),
        eligible_count=len(outcome.eligible),
        eligible=outcome.eligible,
        avoided=_with_reasons(outcome.avoided, data.get("exclusions", [])),
    )
    db.session.add(record)
    db.session.flush()
    # The lottery's panel id (the one the ticket rule hashes) names the draw, so no two draws share it.
    panel_id = f"draw-{record.id}"
    instance = outcome.instance
    record.instance = {**instance, "panels": [{**instance["panels"][0], "id": panel_id}]}
    tickets = outcome.lottery.tickets_json()
    total = outcome.lottery.total
    digest = draw_proof.lottery_digest(panel_id, total, tickets)
    record.nonce = secrets.token_hex(32)
    record.commitment = draw_proof.commitment(record.nonce, digest)
    record.lottery = {
        "panel_id": panel_id,
        "total": total,
        "tickets": tickets,
        "chances": outcome.lottery.chances(),
    }
    audit.record(
        "draw.commit",
        user,
        target=f"draw:{record.id}",
        matter=matter.id,
        kind=kind,
        commitment=record.commitment,
        lottery_digest=digest,
        total=total,
        sets=len(tickets),
    )
    return record


def _with_reasons(avoided: list[dict[str, Any]], exclusions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The solver says an excluded expert is excluded; the record says why the coordinator excluded them."""
    why = {int(x["expert_id"]): x.get("reason", "") for x in exclusions}
    out = []
    for a in avoided:
        reason = why.get(int(a["expert_id"]))
        if reason is not None:
            a = {**a, "reason": reason or _("本次由协调员指定回避")}
        out.append(a)
    return out


def stored_lottery(record: DrawRecord) -> Lottery:
    assert record.lottery is not None
    tickets = tuple((tuple(t["experts"]), int(t["count"])) for t in record.lottery["tickets"])
    return Lottery(total=int(record.lottery["total"]), tickets=tickets)


def reveal(user: User | None, record: DrawRecord, witness: str | None, witness_input: str) -> Revealed:
    """Reveal a committed draw: seed from the nonce and the witness's input, ticket, drawn set, panel.

    Once only (409 after). A set that now breaks a rule abandons the draw (DrawAbandoned, 409):
    the caller commits the abandonment before answering.
    """
    # Claim the reveal: of two at once, exactly one changes the row (and, on PostgreSQL, the other
    # waits for it and then finds nothing to change).
    claimed = db.session.execute(
        update(DrawRecord)
        .where(DrawRecord.id == record.id, DrawRecord.status == "committed")
        .values(status="revealed")
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        db.session.refresh(record)
        if record.status == "abandoned":
            raise OperationError(_("该次抽取已作废：%(r)s", r=record.abandoned_reason), 409)
        raise OperationError(_("该次抽取已经揭晓，不能再次揭晓"), 409)
    record.status = "revealed"
    assert record.nonce is not None and record.lottery is not None
    panel_id = str(record.lottery["panel_id"])
    seed = draw_proof.seed_from(record.nonce, witness_input)
    drawn_lottery = dataclasses.replace(
        stored_lottery(record), ticket=draw_proof.ticket_for(seed, panel_id, int(record.lottery["total"]))
    )
    assert drawn_lottery.ticket is not None
    drawn = list(drawn_lottery.drawn(drawn_lottery.ticket))
    data = record.request
    window = (parse_local(data["window"][0]), parse_local(data["window"][1]))
    locking.lock_pools(data["pools"])
    request = request_from_data(data, room_busy(data.get("location", ""), window, record.panel_id))
    names = {str(e["expert_id"]): e["name"] for e in record.eligible}
    try:
        placement = solving.place_drawn(request, panel_id, drawn, drawn_lottery, seed, names, record.panel_id)
    except InstanceError as e:
        # The request itself no longer holds on today's data (e.g. a member to keep has left the pool).
        why = [p.message for p in e.problems]
        placement = solving.Placement({}, None, None, why)
    record.witness = witness or None
    record.witness_input = witness_input
    if placement.assignment is None:
        record.status = "abandoned"
        record.abandoned_reason = (
            _("揭晓时数据已变化，抽中的组合不再符合规则：") + "；".join(placement.why_not)
        )[:500]
        audit.record(
            "draw.abandon",
            user,
            target=f"draw:{record.id}",
            matter=record.matter_id,
            reason=record.abandoned_reason,
        )
        raise DrawAbandoned(
            record.abandoned_reason + _("。本次抽取已作废并保留记录，请重新抽取。"),
            409,
            code="draw_abandoned",
        )
    assignment = placement.assignment
    seat_of = {eid: sector for sector, ids in assignment.seats for eid in ids}
    record.seed, record.ticket = seed, drawn_lottery.ticket
    record.drawn = [{"expert_id": int(e), "name": names.get(e, e), "seat": seat_of.get(e)} for e in drawn]
    record.start, record.end = assignment.start, assignment.end
    record.solution = placement.solution
    record.revealed_at = utcnow()
    revealed = _fill_panel(user, record) if record.kind == "redraw" else _new_panel(user, record)
    db.session.flush()
    audit.record(
        "draw.reveal",
        user,
        target=f"draw:{record.id}",
        panel=revealed.panel.id,
        witness=record.witness,
        witness_input=witness_input,
        seed=seed,
        ticket=record.ticket,
        members=[int(e) for e in drawn],
    )
    return revealed


def _new_panel(user: User | None, record: DrawRecord) -> Revealed:
    data = record.request
    assert record.start is not None and record.end is not None and record.seed is not None
    panel = Panel(
        matter_id=record.matter_id,
        status="proposed",
        size=data["size"],
        seats=dict(data["seats"]),
        min_senior=data["min_senior"],
        window_start=parse_local(data["window"][0]),
        window_end=parse_local(data["window"][1]),
        duration_minutes=data["duration_minutes"],
        location=data.get("location", ""),
        start=record.start,
        end=record.end,
        seed=record.seed,
        extra_conflicts=list(data.get("extra_conflicts", [])),
        excluded_expert_ids=list(data.get("exclude", [])),
        created_by_id=record.created_by_id,
        sequence=0,
    )
    db.session.add(panel)
    record.panel = panel
    for d in record.drawn:
        panel.members.append(
            PanelMember(expert_id=d["expert_id"], seat=d["seat"], state="proposed", draw=record)
        )
    db.session.flush()
    audit.record(
        "panel.draw",
        user,
        target=f"panel:{panel.id}",
        matter=record.matter_id,
        draw=record.id,
        seed=record.seed,
        members=[d["expert_id"] for d in record.drawn],
    )
    return Revealed(record, panel)


def _fill_panel(user: User | None, record: DrawRecord) -> Revealed:
    """补抽: the drawn experts join in the freed seats. When the seats had to be dealt again (the
    members who stay were fixed in the lottery), the record says whose seat changed."""
    panel = record.panel
    assert panel is not None
    on_panel = {m.expert_id: m for m in panel.members if m.counts_for_load}
    state = "proposed" if panel.status == "proposed" else "pending"
    added = []
    drawn = []
    for d in record.drawn:
        member = on_panel.get(d["expert_id"])
        if member is not None:
            drawn.append({**d, "kept": True, "previous_seat": member.seat})
            member.seat = d["seat"]
            continue
        member = PanelMember(expert_id=d["expert_id"], seat=d["seat"], state=state, draw=record)
        panel.members.append(member)
        added.append(member)
        drawn.append(d)
    record.drawn = drawn
    db.session.flush()
    audit.record(
        "panel.redraw",
        user,
        target=f"panel:{panel.id}",
        draw=record.id,
        seed=record.seed,
        added=[m.expert_id for m in added],
        reseated=[d["expert_id"] for d in drawn if d.get("kept") and d["previous_seat"] != d["seat"]],
    )
    return Revealed(record, panel, added)
