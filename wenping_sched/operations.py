"""What every domain's operations share."""

from __future__ import annotations

from typing import Any


class OperationError(Exception):
    """A change refused by a domain rule; ``status`` is the HTTP status the API answers with."""

    def __init__(self, message: str, status: int = 422, fields: dict[str, Any] | None = None,
                 code: str | None = None, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.extra = extra or {}
        self.message = message
        self.status = status
        self.fields = fields or {}
        self.code = code
