"""``wenping-sched worker``: an RQ worker on QUEUE_URL, or without one a loop that delivers due mail."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import click
from flask import current_app

from ..extensions import db
from . import outbox
from .notifications import send_meeting_reminders

log = logging.getLogger(__name__)


def _sweep() -> outbox.DeliveryReport:
    """Reminders that have fallen due, then every mail that is due."""
    if send_meeting_reminders():
        db.session.commit()
    report = outbox.deliver_all()
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


def _run_rq(app: object) -> int:
    from redis import Redis
    from rq import Queue, SimpleWorker

    connection = Redis.from_url(current_app.config["QUEUE_URL"])
    queue = Queue(outbox.QUEUE_NAME, connection=connection)
    # Mail that was queued while Redis was away is found by one sweep at start.
    queue.enqueue(outbox.deliver_job, job_timeout=600)
    click.echo(f"wenping-sched worker：RQ 队列 {outbox.QUEUE_NAME}")
    # SimpleWorker runs jobs in this process, inside the app context the CLI pushed.
    worker = SimpleWorker([queue], connection=connection)
    worker.work(with_scheduler=True)
    return 0
