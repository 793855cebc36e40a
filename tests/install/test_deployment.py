"""The wheel deployed as a city's IT staff would (README, Deployment): installed into a fresh virtual
environment outside the clone, init-db, demo-data, doctor, served by gunicorn from that venv with
the working directory outside the clone; every coordinator page fetched as the demo user, one
invitation sent to a real SMTP server (aiosmtpd) and its RSVP page opened.

Nothing here imports the clone: every command runs from the venv's own bin/."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from ..web.smtp_helpers import SMTPServer, free_port
from .conftest import ROOT, STRONG_KEY

pytestmark = pytest.mark.install

DEMO_USER, DEMO_PASSWORD = "demo", "wenping2026"
MAX_PER_ROUTE = 2  # pages of one route (/experts/1, /experts/2...): two are enough to know it works


@dataclass
class Deployment:
    venv: Path
    home: Path  # the working directory: a folder outside the clone
    env: dict[str, str]

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(self.venv / "bin" / "wenping-sched"), *args],
            cwd=self.home,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if check:
            assert result.returncode == 0, (args, result.stdout, result.stderr)
        return result


@pytest.fixture(scope="module")
def smtp() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def deployment(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    home = tmp_path_factory.mktemp("server")
    assert ROOT not in home.parents
    venv = home / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    started = time.monotonic()
    install = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", str(wheel)],
        cwd=home,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    print(f"\n[install] pip install of the wheel into a fresh venv: {time.monotonic() - started:.1f} s")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WENPING_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(
        WENPING_INSTANCE_PATH=str(home / "instance"),
        WENPING_SECRET_KEY=STRONG_KEY,
        PATH=f"{venv / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}",
    )
    return Deployment(venv, home, env)


def test_the_installed_package_is_the_wheel_not_the_clone(deployment: Deployment) -> None:
    where = subprocess.run(
        [
            str(deployment.venv / "bin" / "python"),
            "-c",
            "import wenping_sched; print(wenping_sched.__file__)",
        ],
        cwd=deployment.home,
        env=deployment.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(deployment.venv) and not Path(where).is_relative_to(ROOT)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.csrf: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        elif tag in ("link", "script", "img") and (a.get("href") or a.get("src")):
            self.links.append(str(a.get("href") or a.get("src")))
        elif tag == "input" and a.get("name") == "csrf_token":
            self.csrf = a.get("value")


def _parse(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def _route(path: str) -> str:
    """The route a path belongs to: /experts/17/edit → /experts/<n>/edit."""
    return re.sub(r"/\d+(?=/|$|\.)", "/<n>", path)


@pytest.fixture(scope="module")
def served(deployment: Deployment, smtp: SMTPServer) -> Iterator[str]:
    """init-db, demo-data and doctor from the venv; then gunicorn from the venv, mail to aiosmtpd."""
    assert "数据库已就绪" in deployment.run("init-db").stdout
    demo = deployment.run("demo-data").stdout
    assert "演示账号 demo / wenping2026" in demo
    port = free_port()
    deployment.env.update(
        WENPING_BASE_URL=f"http://127.0.0.1:{port}",
        WENPING_MAIL_SERVER=smtp.host,
        WENPING_MAIL_PORT=str(smtp.port),
    )
    doctor = deployment.run("doctor", check=False)
    # The one thing a new deployment on 1 December 2026 lacks: next year's holiday table.
    assert doctor.returncode == 1 and "✓ 数据库" in doctor.stdout and "✓ 邮件" in doctor.stdout
    assert "2027年放假安排尚未录入" in doctor.stdout
    log = (deployment.home / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [
            str(deployment.venv / "bin" / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--preload",
            "wenping_sched.wsgi:app",
        ],
        cwd=deployment.home,
        env=deployment.env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (deployment.home / "gunicorn.log").read_text()
            try:
                if requests.get(f"{url}/login", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not answer within 120 s"
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
        log.close()


def _log_in(url: str) -> requests.Session:
    session = requests.Session()
    csrf = _parse(session.get(f"{url}/login", timeout=30).text).csrf
    resp = session.post(
        f"{url}/login",
        data={"username": DEMO_USER, "password": DEMO_PASSWORD, "csrf_token": csrf or ""},
        timeout=30,
        allow_redirects=False,
    )
    assert resp.status_code == 302, resp.text[:500]
    return session


def test_every_coordinator_page_answers_as_the_demo_user(served: str) -> None:
    session = _log_in(served)
    queue, seen_routes, fetched, failures = ["/"], {"/": 1}, 0, []
    while queue:
        path = queue.pop(0)
        resp = session.get(served + path, timeout=60)
        fetched += 1
        if resp.status_code >= 400:
            failures.append((path, resp.status_code))
            continue
        if "text/html" not in resp.headers.get("Content-Type", ""):
            continue
        for link in _parse(resp.text).links:
            target = urlsplit(urljoin(served + path, link))
            if target.netloc != urlsplit(served).netloc or target.path == "/logout":
                continue
            full = target.path + (f"?{target.query}" if target.query else "")
            route = _route(target.path)
            if seen_routes.get(route, 0) >= MAX_PER_ROUTE or full in queue:
                continue
            seen_routes[route] = seen_routes.get(route, 0) + 1
            queue.append(full)
    assert not failures, failures
    # The navigation's pages, the details behind them, the static files and the downloads.
    for route in (
        "/pools",
        "/matters",
        "/matters/<n>",
        "/panels/<n>",
        "/draws/<n>",
        "/joint-meetings",
        "/plans",
        "/rooms",
        "/calendar",
        "/outbox",
        "/reports",
        "/calendar/month",
        "/experts/<n>",
        "/static/style.css",
        "/static/favicon.ico",
    ):
        assert route in seen_routes, (route, sorted(seen_routes))
    print(f"\n[install] {fetched} pages of {len(seen_routes)} routes fetched as {DEMO_USER}")


def test_an_invitation_reaches_the_mail_server_and_its_rsvp_page_opens(
    served: str, deployment: Deployment, smtp: SMTPServer
) -> None:
    token = requests.post(
        f"{served}/api/v1/auth/token", json={"username": DEMO_USER, "password": DEMO_PASSWORD}, timeout=30
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    matters = requests.get(f"{served}/api/v1/matters", headers=headers, timeout=30).json()
    proposed = [p["id"] for m in matters for p in m["panels"] if p["status"] == "proposed"]
    assert proposed, "the demo city has a proposed panel waiting for confirmation"
    confirmed = requests.post(f"{served}/api/v1/panels/{proposed[0]}/confirm", headers=headers, timeout=60)
    assert confirmed.status_code == 200, confirmed.text
    members = confirmed.json()["members"]
    addresses = {
        requests.get(f"{served}/api/v1/experts/{m['expert_id']}", headers=headers, timeout=30).json()["email"]
        for m in members
    }
    # The outbox once, from the venv (the web process may have sent some already: each goes once).
    worker = deployment.run("worker", "--once")
    assert "已发送" in worker.stdout

    deadline = time.monotonic() + 60
    while not addresses <= {to for r in smtp.received for to in r.rcpt_tos}:
        assert time.monotonic() < deadline, "the invitations did not arrive within 60 s"
        time.sleep(0.2)
    invitation = next(r for r in smtp.received if set(r.rcpt_tos) & addresses)
    message = invitation.message
    calendar = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    assert "METHOD:REQUEST" in calendar.get_content()
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    link = re.search(r"https?://\S+/rsvp/[A-Za-z0-9_.\-]+", text.get_content())
    assert link and link.group(0).startswith(served)
    page = requests.get(link.group(0), timeout=30)  # a phone, no login
    assert page.status_code == 200 and 'lang="zh-CN"' in page.text
    # The web process and the worker both delivered: still each mail exactly once.
    message_ids = [r.message["Message-ID"] for r in smtp.received]
    assert len(message_ids) == len(set(message_ids))
