"""Write the append-only audit log (who did what, when, from where)."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from .extensions import db
from .models import AuditLog, User


def record(action: str, user: User | None = None, target: str = "", **detail: Any) -> AuditLog:
    """Add one audit entry to the current transaction (it commits with the change it records)."""
    entry = AuditLog(
        action=action,
        user_id=user.id if user is not None else None,
        username=user.username if user is not None else "",
        target=target,
        detail=detail,
        ip=(request.remote_addr or "") if has_request_context() else "",
    )
    db.session.add(entry)
    return entry
