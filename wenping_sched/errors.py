"""One error shape for the API, Chinese error pages for people.

API errors are ``{"error": {"code", "message", "fields"}}`` (SERVICE.md); pages get a
plain page in Chinese. Nothing reaches a user as a traceback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any, NoReturn

from apiflask import APIFlask, HTTPError
from flask import Response, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}

# The database went away (restart, fail-over, a killed connection): a 503, never a traceback.
DATABASE_OUTAGES = (OperationalError, DisconnectionError, InterfaceError)


def default_message(status: int) -> str:
    messages = {
        400: _("请求格式不正确"),
        401: _("需要登录或令牌无效"),
        403: _("无权访问"),
        404: _("未找到"),
        405: _("不支持该请求方法"),
        409: _("与当前状态冲突"),
        413: _("请求内容过大"),
        415: _("不支持的内容类型"),
        422: _("请求数据不符合规则"),
        429: _("请求过于频繁"),
        500: _("服务器内部错误"),
        503: _("服务暂时不可用（数据库连接中断），本次操作未保存，请稍后重试"),
    }
    return messages.get(status, _("请求失败"))


def api_abort(
    status: int,
    message: str | None = None,
    fields: dict[str, Any] | None = None,
    code: str | None = None,
    **extra: Any,
) -> NoReturn:
    """Stop an API request with the contract's error shape (``extra`` adds keys, e.g. ``reasons``)."""
    raise HTTPError(
        status,
        message or default_message(status),
        extra_data={"code": code or CODES.get(status, "error"), "fields": fields or {}, **extra},
    )


