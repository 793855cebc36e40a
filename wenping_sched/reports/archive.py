"""One file per matter (一事一档): a zip of the matter's data, filing form, draw records, panels,
invitations, meetings and audit entries.

The same rows give the same entries in the same order with the same timestamps (the time of
the newest record), so two exports of an unchanged matter differ only in the filing date
printed on the form.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from typing import Any

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import select

from .. import xlsx
from ..credit.evaluations import history as evaluation_history
from ..draws import records as draw_records_view
from ..extensions import db
from ..matters.operations import matter_to_dict
from ..models import AuditLog, DrawRecord, JointMeeting, Matter, Panel
from ..models.outbox import Invitation, OutboxMessage
from ..timeutil import iso_local, to_local
from ..validation import printable
from .filing import build_filing, draw_records, filing_workbook, matter_meetings


def _dump(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def matter_json(matter: Matter) -> dict[str, Any]:
    data = matter_to_dict(matter)
    data["notes"] = matter.notes
    data["pools"] = matter.pools
    data["created_by_id"] = matter.created_by_id
    return data


def draw_json(record: DrawRecord) -> dict[str, Any]:
    """The record as GET /api/v1/draws/{id} gives it: ``wenping-sched verify-draw`` checks the file."""
    return draw_records_view.record_to_dict(record)


def panel_json(panel: Panel) -> dict[str, Any]:
    return {
        "id": panel.id,
        "status": panel.status,
        "size": panel.size,
        "seats": dict(panel.seats or {}),
        "min_senior": panel.min_senior,
        "window": [iso_local(panel.window_start), iso_local(panel.window_end)],
        "duration_minutes": panel.duration_minutes,
        "location": panel.location,
        "start": iso_local(panel.start),
        "end": iso_local(panel.end),
        "seed": panel.seed,
        "sequence": panel.sequence,
        "extra_conflicts": list(panel.extra_conflicts or []),
        "excluded_expert_ids": list(panel.excluded_expert_ids or []),
        "created_by_id": panel.created_by_id,
        "created_at": iso_local(panel.created_at),
        "draws": [d.id for d in panel.draws],
        "members": [
            {
                "id": m.id,
                "expert_id": m.expert_id,
                "name": m.expert.name,
                "employer": m.expert.employer,
                "pool": m.expert.pool.code,
                "seat": m.seat,
                "state": m.state,
                "draw_id": m.draw_id,
                "answered_at": iso_local(m.answered_at),
                "decline_reason": m.decline_reason,
            }
            for m in panel.members
        ],
    }


def panel_mail(panel_ids: list[int]) -> tuple[list[Invitation], list[OutboxMessage]]:
    """The panels' invitations and outbox messages, oldest first."""
    invitations = db.session.scalars(
        select(Invitation)
        .where(Invitation.subject_type == "panel", Invitation.subject_id.in_(panel_ids))
        .order_by(Invitation.id)
    )
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.panel_id.in_(panel_ids)).order_by(OutboxMessage.id)
    )
    return list(invitations), list(messages)


def invitations_json(invitations: list[Any], messages: list[Any]) -> dict[str, Any]:
    """Invitations and their mail as metadata: the raw mail is left out, it holds live RSVP links."""
    return {
        "invitations": [
            {
                "id": i.id,
                "panel_id": i.subject_id,
                "panel_member_id": i.panel_member_id,
                "person_type": i.person_type,
                "person_id": i.person_id,
                "name": i.name,
                "email": i.email,
                "uid": i.uid,
                "sequence": i.sequence,
                "status": i.status,
                "response": i.response,
                "reason": i.reason,
                "answered_at": iso_local(i.answered_at),
                "reminded_at": iso_local(i.reminded_at),
                "created_at": iso_local(i.created_at),
            }
            for i in invitations
        ],
        "messages": [
            {
                "id": m.id,
                "invitation_id": m.invitation_id,
                "panel_id": m.panel_id,
                "panel_member_id": m.panel_member_id,
                "kind": m.kind,
                "to": m.to,
                "subject": m.subject,
                "message_id": m.message_id,
                "status": m.status,
                "attempts": m.attempts,
                "last_error": m.last_error,
                "created_at": iso_local(m.created_at),
                "sent_at": iso_local(m.sent_at),
            }
            for m in messages
        ],
    }


def evaluations_json(matter: Matter) -> list[dict[str, Any]]:
    """Every version of every evaluation of the matter's panels, oldest first (a correction is a new one)."""
    rows = [e for panel in matter.panels for e in evaluation_history(panel)]
    return [
        {
            "id": e.id,
            "panel_id": e.panel_id,
            "expert_id": e.expert_id,
            "name": e.expert.name,
            "version": e.version,
            "attendance": e.attendance,
            "score": e.score,
            "remarks": e.remarks,
            "created_at": iso_local(e.created_at),
            "created_by": e.created_by.username if e.created_by else None,
        }
        for e in sorted(rows, key=lambda e: e.id)
    ]


def meeting_json(meeting: JointMeeting) -> dict[str, Any]:
    return {
        "id": meeting.id,
        "title": meeting.title,
        "kind": meeting.kind,
        "status": meeting.status,
        "start": iso_local(meeting.start),
        "end": iso_local(meeting.end),
        "room": meeting.room.name if meeting.room else None,
        "departments": [
            {
                "department": d.department.name,
                "required": d.required,
                "confirmation": d.confirmation,
                "attendee_name": d.attendee_name,
                "answered_at": iso_local(d.answered_at),
            }
            for d in meeting.departments
        ],
    }


