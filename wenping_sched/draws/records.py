"""A draw record as the API, the download and the archive give it (SERVICE.md, GET /api/v1/draws/{id}).

Experts are named by their API id written as a string, in ``lottery``, ``experts``, ``eligible``
and ``avoided``. The nonce, the seed, the ticket and the drawn set appear only once the draw is
revealed: before, nobody may know them. ``solver.draw_proof.verify_record`` checks the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from ..models import DrawRecord, Matter, pool_label
from ..timeutil import fmt_local, fmt_local_time, iso_local, parse_local

KIND_NAMES = {
    "draw": _l("抽取"),
    "redraw": _l("补抽"),
    "plan": _l("年度计划统一抽取"),
    "legacy": _l("旧版抽取（抽签制度实施前）"),
}
STATUS_NAMES = {
    "committed": _l("已承诺，待揭晓"),
    "revealed": _l("已揭晓"),
    "abandoned": _l("已作废"),
}


def replacements(record: DrawRecord) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(who left, who took their place) for a revealed replacement draw: by seat, then in order."""
    left = list(record.request.get("replaces", []))
    came = [d for d in record.drawn or [] if not d.get("kept")]
    pairs = []
    for person in [p for p in left if p.get("seat")]:
        match = next((c for c in came if c.get("seat") == person["seat"]), None)
        if match is not None:
            came.remove(match)
            pairs.append((person, match))
    rest = [p for p in left if not any(p is a for a, _b in pairs)]
    pairs += list(zip(rest, came, strict=False))
    return pairs


def fingerprint(commitment: str | None) -> str:
    """The commitment as twelve digits in groups of four, to be read aloud: int(first 16 hex) mod 10^12."""
    if not commitment:
        return ""
    digits = f"{int(commitment[:16], 16) % 10**12:012d}"
    return " ".join(digits[i : i + 4] for i in range(0, 12, 4))


def _ids(values: list[Any]) -> list[str]:
    return [str(v) for v in values]


def record_to_dict(record: DrawRecord) -> dict[str, Any]:
    """The whole record: anyone holding it can recompute the commitment, the seed, the ticket and the set."""
    out: dict[str, Any] = {
        "id": record.id,
        "matter_id": record.matter_id,
        "panel_id": record.panel_id,
        "kind": record.kind,
        "status": record.status,
        "created_at": iso_local(record.created_at),
        "created_by": dict(record.drawn_by or {}) or None,
        "request": dict(record.request or {}),
        "pools": list(record.pools or []),
        "commitment": record.commitment,
        "fingerprint": fingerprint(record.commitment),
        "lottery": dict(record.lottery) if record.lottery is not None else None,
        "eligible_count": record.eligible_count,
        "eligible": [{**e, "expert_id": str(e["expert_id"])} for e in record.eligible or []],
        "avoided": [
            {
                "expert_id": str(a["expert_id"]),
                "name": a["name"],
                "reason": a["reason"],
                "pool": a.get("pool"),
            }
            for a in record.avoided or []
        ],
    }
    if record.kind == "legacy":
        out["legacy_kind"] = record.legacy_kind
    if record.status == "abandoned":
        out["abandoned_reason"] = record.abandoned_reason
        out["witness"] = record.witness
        out["witness_input"] = record.witness_input
    if record.status == "revealed":
        seats: dict[str, list[str]] = {}
        for d in record.drawn or []:
            if d.get("seat"):
                seats.setdefault(d["seat"], []).append(str(d["expert_id"]))
        out.update(
            {
                "nonce": record.nonce,
                "witness": record.witness,
                "witness_input": record.witness_input,
                "seed": record.seed,
                "ticket": record.ticket,
                "experts": _ids([d["expert_id"] for d in record.drawn or []]),
                "members": [{**d, "expert_id": str(d["expert_id"])} for d in record.drawn or []],
                "seats": seats,
                "start": iso_local(record.start),
                "end": iso_local(record.end),
                "revealed_at": iso_local(record.revealed_at),
                "warnings": list((record.solution or {}).get("warnings", [])),
            }
        )
    return out


def summary(record: DrawRecord) -> dict[str, Any]:
    """One line of the matter's list of draws (SERVICE.md: id, status, created_at, panel_id)."""
    return {
        "id": record.id,
        "status": record.status,
        "kind": record.kind,
        "created_at": iso_local(record.created_at),
        "panel_id": record.panel_id,
    }


# --- the record as a document -------------------------------------------------------------------


