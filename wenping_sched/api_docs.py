"""The HTTP API's documentation page, served whole by the app itself.

Government intranets reach no CDN, so Swagger UI's script and stylesheet come from a kept
package (flask-swagger-ui, which ships the swagger-ui-dist files) and are served under
``/api/v1/docs/assets/``; the page itself is ours, in Chinese.
"""

from __future__ import annotations

from importlib.resources import files

from flask import Blueprint, Flask, render_template, send_from_directory
from werkzeug.wrappers import Response

bp = Blueprint("openapi_docs", __name__)

# swagger-ui-dist's files as the package ships them (swagger-ui-bundle.js, swagger-ui.css, ...).
SWAGGER_UI_DIST = files("flask_swagger_ui") / "dist"


@bp.get("/api/v1/docs")
def page() -> str:
    return render_template("api_docs.html")


@bp.get("/api/v1/docs/assets/<path:filename>")
def asset(filename: str) -> Response:
    return send_from_directory(str(SWAGGER_UI_DIST), filename, max_age=86400)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
