"""Reminders to departments that have not answered, sent from the web process too.

``wenping-sched worker`` sends them on its loop; a site that runs no worker (the default, one
county on one machine) would otherwise never remind anybody. So a web process looks at most
every quarter of an hour, on a background thread after a request, never in the request.
"""

from __future__ import annotations

import threading
import time

from flask import Flask, Response, current_app

from ..background import runner
from ..extensions import db

INTERVAL_SECONDS = 15 * 60
_last = {"at": float("-inf")}
_lock = threading.Lock()


def _remind() -> None:
    from . import outbox
    from .notifications import send_meeting_reminders

    if send_meeting_reminders():
        db.session.commit()
        outbox.kick(current_app._get_current_object())  # type: ignore[attr-defined]


def _remind_once() -> None:
    _remind()


def init_app(app: Flask) -> None:
    @app.after_request
    def maybe_remind(response: Response) -> Response:
        # Tests drive reminders themselves, with a clock of their own.
        if not app.config.get("REMINDERS_IN_PROCESS", not app.testing):
            return response
        now = time.monotonic()
        with _lock:
            if now - _last["at"] < INTERVAL_SECONDS:
                return response
            _last["at"] = now
        runner(app, "wenping-reminders", _remind_once).kick()
        return response
