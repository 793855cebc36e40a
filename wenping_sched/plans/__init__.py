"""Plans (年度评审计划): many panel requests solved as one batch, off the request, with progress."""

from __future__ import annotations

from typing import Any

from apiflask import APIFlask

from ..extensions import csrf


def init_app(app: APIFlask) -> None:
    from . import api, routes

    app.config.setdefault("PLAN_AUTOSTART", True)
    app.register_blueprint(routes.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)

    previous = app.spec_callback

    # APIFlask documents a many=True input as one object; the body is a list of requests.
    @app.spec_processor
    def list_body(spec: Any) -> Any:
        if previous is not None:
            spec = previous(spec)
        operation = spec.get("paths", {}).get("/api/v1/plans", {}).get("post")
        if operation and "requestBody" in operation:
            body = operation["requestBody"]["content"]["application/json"]
            if body["schema"].get("type") != "array":
                body["schema"] = {"type": "array", "items": body["schema"], "minItems": 1, "maxItems": 500}
        return spec
