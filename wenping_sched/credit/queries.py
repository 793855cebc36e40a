"""What the credit pages and API show of evaluations, leave and the rules; an expert's credit is
``standing.queries`` (re-exported here for the credit views)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..extensions import db
from ..models.credit import CreditRules, Evaluation, Leave
from ..standing.draw import leave_label
from ..standing.queries import (
    CreditSummary,
    PoolCredit,
    credit_to_dict,
    entry_to_dict,
    filter_and_sort,
    pool_credit,
    summary,
    suspended_now,
)
from ..timeutil import iso_local

if TYPE_CHECKING:
    from .notifications import DeclinedMeeting

__all__ = [
    "CreditSummary",
    "PoolCredit",
    "credit_to_dict",
    "entry_to_dict",
    "evaluation_to_dict",
    "filter_and_sort",
    "leave_to_dict",
    "pool_credit",
    "rules_history",
    "summary",
    "suspended_now",
]


def evaluation_to_dict(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "expert_id": evaluation.expert_id,
        "name": evaluation.expert.name,
        "attendance": evaluation.attendance,
        "score": evaluation.score,
        "remarks": evaluation.remarks,
        "version": evaluation.version,
        "at": iso_local(evaluation.created_at),
        "by": evaluation.created_by.username if evaluation.created_by else None,
    }


def leave_to_dict(leave: Leave, declined: list[DeclinedMeeting] | None = None) -> dict[str, Any]:
    return {
        "id": leave.id,
        "expert_id": leave.expert_id,
        "start": iso_local(leave.start),
        "end": iso_local(leave.end),
        "all_day": leave.all_day,
        "label": leave_label(leave),
        "reason": leave.reason,
        "on_behalf": leave.on_behalf,
        "withdrawn_at": iso_local(leave.withdrawn_at),
        "declined": [
            {
                "panel_id": d.panel.id,
                "was_accepted": d.was_accepted,
                "replacements": [m.expert_id for m in d.added],
                "redraw_failed": d.failure or None,
                "delta": d.entry.delta if d.entry else None,
            }
            for d in declined or []
        ],
    }


def rules_history() -> list[CreditRules]:
    """Every version of the rules, newest first."""
    return list(db.session.scalars(select(CreditRules).order_by(CreditRules.id.desc())))
