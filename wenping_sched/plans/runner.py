"""Running plans off the request: an RQ job for ``wenping-sched worker`` when QUEUE_URL is set,
else one background thread per app that solves queued plans one after another."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, has_app_context
from sqlalchemy import select

from ..background import InProcessRunner, runner
from ..extensions import db
from ..models import Plan

log = logging.getLogger(__name__)

QUEUE_NAME = "wenping-solve"


def queue_name(app: Flask) -> str:
    return str(app.config.get("SOLVE_QUEUE_NAME") or QUEUE_NAME)


def queue(app: Flask) -> Any:
    from redis import Redis
    from rq import Queue

    return Queue(queue_name(app), connection=Redis.from_url(app.config["QUEUE_URL"]))


def _run_all() -> None:
    run_queued()


def _state(app: Flask) -> InProcessRunner:
    """One solving thread per app: it takes every queued plan, oldest first, then stops."""
    return runner(app, "wenping-plans", _run_all)


def run_queued() -> int:
    """Solve every queued plan, oldest first (also the worker's sweep for plans Redis lost)."""
    from .operations import run_plan

    done = 0
    for plan_id in list(db.session.scalars(select(Plan.id).where(Plan.status == "queued").order_by(Plan.id))):
        run_plan(plan_id)
        done += 1
    return done


def start(app: Flask, plan_id: int) -> None:
    """After the commit that stored the plan: hand it to the worker, or to the in-process thread."""
    if not app.config.get("PLAN_AUTOSTART", True):
        return
    if app.config.get("QUEUE_URL"):
        try:
            queue(app).enqueue(run_plan_job, plan_id, job_timeout=3600)
        except Exception:  # Redis down: the row stays queued; the worker's start-up sweep finds it
            log.exception("could not queue plan %s", plan_id)
        return
    _state(app).kick()


def wait(app: Flask, timeout: float | None = None) -> None:
    """Wait for the in-process thread's current run (the CLI and scripts)."""
    _state(app).join(timeout)


def run_plan_job(plan_id: int) -> dict[str, Any]:
    """The RQ job: solve one plan (inside the worker's app, or a new one)."""
    if has_app_context():
        return _job(plan_id)
    from .. import create_app

    with create_app().app_context():
        return _job(plan_id)


def sweep_job() -> dict[str, Any]:
    """The RQ job the worker queues at start: plans that were queued while Redis was away."""
    if has_app_context():
        return {"solved": run_queued()}
    from .. import create_app

    with create_app().app_context():
        return {"solved": run_queued()}


def _job(plan_id: int) -> dict[str, Any]:
    from .operations import run_plan

    try:
        plan = run_plan(plan_id)
        return {"plan": plan_id, "status": plan.status if plan else "missing"}
    finally:
        db.session.remove()
