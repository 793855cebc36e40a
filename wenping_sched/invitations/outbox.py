"""The outbox: mail is a row written with the change that causes it, and a sender delivers it.

``enqueue`` adds the row to the caller's transaction, so a rolled-back change sends nothing.
``deliver_due`` claims due rows (``queued`` → ``sending``, committed before any byte goes
out), sends them over one SMTP connection, and marks each ``sent`` as soon as the server has
taken it; a refused or broken connection puts the rest back as ``queued`` with an
exponential back-off. A sent row is never claimed again, so nothing goes out twice.

After a commit that queued mail, delivery starts by itself: in a background thread by
default, or as an RQ job for ``wenping-sched worker`` when QUEUE_URL names a Redis.
"""

from __future__ import annotations

import contextlib
import logging
import queue as _queue
import smtplib
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, cast

from flask import Flask, current_app, has_app_context
from sqlalchemy import Table, bindparam, event, func, select, update
from sqlalchemy.orm import Session

from ..background import InProcessRunner, runner
from ..extensions import db
from ..models.outbox import OutboxMessage
from ..models.types import utcnow

log = logging.getLogger(__name__)

QUEUE_NAME = "wenping"
MAX_ATTEMPTS = 10
# A row left ``sending`` this long belongs to a sender that died mid-batch.
STALE_CLAIM = timedelta(minutes=15)
GROUP_COMMIT_WAIT = 0.005
_SESSION_FLAG = "wenping_outbox_app"


def enqueue(
    msg: EmailMessage,
    *,
    kind: str,
    invitation_id: int | None = None,
    panel_id: int | None = None,
    panel_member_id: int | None = None,
    meeting_id: int | None = None,
) -> OutboxMessage:
    """Put one message in the outbox, in the current transaction; it goes out after the commit."""
    from .mail import sender_address

    row = OutboxMessage(
        kind=kind,
        sender=sender_address(),
        to=str(msg["To"].addresses[0].addr_spec),
        subject=str(msg["Subject"]),
        message_id=str(msg["Message-ID"]),
        raw=msg.as_bytes(),
        invitation_id=invitation_id,
        panel_id=panel_id,
        panel_member_id=panel_member_id,
        meeting_id=meeting_id,
        status="queued",
        attempts=0,
        next_attempt_at=utcnow(),
    )
    db.session.add(row)
    db.session.info[_SESSION_FLAG] = current_app._get_current_object()  # type: ignore[attr-defined]
    return row


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: base × 2^(n-1), at most an hour."""
    base = float(current_app.config.get("OUTBOX_RETRY_SECONDS", 30))
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600.0))


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    deferred: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    held: bool = False  # no mail server configured: the mail stays in the outbox

    @property
    def claimed(self) -> int:
        return len(self.sent) + len(self.deferred) + len(self.failed)


def _transient(error: BaseException) -> bool:
    """4xx replies and broken connections are worth another try; 5xx replies are not."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _msg in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, smtplib.SMTPServerDisconnected | OSError | socket.timeout)


def _connect(timeout: float | None = None) -> smtplib.SMTP:
    config = current_app.config
    host, port = config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25)
    timeout = timeout or float(config.get("MAIL_TIMEOUT", 30))
    smtp: smtplib.SMTP
    if config.get("MAIL_USE_SSL"):
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    return smtp


