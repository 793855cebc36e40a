"""POST /api/v1/auth/token, and the bearer-token authentication every API view uses."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, HTTPTokenAuth, Schema
from apiflask.fields import String
from apiflask.validators import Length
from flask import request
from flask_babel import gettext as _

from ..errors import api_abort
from ..models import User
from ..validation import Line
from ..validation import Schema as InputSchema
from .operations import AccountError, Throttled, authenticate, issue_token, user_for_token

bp = APIBlueprint("auth_api", __name__, url_prefix="/api/v1/auth", tag="认证")
token_auth = HTTPTokenAuth(scheme="Bearer", description="POST /api/v1/auth/token 取得的令牌")


@token_auth.verify_token
def verify_token(token: str) -> User | None:
    return user_for_token(token)


@token_auth.error_processor
def token_error(error: Any) -> Any:
    status = getattr(error, "status_code", 401)
    api_abort(status)


def current_api_user() -> User:
    user = token_auth.current_user
    assert isinstance(user, User)
    return user


def require_coordinator() -> User:
    """The calling coordinator; 403 for experts and departments."""
    user = current_api_user()
    if not user.is_coordinator:
        api_abort(403, _("只有维稳办协调员可以执行此操作"))
    return user


class TokenRequest(InputSchema):
    username = Line(required=True, max_length=64)
    password = String(required=True, validate=Length(min=1, max=256))


class TokenResponse(Schema):
    token = String(required=True)


@bp.post("/token")
@bp.input(TokenRequest, arg_name="body")
@bp.output(TokenResponse)
@bp.doc(summary="以用户名和密码换取访问令牌", responses=[401])
def create_token(body: dict[str, str]) -> dict[str, str]:
    try:
        user = authenticate(body["username"], body["password"], request.remote_addr or "")
    except Throttled as e:
        api_abort(429, str(e), code="too_many_requests")
    except AccountError as e:
        api_abort(401, str(e))
    return {"token": issue_token(user)}
