"""Nothing leaves the machine: no page, stylesheet or script the app serves references an outside host.

Government intranets have no internet, so a page that loads a script, a font or a stylesheet from a
CDN is blank or broken there. Every GET route of the permissions table is fetched as every kind of
caller; each HTML page, stylesheet and script among the answers is read for references
(``src``, ``href``, ``action``, ``url()``, ``@import``, ``import``/``fetch`` in scripts); every
reference to the app itself is fetched in turn (it must answer 200) and read the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

from .test_permissions import ROLES, TABLE, World, _build, _client

BASE_URL = "https://wenping.jiuquan.gov.cn"
# The test client's own origin, and the public address the app writes into links.
OWN_HOSTS = {"localhost", urlsplit(BASE_URL).netloc}
URL_ATTRIBUTES = {"src", "href", "action", "formaction", "poster", "data", "srcset", "background"}
CSS_REFERENCES = re.compile(r"""url\(\s*["']?([^"')\s]+)|@import\s+["']([^"']+)""")
SCRIPT_REFERENCES = re.compile(
    r"""(?:\b(?:src|href|action)\s*[=:]\s*|\bimport\s*\(?\s*|\bfetch\s*\(\s*|\bfrom\s+|url\(\s*)"""
    r"""["'`]((?:https?:)?//[^"'`\s)]+)"""
)


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if value is None:
                continue
            if name == "srcset":
                self.urls += [part.split()[0] for part in value.split(",") if part.strip()]
            elif name in URL_ATTRIBUTES:
                self.urls.append(value)
            elif name == "style":
                self.styles.append(value)
            elif name == "content" and "url=" in value.lower():  # <meta http-equiv="refresh">
                self.urls.append(value.split("=", 1)[1].strip())

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def references(body: str, content_type: str) -> list[str]:
    """Every URL the document points at."""
    if content_type.startswith("text/html"):
        parser = _References()
        parser.feed(body)
        return parser.urls + [u for css in parser.styles for u in references(css, "text/css")]
    if content_type.startswith("text/css"):
        return [a or b for a, b in CSS_REFERENCES.findall(body)]
    if "javascript" in content_type:
        return SCRIPT_REFERENCES.findall(body)
    return []


def outside(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("", "http", "https", "webcal", "ws", "wss"):
        return bool(parts.netloc) and parts.netloc not in OWN_HOSTS
    return parts.scheme not in ("data", "mailto", "tel", "javascript", "blob", "about")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, World]]:
    from wenping_sched import create_app
    from wenping_sched.extensions import db

    tmp = tmp_path_factory.mktemp("offline")
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'offline.sqlite3'}",
            "SECRET_KEY": "offline",
            "BASE_URL": BASE_URL,
            "MAIL_SERVER": None,
            "PLAN_AUTOSTART": False,
        }
    )
    world = World()
    with app.app_context():
        _build(world)
        db.session.remove()
    yield app, world
    with app.app_context():
        db.engine.dispose()


def _get(client: Any, url: str) -> tuple[int, str, str]:
    response = client.get(url)
    body = response.get_data(as_text=True) if _readable(response.content_type) else ""
    status, content_type = response.status_code, response.content_type
    response.close()
    return status, content_type, body


def _readable(content_type: str) -> bool:
    return content_type.startswith(("text/html", "text/css")) or "javascript" in content_type


@pytest.mark.parametrize("role", ROLES)
def test_no_served_page_stylesheet_or_script_references_an_outside_host(
    world: tuple[Any, World], role: str
) -> None:
    app, w = world
    client = _client(app, w, role)
    pages = [
        path.format(**w.ids)
        for endpoint, (method, path, _body, _expected) in TABLE.items()
        if (method == "GET" and not path.startswith("/api/v1/")) or endpoint.startswith("openapi_docs.")
    ]
    assert "/api/v1/docs" in pages and "/login" in pages
    queue, seen, found, read = list(pages), set(pages), [], 0
    while queue:
        url = queue.pop()
        status, content_type, body = _get(client, url)
        if url not in pages:  # an asset a served document points at: it must be there
            assert status == 200, (role, url, status)
        if not _readable(content_type):
            continue
        read += 1
        for ref in references(body, content_type):
            if outside(ref):
                found.append((url, ref))
            elif _is_asset(ref) and (target := _local(url, ref)) not in seen:
                seen.add(target)
                queue.append(target)
    assert not found, f"references to outside hosts ({role}): {found[:10]}"
    # The walk read pages and the assets behind them, not just redirects to the login page.
    assert read >= (len(pages) // 2 if role != "anon" else 3)
    assert {"/static/style.css", "/static/favicon.ico"} <= seen


def _is_asset(ref: str) -> bool:
    path = urlsplit(ref).path
    return Path(path).suffix in {".css", ".js", ".ico", ".png", ".svg", ".woff", ".woff2", ".ttf", ".gif"}


def _local(page: str, ref: str) -> str:
    parts = urlsplit(urljoin("http://localhost" + page, ref))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_the_check_itself_finds_outside_references() -> None:
    html = (
        '<html><head><link rel="stylesheet" href="https://cdn.jsdelivr.net/x.css">'
        '<style>body{background:url("//fonts.example.com/a.png")}</style></head>'
        '<body><img src="/static/a.png"><a href="https://wenping.jiuquan.gov.cn/rsvp/x">我的链接</a></body></html>'
    )
    assert [r for r in references(html, "text/html; charset=utf-8") if outside(r)] == [
        "https://cdn.jsdelivr.net/x.css",
        "//fonts.example.com/a.png",
    ]
    css = '@import "https://fonts.googleapis.com/css"; .a{background:url(data:image/svg+xml;utf8,<svg/>)}'
    assert [r for r in references(css, "text/css") if outside(r)] == ["https://fonts.googleapis.com/css"]
    script = (
        'var a="http://www.w3.org/2000/svg";s.src="https://cdn.example.com/x.js";fetch("https://api.x.cn/")'
    )
    assert [r for r in references(script, "text/javascript") if outside(r)] == [
        "https://cdn.example.com/x.js",
        "https://api.x.cn/",
    ]