@dataclass
class RecordView:
    """What the printable 抽取记录 shows, prepared so the template only lays it out."""

    record: DrawRecord
    kind_name: str
    status_name: str
    fingerprint: str
    drawn_by: str
    witness: str
    notes: list[str]
    request: list[tuple[str, str]]
    meeting: list[tuple[str, str]]
    proof: list[tuple[str, str]]
    members: list[dict[str, Any]]
    replaced: list[tuple[str, str]]
    eligible: list[dict[str, Any]]
    with_chance: int
    avoided: list[dict[str, Any]]
    problems: list[str] = field(default_factory=list)

    @property
    def chart_rows(self) -> list[tuple[str, float, bool]]:
        """(name, chance in percent, drawn) for the bar chart: the experts with a chance."""
        drawn = {m["expert_id"] for m in self.members}
        return [(e["name"], e["percent"], e["expert_id"] in drawn) for e in self.eligible if e["percent"] > 0]


def _percent(chance: float) -> float:
    return round(chance * 100, 2)


def _seats_text(seats: dict[str, int]) -> str:
    return "、".join(f"{s} {n} 名" for s, n in seats.items()) or str(_l("不限"))


def _request_rows(record: DrawRecord) -> list[tuple[str, str]]:
    data = record.request or {}
    rows: list[tuple[str, str]] = []
    if not data:
        return rows
    if record.kind == "redraw":
        rows.append((str(_l("补抽人数")), str(data.get("size"))))
        rows.append((str(_l("评审组人数")), str(data.get("panel_size", ""))))
    else:
        rows.append((str(_l("评审组人数")), str(data.get("size"))))
    rows.append((str(_l("专业领域席位")), _seats_text(dict(data.get("seats") or {}))))
    rows.append((str(_l("高级职称至少")), str(_l("%(n)s 名", n=data.get("min_senior", 0)))))
    window = data.get("window") or []
    if len(window) == 2 and window[0]:
        rows.append(
            (
                str(_l("时间窗口")),
                f"{fmt_local(parse_local(window[0]))} – {fmt_local(parse_local(window[1]))}",
            )
        )
    rows.append((str(_l("会议时长")), str(_l("%(n)s 分钟", n=data.get("duration_minutes")))))
    rows.append((str(_l("抽取范围")), "、".join(pool_label(p) for p in record.pools or [])))
    if data.get("conflicts"):
        rows.append((str(_l("回避单位")), "、".join(data["conflicts"])))
    return rows


def _notes(record: DrawRecord) -> list[str]:
    notes = []
    if record.kind == "legacy":
        notes.append(
            str(
                _l(
                    "本记录产生于抽签制度实施之前：当时只保存了随机种子、求解实例和抽中名单，"
                    "没有公布抽签表和承诺值，不能用 verify-draw 核对。"
                )
            )
        )
    elif record.kind == "plan":
        notes.append(
            str(
                _l(
                    "本组随年度计划与其他评审组一并抽取，未设监督人：随机种子由系统在创建计划时用密钥（nonce）"
                    "生成，各组抽签表在整体求解时依次确定。核对可证明中签号、抽中组合与抽签表和种子一致，"
                    "但不能证明抽签表先于种子固定。"
                )
            )
        )
        if not (record.request or {}).get("batch_lottery", True):
            notes.append(
                str(
                    _l(
                        "该批求解结果未附本组的抽签表（当时的求解器尚不提供），"
                        "记录以整体求解选定的组合作为抽签表中唯一的组合。"
                    )
                )
            )
    elif record.status != "committed" and not record.witness:
        notes.append(
            str(
                _l(
                    "本次为一步抽取，未设监督人：承诺后立即以空的监督人输入揭晓，"
                    "随机性只来自系统密钥（nonce）。"
                )
            )
        )
    if record.status == "abandoned":
        notes.append(
            str(
                _l(
                    "本次抽取已作废：%(r)s。作废的抽取不公开密钥，抽签表和承诺值保留备查。",
                    r=record.abandoned_reason,
                )
            )
        )
    return notes


def _member_rows(record: DrawRecord) -> list[dict[str, Any]]:
    """The drawn members with their seats; for a 补抽 also the members who stayed, and any seat change."""
    if record.status != "revealed":
        return []
    rows = []
    for d in record.drawn or []:
        if d.get("kept"):
            note = str(_l("原成员"))
            if d.get("previous_seat") != d.get("seat"):
                note += str(
                    _l(
                        "（为补足席位，由“%(a)s”改为“%(b)s”）",
                        a=d.get("previous_seat") or _l("综合"),
                        b=d.get("seat") or _l("综合"),
                    )
                )
        elif record.kind == "redraw":
            note = str(_l("补抽"))
        else:
            note = str(_l("本次抽中"))
        rows.append({**d, "note": note})
    if record.kind == "redraw":
        drawn = {d["expert_id"] for d in record.drawn or []}
        rows += [
            {**k, "note": str(_l("原成员，保留席位"))}
            for k in (record.request or {}).get("kept", [])
            if k["expert_id"] not in drawn
        ]
    return rows


