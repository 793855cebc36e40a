"""The holiday table coordinators keep, and the banner for a year not yet entered."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import current_user


def init_app(app: Flask) -> None:
    from . import operations, routes

    app.register_blueprint(routes.bp)

    @app.context_processor
    def calendar_banner() -> dict[str, Any]:
        # Only coordinators plan meetings, so only they are told a year is missing.
        if current_user and current_user.is_authenticated and current_user.is_coordinator:
            return {"calendar_missing_years": operations.missing_years()}
        return {"calendar_missing_years": []}
