"""The real app (demo city, SQLite in a temporary folder) served by werkzeug on 127.0.0.1, a real SMTP
server, and Debian's chromium driven by Playwright (never ``playwright install``)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ..web.smtp_helpers import Received, SMTPServer, free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
SENDER = "wenping@jiuquan.gov.cn"
PASSWORD = "wenping2026"  # the demo logins' password (wenping_sched.demo.DEMO_PASSWORD)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)
            if not CHROMIUM.exists():
                item.add_marker(
                    pytest.mark.skip(
                        reason="browser tests need Debian's chromium at /usr/bin/chromium "
                        "(apt-get install chromium fonts-noto-cjk, or run scripts/system-deps)"
                    )
                )


@dataclass
class Live:
    """The running app: its URL, the Flask app (for delivering mail and reading rows) and the mail server."""

    url: str
    app: Any
    smtp: SMTPServer

    def deliver(self) -> Any:
        """Send what the outbox holds now, as the delivery thread would (no sleeping)."""
        from wenping_sched.extensions import db
        from wenping_sched.invitations.outbox import deliver_due

        with self.app.app_context():
            try:
                return deliver_due()
            finally:
                db.session.remove()

    def rsvp_links(self, received: list[Received]) -> list[str]:
        return [rsvp_link(r) for r in received]


def text_part(received: Received) -> str:
    part = received.message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def rsvp_link(received: Received) -> str:
    """The personal RSVP link, read from the mail's text part as the recipient would."""
    match = re.search(r"https?://[^\s]+/rsvp/[A-Za-z0-9_.\-]+", text_part(received))
    assert match, text_part(received)
    return match.group(0)


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    from werkzeug.serving import make_server

    from wenping_sched import create_app
    from wenping_sched.demo import load_demo_data
    from wenping_sched.extensions import db

    smtp = SMTPServer()
    smtp.start()
    folder = tmp_path_factory.mktemp("e2e")
    port = free_port()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'e2e.sqlite3'}",
            "INSTANCE_PATH": str(folder),
            "SECRET_KEY": "e2e-secret",
            "BASE_URL": f"http://127.0.0.1:{port}",
            "MAIL_SERVER": smtp.host,
            "MAIL_PORT": smtp.port,
            "MAIL_DEFAULT_SENDER": SENDER,
            # The test delivers the outbox itself, when it wants the mail.
            "OUTBOX_AUTODELIVER": False,
        }
    )
    with app.app_context():
        db.create_all()
        load_demo_data()
        db.session.remove()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    yield Live(f"http://127.0.0.1:{port}", app, smtp)
    server.shutdown()
    server.server_close()
    thread.join(5)
    smtp.stop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def new_page(browser: Any, live: Live, phone: bool = False) -> Any:
    """A fresh context (its own cookies) in Chinese; a phone-sized viewport when asked."""
    size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(
        base_url=live.url,
        viewport=size,
        locale="zh-CN",
        accept_downloads=True,
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=2 if phone else 1,
    )
    context.set_default_timeout(20_000)
    return context.new_page()


def log_in(page: Any, username: str) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/(me)?$"))
