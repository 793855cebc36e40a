"""Headers every response carries: no MIME sniffing, no framing, and a content security policy.

Pages load scripts and styles from this site only: the scripts live in ``static/app.js`` (no
inline script or event handler), and the few ``<style>`` blocks carry the request's nonce
(``csp_nonce()`` in templates). Anything that is not a page (JSON, calendars, spreadsheets,
archives) may load nothing at all. The API's browsable documentation (Swagger UI, served by
the app itself from a kept package) also loads from this site only; Swagger UI writes inline
styles, which that page alone allows.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, has_request_context, request

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def csp_nonce() -> str:
    """This response's nonce for an inline ``<style>`` block (any token outside a request: an
    archive's standalone page has no policy to meet)."""
    if not has_request_context():
        return secrets.token_urlsafe(16)
    nonce = getattr(request, "_wenping_csp_nonce", None)
    if nonce is None:
        nonce = secrets.token_urlsafe(16)
        request._wenping_csp_nonce = nonce  # type: ignore[attr-defined]
    return str(nonce)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    docs_path = app.config.get("DOCS_PATH_FOR_CSP", "/api/v1/docs")

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if "Content-Security-Policy" not in headers:
            if request.path == docs_path and response.mimetype == "text/html":
                headers["Content-Security-Policy"] = DOCS_POLICY
            elif response.mimetype == "text/html":
                headers["Content-Security-Policy"] = PAGE_POLICY.format(nonce=csp_nonce())
            else:
                headers["Content-Security-Policy"] = OTHER_POLICY
        return response
