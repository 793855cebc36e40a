"""What every domain's operations share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class OperationError(Exception):
    """A change refused by a domain rule; ``status`` is the HTTP status the API answers with."""

    def __init__(
        self,
        message: str,
        status: int = 422,
        fields: dict[str, Any] | None = None,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.extra = extra or {}
        self.message = message
        self.status = status
        self.fields = fields or {}
        self.code = code


def commit_or_flash(action: Callable[[], object], success: str) -> bool:
    """Run a page's operation: commit and flash ``success``, or roll back and flash why not."""
    from flask import flash

    from .extensions import db

    try:
        action()
    except OperationError as e:
        db.session.rollback()
        flash(e.message, "error")
        return False
    db.session.commit()
    flash(success, "success")
    return True


def commit_or_abort(action: Callable[[], T]) -> T:
    """Run an API operation: commit and return its result, or roll back and answer the error."""
    from .errors import api_abort
    from .extensions import db

    try:
        result = action()
    except OperationError as e:
        db.session.rollback()
        api_abort(e.status, e.message, e.fields, e.code, **e.extra)
    db.session.commit()
    return result