def view(record: DrawRecord) -> RecordView:
    """The record as the printable document shows it."""
    from ..solving.proof import verify_record

    by = record.drawn_by or {}
    drawn_by = f"{by.get('name', '')}（{by.get('unit', '')}）" if by else str(_l("系统"))
    if record.witness:
        witness = record.witness
    elif record.status == "committed":
        witness = str(_l("待监督人揭晓"))
    else:
        witness = str(_l("无（未设监督人）"))
    meeting: list[tuple[str, str]] = []
    if record.start is not None:
        meeting.append((str(_l("会议时间")), f"{fmt_local(record.start)} – {fmt_local_time(record.end)}"))
    meeting.append((str(_l("地点")), (record.request or {}).get("location") or str(_l("待定"))))
    proof: list[tuple[str, str]] = []
    if record.lottery is not None:
        proof.append((str(_l("承诺值")), record.commitment or ""))
        proof.append((str(_l("承诺指纹")), fingerprint(record.commitment)))
        proof.append(
            (
                str(_l("抽签表")),
                str(
                    _l(
                        "编号 %(p)s，共 %(n)d 种组合、%(t)d 张彩票",
                        p=record.lottery["panel_id"],
                        n=len(record.lottery["tickets"]),
                        t=record.lottery["total"],
                    )
                ),
            )
        )
    if record.status == "revealed" and record.kind != "legacy":
        proof.append((str(_l("密钥（nonce）")), record.nonce or ""))
        proof.append((str(_l("监督人输入")), record.witness_input or str(_l("（空）"))))
        proof.append((str(_l("随机种子")), str(record.seed)))
        total = record.lottery["total"] if record.lottery else ""
        proof.append(
            (str(_l("中签号")), str(_l("%(t)s（共 %(n)s 张，从 0 起编号）", t=record.ticket, n=total)))
        )
    elif record.kind == "legacy":
        proof.append((str(_l("随机种子")), str(record.seed)))
    replaced = []
    if record.kind == "redraw" and record.status == "revealed":
        replaced = [
            (f"{a['name']}（{a['seat']}）" if a.get("seat") else a["name"], b["name"])
            for a, b in replacements(record)
        ]
    eligible = [{**e, "percent": _percent(float(e.get("chance", 0)))} for e in record.eligible or []]
    problems: list[str] = []
    if record.kind != "legacy":
        problems = verify_record(record_to_dict(record))
    return RecordView(
        record=record,
        kind_name=str(KIND_NAMES.get(record.kind, record.kind)),
        status_name=str(STATUS_NAMES.get(record.status, record.status)),
        fingerprint=fingerprint(record.commitment),
        drawn_by=drawn_by,
        witness=witness,
        notes=_notes(record),
        request=_request_rows(record),
        meeting=meeting,
        proof=proof,
        members=_member_rows(record),
        replaced=replaced,
        eligible=eligible,
        with_chance=sum(1 for e in eligible if e["percent"] > 0),
        avoided=list(record.avoided or []),
        problems=problems,
    )


def matter_draws(matter: Matter) -> list[dict[str, Any]]:
    """Every draw ever made for the matter, as its page lists them (set-aside proposals said so)."""
    rows = []
    for d in matter.draws:
        panel = d.panel
        if panel is None:
            outcome = str(_l("未产生评审组"))
        elif panel.status == "cancelled" and all(m.state == "proposed" for m in panel.members):
            outcome = str(_l("已搁置，未采用")) + (f"：{panel.cancel_reason}" if panel.cancel_reason else "")
        elif panel.status == "cancelled":
            outcome = str(_l("评审组已取消")) + (f"：{panel.cancel_reason}" if panel.cancel_reason else "")
        else:
            outcome = ""
        by = d.drawn_by or {}
        rows.append(
            {
                "record": d,
                "kind": str(KIND_NAMES.get(d.kind, d.kind)),
                "status": str(STATUS_NAMES.get(d.status, d.status)),
                "why": d.abandoned_reason if d.status == "abandoned" else "",
                "drawn_by": by.get("name") or str(_l("系统")),
                "witness": d.witness or ("—" if d.status == "committed" else str(_l("无"))),
                "outcome": outcome,
            }
        )
    return rows
