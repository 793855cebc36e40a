"""Load: the RSVP page and the pools page under 50 concurrent clients, next to a bare Flask handler.

    python -m bench.load [--duration 10] [--connections 50] [--workers 3] [--threads 1] [--postgres URL]

Builds the demo city in a fresh SQLite database in a temporary folder (or in the PostgreSQL
database given), confirms one panel to get a real invitation and its signed RSVP token, and
makes a logged-in session cookie for a city coordinator. Then it serves the app with gunicorn
(``--workers`` gthread workers of ``--threads`` threads on 127.0.0.1; one thread each
by default, since the work is CPU-bound Python on two cores) and runs wrk for ``--duration`` seconds each
against GET /rsvp/TOKEN and GET /pools; then serves ``bench.bare_app`` with the same gunicorn
settings and runs wrk against it. Prints requests/s and p99 latency and writes
bench/results-load.md. Every server is stopped at the end; nothing listens beyond 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).with_name("results-load.md")
SECRET = "bench-load-secret"


@dataclass
class Run:
    label: str
    requests_per_second: float
    p99_ms: float
    requests: int
    errors: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(database_url: str, instance: Path) -> tuple[str, str]:
    """The demo city, one confirmed panel: an RSVP token and a coordinator's session cookie."""
    os.environ.update(WENPING_DATABASE_URL=database_url, WENPING_SECRET_KEY=SECRET)
    os.environ.pop("WENPING_MAIL_SERVER", None)
    os.environ.pop("WENPING_QUEUE_URL", None)
    from sqlalchemy import select

    from wenping_sched import create_app
    from wenping_sched.auth.operations import create_user
    from wenping_sched.demo import load_demo_data
    from wenping_sched.extensions import db
    from wenping_sched.invitations import rsvp
    from wenping_sched.models import Matter, User
    from wenping_sched.models.outbox import Invitation
    from wenping_sched.panels import operations
    from wenping_sched.seeding import ensure_reference_data

    app = create_app({"INSTANCE_PATH": str(instance)})
    with app.app_context():
        db.drop_all()
        db.create_all()
        ensure_reference_data()
        db.session.commit()
        load_demo_data()
        user = db.session.scalar(select(User).where(User.username == "bench"))
        if user is None:
            user = create_user("bench", "bench-pass-2026", "coordinator", scope="city")
            db.session.commit()
        matter = db.session.scalars(select(Matter).order_by(Matter.id)).first()
        assert matter is not None
        monday = date.today() + timedelta(days=21 - date.today().weekday())
        window = operations.parse_window([f"{monday}T08:30", f"{monday + timedelta(days=11)}T18:00"])
        panel = operations.propose_panel(
            user, matter, {"size": 3, "seats": {}, "min_senior": 0, "window": window, "duration_minutes": 120}
        )
        db.session.commit()
        operations.confirm_panel(user, panel)
        db.session.commit()
        invitation = db.session.scalars(
            select(Invitation).where(Invitation.subject_type == "panel", Invitation.subject_id == panel.id)
        ).first()
        assert invitation is not None
        token = rsvp.rsvp_token(invitation)
        serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
        cookie = serializer.dumps({"_user_id": str(user.id), "_fresh": True, "_permanent": True})
        db.session.remove()
        db.engine.dispose()
    return token, f"{app.config['SESSION_COOKIE_NAME']}={cookie}"


def serve(target: str, port: int, workers: int, threads: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--preload",
        "--log-level",
        "warning",
        target,
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                time.sleep(0.5)  # let every worker boot
                return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}") from None
            time.sleep(0.2)
    stop(process)
    raise RuntimeError("gunicorn did not start in 30 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(label: str, url: str, duration: int, connections: int, headers: dict[str, str]) -> Run:
    # Two unrecorded seconds first: every worker has answered and opened its connections.
    warm = ["wrk", "-t2", f"-c{connections}", "-d2s", "--timeout", "5s"]
    for key, value in headers.items():
        warm += ["-H", f"{key}: {value}"]
    subprocess.run([*warm, url], capture_output=True, timeout=60, check=True)
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "--latency"]
    for key, value in headers.items():
        command += ["-H", f"{key}: {value}"]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=duration + 60, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s|m)\b", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failures = int(bad.group(1)) if bad else 0
    if errors:
        failures += sum(int(g) for g in errors.groups())
    assert p99 is not None, out
    run = Run(label, rps, _ms(*p99.groups()), total, failures)
    print(
        f"{label:<28} {run.requests_per_second:>9.0f} req/s   p99 {run.p99_ms:>7.1f} ms   "
        f"{run.requests} requests, {run.errors} errors",
        flush=True,
    )
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--postgres", help="a PostgreSQL URL to use instead of a fresh SQLite file (it is emptied)"
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="wenping-load-"))
    database_url = args.postgres or f"sqlite:///{tmp / 'load.sqlite3'}"
    token, cookie = prepare(database_url, tmp)
    env = {
        **os.environ,
        "WENPING_DATABASE_URL": database_url,
        "WENPING_SECRET_KEY": SECRET,
        "PYTHONPATH": str(ROOT),
    }
    runs: list[Run] = []
    port = free_port()
    process = serve("wenping_sched.wsgi:app", port, args.workers, args.threads, env)
    try:
        base = f"http://127.0.0.1:{port}"
        runs.append(wrk("RSVP GET /rsvp/TOKEN", f"{base}/rsvp/{token}", args.duration, args.connections, {}))
        runs.append(
            wrk("pools page GET /pools", f"{base}/pools", args.duration, args.connections, {"Cookie": cookie})
        )
    finally:
        stop(process)
    port = free_port()
    process = serve("bench.bare_app:app", port, args.workers, args.threads, env)
    try:
        runs.append(
            wrk("bare Flask handler", f"http://127.0.0.1:{port}/", args.duration, args.connections, {})
        )
    finally:
        stop(process)
    shutil.rmtree(tmp, ignore_errors=True)

    rsvp_run, pools_run, bare = runs
    ratio = rsvp_run.requests_per_second / bare.requests_per_second
    print(f"RSVP / bare throughput: {ratio:.0%} (target ≥ 50%); p99 target < 100 ms")
    backend = "PostgreSQL" if args.postgres else "SQLite"
    lines = [
        "# Load: RSVP page and pools page at 50 concurrent clients",
        "",
        f"`python -m bench.load --duration {args.duration} --connections {args.connections} "
        f"--workers {args.workers}{' --postgres URL' if args.postgres else ''}` on {os.cpu_count()} cores, "
        f"{backend}, the demo city. gunicorn `--workers {args.workers} --worker-class gthread "
        f"--threads {args.threads} --preload` on 127.0.0.1 for both the app and the bare handler; "
        f"wrk `-t2 -c{args.connections} -d{args.duration}s` on the same machine "
        "(it takes CPU from the servers).",
        "",
        "| endpoint | requests/s | p99 latency (ms) | requests | errors / non-2xx |",
        "| --- | ---: | ---: | ---: | ---: |",
        *[
            f"| {r.label} | {r.requests_per_second:.0f} | {r.p99_ms:.1f} | {r.requests} | {r.errors} |"
            for r in runs
        ],
        "",
        f"RSVP throughput is **{ratio:.0%}** of the bare handler's (target ≥ 50%); "
        f"p99: RSVP {rsvp_run.p99_ms:.1f} ms, pools {pools_run.p99_ms:.1f} ms (target < 100 ms).",
        "",
    ]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print(f"written {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