# marshmallow's English messages, said in Chinese for the people who read them.
_FIXED = {
    "Missing data for required field.": "缺少必填字段",
    "Field may not be null.": "不能为空值",
    "Unknown field.": "未知字段",
    "Not a valid string.": "应为字符串",
    "Not a valid utf-8 string.": "应为 UTF-8 字符串",
    "Not a valid integer.": "应为整数",
    "Not a valid number.": "应为数字",
    "Number too large.": "数值过大",
    "Special numeric values (nan or infinity) are not permitted.": "不能是 NaN 或无穷大",
    "Not a valid boolean.": "应为布尔值（true/false）",
    "Not a valid list.": "应为列表",
    "Not a valid tuple.": "应为列表",
    "Not a valid mapping type.": "应为对象",
    "Not a valid datetime.": "不是有效的日期时间（应为 ISO 8601，如 2026-03-02T08:30）",
    "Not a valid date.": "不是有效的日期（应为 YYYY-MM-DD）",
    "Not a valid time.": "不是有效的时间（应为 HH:MM）",
    "Not a valid period of time.": "不是有效的时长",
    "Not a valid email address.": "不是有效的电子邮件地址",
    "Not a valid URL.": "不是有效的网址",
    "Not a valid UUID.": "不是有效的 UUID",
    "Invalid input type.": "输入类型不正确",
    "Invalid type.": "类型不正确",
    "Invalid input.": "输入不正确",
    "Invalid value.": "取值不正确",
    "Invalid JSON body.": "请求体不是有效的 JSON",
    "String does not match expected pattern.": "格式不正确",
    "Shorter than minimum length 1.": "不能为空",
    "Length must be between 1 and 1.": "长度不正确",
}
_PATTERNS = [
    (re.compile(r"Must be one of: (.*)\."), "必须是以下之一：{0}"),
    (re.compile(r"Must be greater than or equal to (\S+)\.?"), "必须大于或等于 {0}"),
    (re.compile(r"Must be less than or equal to (\S+)\.?"), "必须小于或等于 {0}"),
    (re.compile(r"Must be greater than (\S+)\.?"), "必须大于 {0}"),
    (re.compile(r"Must be less than (\S+)\.?"), "必须小于 {0}"),
    (
        re.compile(r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\.?"),
        "必须在 {0} 与 {1} 之间",
    ),
    (re.compile(r"Longer than maximum length (\d+)\."), "长度不能超过 {0}"),
    (re.compile(r"Shorter than minimum length (\d+)\."), "长度不能少于 {0}"),
    (re.compile(r"Length must be between (\d+) and (\d+)\."), "长度应在 {0} 到 {1} 之间"),
    (re.compile(r"Length must be (\d+)\."), "长度应为 {0}"),
    (re.compile(r"Not a valid (\w+)\."), "格式不正确"),
    (re.compile(r".* cannot be formatted as .*"), "格式不正确"),
]
# Whatever English is left (a library's message nobody listed): Chinese, never English.
_ENGLISH = re.compile(r"[\x20-\x7e]*[A-Za-z]{3}[\x20-\x7e]*")


def translate_message(message: str) -> str:
    if message in _FIXED:
        return _(_FIXED[message])
    for pattern, template in _PATTERNS:
        m = pattern.fullmatch(message)
        if m:
            return _(template).format(*m.groups())
    if _ENGLISH.fullmatch(message):
        return _("格式不正确")
    return message


def flatten_fields(messages: Any, prefix: str = "") -> dict[str, str]:
    """webargs' nested messages ({"json": {"seats": {"法律": ["..."]}}}) as {"seats.法律": "..."}."""
    out: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if not prefix and key in ("json", "query", "form", "files", "view_args", "json_or_form"):
                out.update(flatten_fields(value, ""))
                continue
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(flatten_fields(value, name))
    elif isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        out[prefix or "_schema"] = "；".join(translate_message(m) for m in messages)
    elif isinstance(messages, list):
        for i, value in enumerate(messages):
            out.update(flatten_fields(value, f"{prefix}.{i}" if prefix else str(i)))
    elif isinstance(messages, str):
        out[prefix or "_schema"] = translate_message(messages)
    return out


def is_api_request() -> bool:
    # A JSON body (the RSVP link takes one) is answered in JSON as well.
    return request.path.startswith("/api/") or request.is_json


def error_body(
    status: int, message: str, code: str | None = None, fields: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {"error": {"code": code or CODES.get(status, "error"), "message": message, "fields": fields or {}}}


# Who is behind the request: auth answers (it sits above this module and raises its errors), and
# registers the lookup when the app is made; until then a denial is recorded without a user.
_caller_lookup: Callable[[], Any] | None = None


def register_caller_lookup(lookup: Callable[[], Any]) -> None:
    """Set how a refused request finds its user (API token or page session) for the audit log."""
    global _caller_lookup
    _caller_lookup = lookup


def _caller() -> Any:
    """The user behind the request, or None."""
    return _caller_lookup() if _caller_lookup is not None else None


def _audit_alone(action: str, target: str, **detail: Any) -> None:
    """One audit entry in a transaction of its own (the request's own changes are rolled back)."""
    from . import audit
    from .extensions import db

    try:
        db.session.rollback()
        audit.record(action, _caller(), target=target[:128], **detail)
        db.session.commit()
    except Exception:  # the refusal is answered even if the database is away
        db.session.rollback()
        log.exception("could not audit %s", action)


def audit_denial(status: int) -> None:
    """A refused request is on the record (等保: denials are audited)."""
    if status != 403:
        return
    _audit_alone("access.denied", f"{request.method} {request.path}")


class Refused(HTTPException):
    """A request refused with a message (in Chinese) and the fields it names; any status."""

    def __init__(self, status: int, message: str, fields: dict[str, Any] | None = None) -> None:
        super().__init__(description=message)
        self.code = status
        self.message = message
        self.fields = fields or {}


def not_in_scope(target: str, message: str | None = None) -> NoReturn:
    """404 for an object that exists outside the caller's scope: answered as if it did not exist
    (nobody learns what another county keeps), and put on the record."""
    _audit_alone("access.out_of_scope", target, path=f"{request.method} {request.path}"[:128])
    if is_api_request():
        api_abort(404, message)
    raise Refused(404, message or default_message(404))


def init_app(app: APIFlask) -> None:
    @app.error_processor
    def api_error(error: HTTPError) -> tuple[dict[str, Any], int, Any]:
        status = error.status_code
        audit_denial(status)
        extra = error.extra_data or {}
        fields = extra.get("fields")
        if fields is None and error.detail:
            fields = flatten_fields(error.detail)
        message = error.message
        if status == 422 and "code" not in extra:
            message = _("请求数据不符合规则：") + "；".join(f"{k}：{v}" for k, v in (fields or {}).items())
        elif not message or message in (
            "Unauthorized",
            "Forbidden",
            "Not Found",
            "Validation error",
            "Bad Request",
        ):
            message = default_message(status)
        body = error_body(status, message, extra.get("code"), fields)
        body["error"].update({k: v for k, v in extra.items() if k not in ("code", "fields")})
        return body, status, error.headers

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Any:
        status = e.code or 500
        audit_denial(status)
        if status == 503:
            # A bounded wait ran out (LockTimeout): end the transaction now, which frees its locks.
            from .extensions import db

            try:
                db.session.rollback()
            except Exception:  # the database itself is away; the teardown resets the session
                log.debug("rollback before a 503 failed", exc_info=True)
        own = getattr(e, "message", None)  # Refused, LockTimeout: a message of our own, in Chinese
        if is_api_request():
            fields: dict[str, Any] = dict(getattr(e, "fields", None) or {})
            data = getattr(e, "data", None)  # webargs puts its messages here (e.g. invalid JSON)
            if isinstance(data, dict) and "messages" in data:
                fields = flatten_fields(data["messages"])
            message = own or default_message(status)
            if fields and not own:
                message = message + "：" + "；".join(fields.values())
            resp = app.json.response(error_body(status, message, None, fields))
            resp.status_code = status
            for key, value in e.get_headers():
                if key.lower() != "content-type":
                    resp.headers[key] = value
            return resp
        return Response(
            render_template("errors/error.html", status=status, message=own or default_message(status)),
            status=status,
            mimetype="text/html",
        )

    def database_outage(e: Exception) -> Any:
        # Nothing of the request was committed: roll back what the session holds; the pool
        # drops the dead connection and pre-ping checks the next one out.
        from .extensions import db

        log.warning("database unavailable on %s %s: %s", request.method, request.path, e)
        try:
            db.session.rollback()
        except Exception:  # the connection is gone; the session is reset either way
            log.debug("rollback after a database outage failed", exc_info=True)
        db.session.remove()
        # The page must not ask the database who is logged in: it is drawn as for a visitor.
        from flask import g

        from .extensions import login_manager

        g._login_user = login_manager.anonymous_user()
        response = http_error(ServiceUnavailable())
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def unexpected_error(e: Exception) -> Any:
        if isinstance(e, HTTPException):
            return http_error(e)
        if isinstance(e, DATABASE_OUTAGES):
            return database_outage(e)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return http_error(InternalServerError())