def _claim(limit: int, now: datetime) -> list[OutboxMessage]:
    """Take up to ``limit`` due rows for this run; another sender cannot take the same rows."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < now - STALE_CLAIM)
        .values(status="queued", claim=None, last_error="发送进程中断，重新排队")
    )
    ids = _due(limit, now)
    if not ids:
        db.session.commit()
        return []
    return _take(ids, now)


def _due(limit: int, now: datetime) -> list[int]:
    """The ids of up to ``limit`` rows due now (another sender may be reading the same ones)."""
    return list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )


def _take(ids: list[int], now: datetime) -> list[OutboxMessage]:
    """Claim those of ``ids`` still queued, commit, and return the rows this claim took."""
    token = uuid.uuid4().hex
    # The status test in the WHERE makes the claim atomic per row, on SQLite and PostgreSQL alike:
    # a row another sender claimed after we read it is not taken again.
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "queued")
        .values(status="sending", claim=token, claimed_at=now)
    )
    db.session.commit()
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.claim == token).order_by(OutboxMessage.id)
        )
    )


def _column(attribute: str) -> str:
    """The column behind a mapped attribute (``to`` is stored as ``to_addr``)."""
    return str(OutboxMessage.__mapper__.attrs[attribute].columns[0].name)


class _Marks:
    """Writes each row's outcome from a thread of its own, many rows to a commit (group commit).

    The sender never waits for the database: while the server takes message k+1, the outcome
    of message k is committed. A row is marked a few milliseconds after the server took it,
    never batches later, so a crash leaves at most the last few rows ``sending``.
    """

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.queue: _queue.SimpleQueue[tuple[int, dict[str, Any]] | None] = _queue.SimpleQueue()
        self.error: BaseException | None = None
        # An in-memory SQLite database exists once per thread: write from this one instead.
        self.inline = engine.url.get_backend_name() == "sqlite" and engine.url.database in (
            None,
            "",
            ":memory:",
        )
        self.thread: threading.Thread | None = None
        if not self.inline:
            self.thread = threading.Thread(target=self._run, name="wenping-outbox-marks", daemon=True)
            self.thread.start()

    def put(self, row_id: int, **values: Any) -> None:
        if self.inline:
            self._write([(row_id, values)])
        else:
            self.queue.put((row_id, values))

    def _write(self, items: list[tuple[int, dict[str, Any]]]) -> None:
        # Outcomes with the same columns go as one executemany: the writer holds the GIL less.
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row_id, values in items:
            keys = tuple(sorted(values))
            groups.setdefault(keys, []).append({"row_id": row_id, **{f"v_{k}": v for k, v in values.items()}})
        table = cast(Table, OutboxMessage.__table__)
        with self.engine.begin() as conn:
            for keys, params in groups.items():
                statement = (
                    table.update()
                    .where(table.c.id == bindparam("row_id"))
                    .values({table.c[_column(k)]: bindparam(f"v_{k}") for k in keys})
                )
                conn.execute(statement, params)

    def _run(self) -> None:
        stop = False
        while not stop:
            item = self.queue.get()
            # A few milliseconds' wait gathers more outcomes into the commit, so the writer
            # takes the GIL from the sender less often; a row is still marked within ~10 ms.
            time.sleep(GROUP_COMMIT_WAIT)
            items = []
            while True:
                if item is None:
                    stop = True
                    break
                items.append(item)
                try:
                    item = self.queue.get_nowait()
                except _queue.Empty:
                    break
            if not items or self.error is not None:
                continue
            try:
                self._write(items)
            except Exception as e:  # the rows stay ``sending``; the stale-claim sweep requeues them
                log.exception("could not record delivery outcomes")
                self.error = e

    def close(self) -> None:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()


def _defer(
    marks: _Marks,
    row_id: int,
    attempts: int,
    error: BaseException | str,
    now: datetime,
    report: DeliveryReport,
) -> None:
    """A transient failure: back to ``queued`` after a back-off, or ``failed`` after MAX_ATTEMPTS."""
    attempts += 1
    text = str(error)[:500] or error.__class__.__name__
    if attempts >= MAX_ATTEMPTS:
        marks.put(row_id, status="failed", attempts=attempts, claim=None, last_error=text)
        report.failed.append(row_id)
    else:
        marks.put(
            row_id,
            status="queued",
            attempts=attempts,
            claim=None,
            last_error=text,
            next_attempt_at=now + backoff(attempts),
        )
        report.deferred.append(row_id)


def _fail(
    marks: _Marks, row_id: int, attempts: int, error: BaseException | str, report: DeliveryReport
) -> None:
    marks.put(row_id, status="failed", attempts=attempts + 1, claim=None, last_error=str(error)[:500])
    report.failed.append(row_id)


def deliver_due(limit: int = 200, now: datetime | None = None) -> DeliveryReport:
    """Send up to ``limit`` due messages over one SMTP connection; safe to run concurrently."""
    report = DeliveryReport()
    if not current_app.config.get("MAIL_SERVER"):
        report.held = True
        return report
    now = now or utcnow()
    rows = _claim(limit, now)
    if not rows:
        return report
    # Plain values: the session is not touched again until every outcome is written.
    batch = [(r.id, r.sender, r.to, r.raw, r.attempts) for r in rows]
    for r in rows:
        db.session.expunge(r)
    db.session.commit()
    marks = _Marks(db.engine)
    try:
        _send_batch(batch, marks, now, report)
    finally:
        marks.close()
    return report


def _send_batch(
    batch: list[tuple[int, str, str, bytes, int]], marks: _Marks, now: datetime, report: DeliveryReport
) -> None:
    try:
        smtp = _connect()
    except (smtplib.SMTPException, OSError) as e:
        log.warning("mail server unreachable: %s", e)
        for row_id, _sender, _to, _raw, attempts in batch:
            _defer(marks, row_id, attempts, e, now, report)
        return
    broken: BaseException | None = None
    try:
        for row_id, sender, to, raw, attempts in batch:
            if broken is not None:
                # The connection is gone: the rest wait too, without counting an attempt they never had.
                marks.put(
                    row_id,
                    status="queued",
                    claim=None,
                    last_error=str(broken)[:500],
                    next_attempt_at=now + backoff(max(attempts, 1)),
                )
                report.deferred.append(row_id)
                continue
            try:
                smtp.sendmail(sender, [to], raw)
            except smtplib.SMTPException as e:
                if _transient(e):
                    _defer(marks, row_id, attempts, e, now, report)
                    # 421: the server is closing the connection (smtplib has closed it already).
                    if isinstance(e, smtplib.SMTPServerDisconnected) or getattr(e, "smtp_code", 0) == 421:
                        broken = e
                else:
                    _fail(marks, row_id, attempts, e, report)
                    _reset(smtp)
            except OSError as e:
                _defer(marks, row_id, attempts, e, now, report)
                broken = e
            except UnicodeError as e:
                # An address that needs SMTPUTF8 the server did not offer: retrying will not help.
                _fail(marks, row_id, attempts, f"地址无法发送：{e}", report)
                _reset(smtp)
            except Exception as e:  # anything else: keep the row, try later, give up after MAX_ATTEMPTS
                log.exception("unexpected error sending outbox message %s", row_id)
                _defer(marks, row_id, attempts, repr(e), now, report)
                broken = e
            else:
                # Recorded as soon as the server has taken the mail (see _Marks).
                marks.put(
                    row_id, status="sent", attempts=attempts + 1, claim=None, sent_at=utcnow(), last_error=""
                )
                report.sent.append(row_id)
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _reset(smtp: smtplib.SMTP) -> None:
    with contextlib.suppress(smtplib.SMTPException, OSError):
        smtp.rset()


def next_due() -> datetime | None:
    """When the earliest waiting message is due (None: nothing waits)."""
    return db.session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(OutboxMessage.status == "queued")
    )


def deliver_all(now: datetime | None = None, limit: int = 200) -> DeliveryReport:
    """Deliver batch after batch until nothing is due now (used by the worker and the thread)."""
    total = DeliveryReport()
    while True:
        report = deliver_due(limit, now)
        total.held = report.held
        total.sent += report.sent
        total.deferred += report.deferred
        total.failed += report.failed
        if report.held or report.claimed < limit or report.deferred:
            return total


# --- starting delivery after a commit -------------------------------------------------------


def _deliver_and_say_when_next() -> datetime | None:
    deliver_all()
    return next_due()


def _state(app: Flask) -> InProcessRunner:
    """One delivery thread per app at a time; a timer wakes it for the next retry."""
    return runner(app, "wenping-outbox", _deliver_and_say_when_next)


def kick(app: Flask) -> None:
    """Start delivery now: an RQ job when QUEUE_URL is set, else the in-process thread."""
    if not app.config.get("MAIL_SERVER") or not app.config.get("OUTBOX_AUTODELIVER", True):
        return
    if app.config.get("QUEUE_URL"):
        try:
            queue(app).enqueue(deliver_job, job_timeout=600)
        except Exception:  # Redis down: the rows are safe in the database; the worker's sweep finds them
            log.exception("could not queue mail delivery")
        return
    _state(app).kick()


def wait_for_delivery(app: Flask, timeout: float = 10) -> None:
    """Wait for the in-process sender to finish its current run (tests and the CLI)."""
    _state(app).join(timeout)


def queue(app: Flask) -> Any:
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE_NAME, connection=Redis.from_url(app.config["QUEUE_URL"]))


def deliver_job() -> dict[str, int]:
    """The RQ job: deliver everything due; ask to run again when a retry is waiting."""
    if has_app_context():
        return _deliver_job(current_app._get_current_object())  # type: ignore[attr-defined]
    from .. import create_app

    app = create_app()
    with app.app_context():
        return _deliver_job(app)


def _deliver_job(app: Flask) -> dict[str, int]:
    report = deliver_all()
    due = next_due()
    if due is not None and not report.held:
        delay = max(due - utcnow(), timedelta(seconds=1))
        queue(app).enqueue_in(delay, deliver_job, job_timeout=600)
    return {"sent": len(report.sent), "deferred": len(report.deferred), "failed": len(report.failed)}


def _after_commit(session: Session) -> None:
    app = session.info.pop(_SESSION_FLAG, None)
    if app is not None:
        kick(app)


def _after_rollback(session: Session) -> None:
    session.info.pop(_SESSION_FLAG, None)


def init_app(app: Flask) -> None:
    app.config.setdefault("OUTBOX_AUTODELIVER", True)
    app.config.setdefault("OUTBOX_RETRY_SECONDS", 30)
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda session, previous: _after_rollback(session))
