"""Every response's security headers, a content security policy the pages keep, and CSRF on every
form of every blueprint."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import g

from tests.conftest import PASSWORD

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _policy(resp: Any) -> dict[str, str]:
    policy = resp.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[-1] for part in (p.strip() for p in policy.split(";"))}


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/login", "page"),
        ("/static/style.css", "other"),
        ("/static/app.js", "other"),
        ("/api/v1/openapi.json", "other"),
        ("/api/v1/experts", "other"),  # a 401 in JSON
        ("/rsvp/not-a-token", "page"),  # a 404 page
    ],
)
def test_every_response_has_the_security_headers(client, path, kind):
    resp = client.get(path)
    resp.get_data()
    resp.close()  # a static file's handle is closed
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    policy = _policy(resp)
    assert policy["frame-ancestors"] == "'none'"
    assert "http" not in resp.headers["Content-Security-Policy"]  # no outside host
    if kind == "page":
        assert policy["script-src"] == "'self'"  # no inline script, no other site
        assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
    else:
        assert policy["default-src"] == "'none'"


def test_the_api_docs_load_swagger_ui_from_this_server_only(client):
    """Swagger UI is shipped in the wheel (flask-swagger-ui): the docs page names no outside host
    and runs no inline script; only Swagger UI's own inline styles are allowed."""
    resp = client.get("/api/v1/docs")
    policy = _policy(resp)
    assert policy["frame-ancestors"] == "'none'"
    assert "http" not in resp.headers["Content-Security-Policy"]
    assert policy["script-src"] == "'self'"
    assert policy["connect-src"] == "'self'"


def test_a_pages_style_blocks_carry_this_responses_nonce(client, login, make_user):
    login(make_user())
    resp = client.get("/reports")
    nonce = re.search(r"'nonce-([^']+)'", _policy(resp)["style-src"])
    assert nonce is not None
    html = resp.get_data(as_text=True)
    styles = re.findall(r"<style([^>]*)>", html)
    assert styles and all(f'nonce="{nonce.group(1)}"' in attrs for attrs in styles)
    other = client.get("/reports")
    assert _policy(other)["style-src"] != _policy(resp)["style-src"]  # a new nonce each time


def test_no_template_has_inline_script_handlers_or_style_attributes():
    """The policy forbids them: a page with one would silently lose that behaviour or style.

    Mail templates are not pages (the policy does not apply to a mail client) and keep theirs."""
    problems = []
    for path in TEMPLATES.rglob("*.html"):
        if "email" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(TEMPLATES)
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            problems.append(f"{name}: inline <script>")
        if re.search(r"\son[a-z]+\s*=", text):
            problems.append(f"{name}: inline event handler")
        if re.search(r"\sstyle\s*=", text):
            problems.append(f"{name}: style attribute")
        if re.search(r"<style(?![^>]*nonce=)", text):
            problems.append(f"{name}: <style> without the nonce")
        if re.search(r"""(src|href)=["']https?://""", text):
            problems.append(f"{name}: an outside host")
    assert not problems, problems


def test_every_page_title_is_plain_text():
    """A page's <title> holds words, not markup: a title block that swallowed a section (as a bad
    merge once did to the dashboard) shows raw HTML in the browser's tab and the history."""
    problems = []
    for path in TEMPLATES.rglob("*.html"):
        for block in re.findall(
            r"{% block title %}(.*?){% endblock %}", path.read_text(encoding="utf-8"), re.S
        ):
            if "<" in block or "\n" in block:
                problems.append(str(path.relative_to(TEMPLATES)))
    assert not problems, problems


# --- CSRF on every blueprint ------------------------------------------------------------------------


def _form_posts(app: Any) -> list[tuple[str, str]]:
    """(endpoint, url) of every POST a page form makes: not the API (bearer tokens) nor the RSVP link
    (its signed token is the credential, SERVICE.md)."""
    out = []
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()) or rule.rule.startswith(("/api/", "/rsvp/")):
            continue
        url = re.sub(r"<(?:\w+:)?(\w+)>", "1", rule.rule)
        out.append((rule.endpoint, url))
    return sorted(out)


def test_every_page_form_of_every_blueprint_needs_the_csrf_token(app, client, make_user):
    user = make_user()
    app.config["WTF_CSRF_ENABLED"] = True
    # Sign in with the token, as a browser does.
    page = client.get("/login").get_data(as_text=True)
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page
    )
    assert token is not None
    value = token.group(1) or token.group(2)
    resp = client.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": value})
    assert resp.status_code == 302

    posts = _form_posts(app)
    blueprints = {endpoint.split(".")[0] for endpoint, _ in posts}
    # Every blueprint with a page form: a new one must be here too (and is, by construction).
    assert blueprints >= {
        "auth", "experts", "matters", "panels", "plans", "meetings", "calendar_admin", "rooms",
        "invitations", "portal",
    }  # fmt: skip
    refused = {}
    for endpoint, url in posts:
        refused[endpoint] = client.post(url, data={"x": "1"}).status_code
    assert all(status == 400 for status in refused.values()), {e: s for e, s in refused.items() if s != 400}
    # And the token opens the door: the same form with it is not refused for want of it (a new
    # session began at login, with a token of its own: every page's logout form carries it).
    # (The test's app context outlives its requests; a real request starts with a fresh ``g``.)
    g.pop("csrf_token", None)
    fresh = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/").get_data(as_text=True))
    assert fresh is not None
    with_token = client.post("/experts/1/retire", data={"csrf_token": fresh.group(1)})
    assert with_token.status_code != 400
