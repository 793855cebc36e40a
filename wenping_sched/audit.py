"""Write the append-only audit log (who did what, when, from where).

Entries join the hash chain when the transaction commits (``auditchain``): an entry recorded
in a transaction that rolls back is gone with the change it described.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from . import auditchain
from .extensions import db
from .models import AuditLog, User, utcnow


def record(action: str, user: User | None = None, target: str = "", **detail: Any) -> AuditLog:
    """Add one audit entry to the current transaction (it commits with the change it records)."""
    entry = AuditLog(
        at=utcnow(),
        action=action,
        user_id=user.id if user is not None else None,
        username=user.username if user is not None else "",
        target=target,
        detail=auditchain.normalise_detail(detail),
        ip=(request.remote_addr or "") if has_request_context() else "",
    )
    auditchain.add_pending(db.session(), entry)
    return entry


def verify_chain(via: str, user: User | None = None) -> auditchain.Verification:
    """Check the hash chain and put the outcome on the record (the dashboard shows the latest)."""
    result = auditchain.verify(db.session())
    record(
        "audit.verify",
        user,
        target="audit_log",
        via=via,
        ok=result.ok,
        entries=result.entries,
        kind=result.kind,
        entry_id=result.entry_id,
        message=result.message,
        head_hash=result.head_hash,
    )
    return result
