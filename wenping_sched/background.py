"""Work that runs off the request inside the web process when no worker queue is configured.

One thread per kind of work and app: a kick while it runs makes it run once more (so nothing
kicked is missed), and ``work`` may return when it next wants to run (a retry time).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from flask import Flask

from .extensions import db
from .models.types import utcnow

log = logging.getLogger(__name__)


class InProcessRunner:
    """Runs ``work()`` in an app context on a daemon thread, never two at once."""

    def __init__(self, app: Flask, name: str, work: Callable[[], datetime | None]) -> None:
        self.app = app
        self.name = name
        self.work = work
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.again = False
        self.timer: threading.Timer | None = None

    def kick(self) -> None:
        with self.lock:
            if self.thread is not None and self.thread.is_alive():
                self.again = True
                return
            self.again = False
            self.thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self.thread.start()

    def _run(self) -> None:
        while True:
            with self.app.app_context():
                try:
                    due = self.work()
                except Exception:  # a thread must not die silently; the work stays queued in the database
                    log.exception("%s failed", self.name)
                    due = None
                finally:
                    db.session.remove()
            with self.lock:
                if not self.again:
                    self._schedule(due)
                    return
                self.again = False

    def _schedule(self, due: datetime | None) -> None:
        if due is None:
            return
        if self.timer is not None:
            self.timer.cancel()
        delay = max((due - utcnow()).total_seconds(), 0.0) + 0.5
        self.timer = threading.Timer(delay, self.kick)
        self.timer.daemon = True
        self.timer.start()

    def join(self, timeout: float | None = None) -> None:
        thread = self.thread
        if thread is not None:
            thread.join(timeout)


def runner(app: Flask, name: str, work: Callable[[], datetime | None]) -> InProcessRunner:
    """The app's runner for this kind of work, made on first use."""
    key = f"wenping_runner_{name}"
    state = app.extensions.get(key)
    if state is None:
        state = app.extensions[key] = InProcessRunner(app, name, work)
    return state