def audit_entries(matter: Matter, invitation_ids: list[int], meeting_ids: list[int]) -> list[AuditLog]:
    """Entries that name the matter, its panels, their invitations or the meetings about it; exports of
    the file itself left out."""
    targets = [f"matter:{matter.id}", *(f"panel:{p.id}" for p in matter.panels)]
    targets += [f"draw:{d.id}" for d in matter.draws]
    targets += [f"invitation:{i}" for i in invitation_ids]
    targets += [f"joint_meeting:{i}" for i in meeting_ids]
    stmt = (
        select(AuditLog)
        .where(AuditLog.target.in_(targets), AuditLog.action.not_like("report.%"))
        .order_by(AuditLog.id)
    )
    return list(db.session.scalars(stmt))


def audit_json(entry: AuditLog) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": iso_local(entry.at),
        "username": entry.username,
        "action": entry.action,
        "target": entry.target,
        "detail": entry.detail,
    }


def _readme(matter: Matter, names: list[str], as_of: datetime) -> str:
    descriptions = {
        "matter.json": _("事项基本信息（类别、县区、评估主体、相关单位、评估步骤、风险等级、说明、备注）"),
        "filing-form.xlsx": _("报备表（Excel，A4 纵向打印）"),
        "panels.json": _("评审组及其成员、席位、答复状态与谢绝理由"),
        "invitations.json": _("评审组邀请及邮件发送记录（不含邮件原文，以免泄露答复链接）"),
        "meetings.json": _("与本事项关联的联席会议及各单位确认情况"),
        "evaluations.json": _("评审组成员的评价（出席情况、评分、备注），更正前的版本一并保留"),
        "audit.json": _("涉及本事项、其评审组、邀请及联席会议的操作日志（不含导出记录本身）"),
    }
    lines = [
        _("一事一档：%(t)s", t=printable(matter.title)),
        _("事项编号：%(id)d　所属县区：%(c)s", id=matter.id, c=matter.county or _("市级")),
        _("档案截至：%(t)s", t=iso_local(as_of)),
        "",
        _("目录："),
    ]
    for name in names:
        if name.startswith("draw-records/"):
            stem = name.removeprefix("draw-records/")
            if stem.endswith(".json"):
                text = _(
                    "抽取记录 #%(id)s 全文（抽签表、承诺值、密钥、监督人输入、种子、中签号、回避与抽中名单，"
                    "可用 wenping-sched verify-draw 核对）",
                    id=stem[:-5],
                )
            else:
                text = _("抽取记录 #%(id)s 打印版", id=stem[:-5])
        else:
            text = descriptions.get(name, "")
        lines.append(f"  {name}　{text}")
    lines += [
        "",
        _("核对抽取：对 draw-records/编号.json 运行"),
        "  wenping-sched verify-draw draw-records/编号.json",
        _("或用 docs/verify-draw.md 中只需 Python 标准库的独立脚本，"),
        _("重新计算承诺值、种子、中签号和抽中组合。"),
        _("所有文本文件均为 UTF-8 编码；时间均带时区偏移（如 +08:00）。"),
        "",
    ]
    return "\r\n".join(lines)


def _as_of(matter: Matter, records: list[DrawRecord], entries: list[AuditLog], extra: list[Any]) -> datetime:
    """The time of the newest record in the file."""
    times = [matter.created_at]
    for panel in matter.panels:
        times.append(panel.created_at)
        times += [m.answered_at for m in panel.members if m.answered_at]
    times += [r.created_at for r in records]
    times += [e.at for e in entries]
    times += [t for t in extra if isinstance(t, datetime)]
    return to_local(max(times))


def build_archive(matter: Matter) -> bytes:
    """The matter's file as zip bytes, entries in a fixed order, README first.

    Python's zipfile marks any non-ASCII entry name as UTF-8 (flag bit 11) by itself.
    """
    panels = list(matter.panels)
    panel_ids = [p.id for p in panels]
    records = draw_records(matter)
    invitations, messages = panel_mail(panel_ids)
    meetings = matter_meetings(matter)
    entries = audit_entries(matter, [i.id for i in invitations], [m.id for m in meetings])
    extra = [t for i in invitations for t in (i.created_at, i.answered_at)]
    extra += [t for m in messages for t in (m.created_at, m.sent_at)]
    extra += [t for m in meetings for t in (m.created_at, *(d.answered_at for d in m.departments))]
    extra += [e.created_at for p in panels for e in evaluation_history(p)]
    as_of = _as_of(matter, records, entries, extra)

    files: list[tuple[str, bytes]] = [
        ("matter.json", _dump(matter_json(matter))),
        ("filing-form.xlsx", filing_workbook(build_filing(matter), as_of=as_of)),
        ("panels.json", _dump([panel_json(p) for p in panels])),
    ]
    for record in records:
        files.append((f"draw-records/{record.id}.json", _dump(draw_json(record))))
        # A file in the archive, not a page: no policy to meet, and the same bytes every time.
        html = render_template(
            "reports/draw_record.html", v=draw_records_view.view(record), style_nonce="archive"
        )
        files.append((f"draw-records/{record.id}.html", html.encode("utf-8")))
    files.append(("invitations.json", _dump(invitations_json(invitations, messages))))
    files.append(("meetings.json", _dump([meeting_json(m) for m in meetings])))
    files.append(("evaluations.json", _dump(evaluations_json(matter))))
    files.append(("audit.json", _dump([audit_json(e) for e in entries])))

    readme = _readme(matter, [name for name, _data in files], as_of)
    files.insert(0, ("README.txt", readme.encode("utf-8")))

    out = io.BytesIO()
    date_time = xlsx.zip_date_time(as_of)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return out.getvalue()


def archive_name(matter: Matter) -> str:
    return _("一事一档-%(id)d.zip", id=matter.id)
