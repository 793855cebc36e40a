"""The API's documentation page works on an intranet: Swagger UI draws every operation from files the
app serves itself, and the browser asks no other host for anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .conftest import Live, new_page


def test_api_docs_render_with_no_request_leaving_the_machine(live: Live, browser: Any, shots: Path) -> None:
    page = new_page(browser, live)
    own = urlsplit(live.url).netloc
    requests: list[str] = []
    outside: list[str] = []

    def route(r: Any) -> None:
        url = r.request.url
        requests.append(url)
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != own:
            outside.append(url)
            r.abort()  # as on an intranet: nothing out there answers
        else:
            r.continue_()

    page.context.route("**/*", route)
    page.goto("/api/v1/docs")
    # Every operation of the OpenAPI document is drawn, e.g. the token endpoint and the panel draw.
    page.locator(".opblock").first.wait_for()
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/auth/token" in [p.replace("\u200b", "") for p in paths]
    assert len(paths) >= 20
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "API 文档" in page.title()
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon and page.request.get(live.url + icon).status == 200
    page.screenshot(path=str(shots / "api-docs.png"))
    assert not outside, outside
    assert any(u.endswith("/swagger-ui-bundle.js") for u in requests)
    page.context.close()
