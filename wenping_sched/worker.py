"""``wenping-sched worker``: an RQ worker on QUEUE_URL, or without one a loop that delivers due mail.

It serves two domains (the invitations' mail and the plans' solves), so it sits above both.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Any

import click
from flask import Flask, current_app

from .extensions import db
from .invitations import outbox
from .invitations.notifications import send_meeting_reminders

log = logging.getLogger(__name__)


def _sweep() -> outbox.DeliveryReport:
    """Reminders that have fallen due, then every mail that is due, then any queued plan."""
    from .plans.runner import run_queued

    if send_meeting_reminders():
        db.session.commit()
    report = outbox.deliver_all()
    db.session.remove()
    run_queued()
    db.session.remove()
    return report


def run_worker(interval: float = 5.0, once: bool = False) -> int:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("MAIL_SERVER"):
        click.echo("未配置邮件服务器（WENPING_MAIL_SERVER）：邮件保留在发件箱中，不会发出。", err=True)
    if once:
        report = _sweep()
        click.echo(
            f"已发送 {len(report.sent)} 封，推迟 {len(report.deferred)} 封，失败 {len(report.failed)} 封"
        )
        return 0
    if app.config.get("QUEUE_URL"):
        return _run_rq(app)
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo(f"wenping-sched worker：每 {interval:g} 秒发送到期邮件（按 Ctrl+C 停止）")
    while not stop.is_set():
        try:
            report = _sweep()
            if report.claimed:
                log.info(
                    "sent %d, deferred %d, failed %d",
                    len(report.sent),
                    len(report.deferred),
                    len(report.failed),
                )
        except Exception:  # keep running: the rows stay queued and the next sweep retries
            log.exception("delivery sweep failed")
            db.session.rollback()
        stop.wait(interval)
    return 0


def rq_queues(app: Flask) -> list[Any]:
    """The queues a worker listens on: mail first (short jobs), then plans (long solves)."""
    from redis import Redis
    from rq import Queue

    from .plans import runner

    connection = Redis.from_url(app.config["QUEUE_URL"])
    return [
        Queue(outbox.QUEUE_NAME, connection=connection),
        Queue(runner.queue_name(app), connection=connection),
    ]


def _run_rq(app: Flask) -> int:
    from rq import SimpleWorker

    from .plans import runner

    mail_queue, solve_queue = rq_queues(app)
    # Mail and plans that were queued while Redis was away are found by one sweep at start.
    mail_queue.enqueue(outbox.deliver_job, job_timeout=600)
    solve_queue.enqueue(runner.sweep_job, job_timeout=3600)
    click.echo(f"wenping-sched worker：RQ 队列 {mail_queue.name}、{solve_queue.name}")
    # SimpleWorker runs jobs in this process, inside the app context the CLI pushed.
    worker = SimpleWorker([mail_queue, solve_queue], connection=mail_queue.connection)
    worker.work(with_scheduler=True)
    return 0
