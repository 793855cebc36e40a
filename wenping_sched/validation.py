"""What a person may type, checked at the door, and what is written out, made safe.

One rule for text everywhere (the API's marshmallow schemas, the pages' WTForms forms, the
importer, RSVP answers): a one-line field holds no control characters at all (no line break,
tab, NUL or escape), a multi-line field may keep line breaks and tabs; no field holds a lone
surrogate or a bidirectional override. Numbers and dates have bounds the database and the
solver can hold. Text that was stored before these rules is made safe on the way out
(``printable``): every export goes through it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from typing import Any

from apiflask import Schema as _APISchema
from apiflask import fields
from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from marshmallow import ValidationError, pre_load
from marshmallow.validate import Length, Range
from wtforms import DateTimeField, Field, IntegerField, StringField, TextAreaField
from wtforms import ValidationError as FormValidationError

# --- the rules --------------------------------------------------------------------------------

# C0 and C1 controls, DEL, the line and paragraph separators, the bidirectional overrides and
# isolates (they make a name read differently from how it is stored), lone surrogates (no
# encoder can write them) and the two non-characters. A multi-line field may keep \t, \n, \r.
_ALWAYS_BAD = "\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff"
_ONE_LINE_BAD = re.compile(f"[\x00-\x1f{_ALWAYS_BAD}]")
_MULTI_LINE_BAD = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{_ALWAYS_BAD}]")
# Invisible characters that are not whitespace to Python but are blank to a reader.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"

MIN_YEAR, MAX_YEAR = 2000, 2099
INT32_MAX = 2**31 - 1
# Panels an expert has served or may serve in a year: far above any real load, far below overflow.
MAX_LOAD = 1000


def _describe(char: str) -> str:
    if char in "\r\n":
        return _("换行符")
    if char == "\t":
        return _("制表符")
    if "\ud800" <= char <= "\udfff":
        return _("无效的 Unicode 字符（单独的代理项 U+%(c)04X）", c=ord(char))
    return _("不可见的控制字符（U+%(c)04X）", c=ord(char))


def text_problem(value: str, multiline: bool = False) -> str | None:
    """Why ``value`` may not be stored (in Chinese), or None when it may."""
    match = (_MULTI_LINE_BAD if multiline else _ONE_LINE_BAD).search(value)
    if match is None:
        return None
    return _("不能包含%(what)s", what=_describe(match.group()))


def strip_text(value: str) -> str:
    """Without leading and trailing blanks, including full-width and zero-width spaces."""
    return value.strip().strip(_INVISIBLE).strip()


def normalise_newlines(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n")


def printable(value: Any, multiline: bool = False) -> str:
    """Stored text made safe to write into a file, a mail or a calendar: whatever it holds.

    Control characters go; in one-line text a line break or tab becomes a space.
    """
    text = "" if value is None else str(value)
    if multiline:
        text = normalise_newlines(text)
        return _MULTI_LINE_BAD.sub("", text).replace("\r", "")
    text = re.sub(r"[\t\r\n\u2028\u2029]+", " ", text)
    return _ONE_LINE_BAD.sub("", text)


# The longest window one panel or joint meeting may ask for: a quarter. A longer one only costs
# solver time under the lock every other draw waits for.
MAX_WINDOW = timedelta(days=92)


_RECORDING_HISTORY: ContextVar[bool] = ContextVar("recording_history", default=False)


@contextmanager
def recording_history() -> Iterator[None]:
    """Within the block, meetings that have already taken place may be drawn: only for loading
    what happened before the service began (the demo city's past panels), never for a request."""
    token = _RECORDING_HISTORY.set(True)
    try:
        yield
    finally:
        _RECORDING_HISTORY.reset(token)


def past_problem(start: datetime) -> str | None:
    """Why a meeting starting at ``start`` can no longer be drawn, confirmed or invited to, or None."""
    from .models.types import utcnow
    from .timeutil import fmt_local

    if _RECORDING_HISTORY.get():
        return None
    now = utcnow()
    if start < now:
        return _("时间已过（现在是 %(now)s），请选择以后的时间", now=fmt_local(now))
    return None


def year_problem(value: date | datetime) -> str | None:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        return _("日期超出允许范围（%(a)d年至%(b)d年）", a=MIN_YEAR, b=MAX_YEAR)
    return None


# --- marshmallow: the API ---------------------------------------------------------------------


class Line(fields.String):
    """One line of text: stripped, no control characters; blank only when ``allow_blank``."""

    multiline = False

    def __init__(self, *, max_length: int, allow_blank: bool = False, **kwargs: Any) -> None:
        self.max_length = max_length
        self.allow_blank = allow_blank
        validators = list(_as_list(kwargs.pop("validate", None)))
        # Also says the bounds in the OpenAPI document.
        validators.append(
            Length(
                min=0 if allow_blank else 1,
                max=max_length,
                error=_l("长度应在 {min} 到 {max} 个字之间"),
            )
        )
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = text_problem(text, self.multiline)
        if problem:
            raise ValidationError(problem)
        text = strip_text(normalise_newlines(text) if self.multiline else text)
        if not text and not self.allow_blank:
            raise ValidationError(_("不能为空，也不能只填空格"))
        if len(text) > self.max_length:
            raise ValidationError(_("不能超过 %(n)d 个字", n=self.max_length))
        return text


class Text(Line):
    """Several lines (remarks, descriptions): line breaks and tabs kept, other controls refused."""

    multiline = True

    def __init__(self, *, max_length: int, allow_blank: bool = True, **kwargs: Any) -> None:
        super().__init__(max_length=max_length, allow_blank=allow_blank, **kwargs)


def _as_list(validate: Any) -> list[Any]:
    if validate is None:
        return []
    if callable(validate):
        return [validate]
    return list(validate)


def _bad_strings(value: Any, path: str, out: dict[str, str], depth: int = 0) -> None:
    """Every string in ``value`` (keys too) that no field may hold, by its dotted path."""
    if depth > 64 or len(out) >= 20:
        return
    if isinstance(value, str):
        problem = text_problem(value, multiline=True)
        if problem:
            out[path or "_schema"] = problem
    elif isinstance(value, dict):
        for key, item in value.items():
            name = printable(key) if isinstance(key, str) else str(key)
            child = f"{path}.{name}" if path else name
            if isinstance(key, str):
                problem = text_problem(key)
                if problem:
                    out[child] = _("字段名%(p)s", p=problem)
                    continue
            _bad_strings(item, child, out, depth + 1)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _bad_strings(item, f"{path}.{index}" if path else str(index), out, depth + 1)


def _bound_integers(field: Any) -> None:
    """An Integer without a Range gets the database's: a larger number is a 422, not an overflow."""
    if isinstance(field, fields.Integer) and not any(isinstance(v, Range) for v in field.validators):
        field.validators.append(
            Range(min=-INT32_MAX, max=INT32_MAX, error=_l("数值超出范围（应在 {min} 与 {max} 之间）"))
        )
    for inner in (getattr(field, "inner", None), getattr(field, "value_field", None)):
        if inner is not None:
            _bound_integers(inner)


class Schema(_APISchema):
    """The base of every request schema: any string anywhere in the input (a key, a list item, a
    field no schema declares) is checked before anything else reads it, and integers are bounded."""

    @pre_load(pass_collection=True)
    def _refuse_bad_text(self, data: Any, **kwargs: Any) -> Any:
        problems: dict[str, str] = {}
        _bad_strings(data, "", problems)
        if problems:
            raise ValidationError(problems)
        return data

    def on_bind_field(self, field_name: str, field_obj: Any) -> None:
        _bound_integers(field_obj)


# --- WTForms: the pages -----------------------------------------------------------------------


def _text_check(multiline: bool) -> Callable[[Any, Field], None]:
    def check(form: Any, field: Field) -> None:
        if isinstance(field.data, str):
            problem = text_problem(field.data, multiline)
            if problem:
                raise FormValidationError(problem)

    return check


# For a field of a plain WTForms sub-form (FormField), which the page form's checks do not reach.
one_line_text = _text_check(False)


def _year_check(form: Any, field: Field) -> None:
    if isinstance(field.data, date):
        problem = year_problem(field.data)
        if problem:
            raise FormValidationError(problem)


def _int_check(form: Any, field: Field) -> None:
    if isinstance(field.data, int) and abs(field.data) > INT32_MAX:
        raise FormValidationError(_("数值超出范围"))


class Form(FlaskForm):
    """The base of every page form: every text field refuses control characters (a textarea may
    keep line breaks), every date stays in the years the calendar and the database hold, and every
    integer fits the database."""

    def validate(self, extra_validators: dict[str, Any] | None = None) -> bool:
        extra: dict[str, list[Any]] = {k: list(v) for k, v in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            checks = extra.setdefault(name, [])
            if isinstance(field, StringField):
                checks.insert(0, _text_check(isinstance(field, TextAreaField)))
            elif isinstance(field, DateTimeField):  # DateField and DateTimeLocalField too
                checks.insert(0, _year_check)
            elif isinstance(field, IntegerField):
                checks.insert(0, _int_check)
        return bool(super().validate(extra_validators=extra))


# --- every request: JSON bodies, query strings, form fields -----------------------------------

MAX_JSON_DEPTH = 32
MAX_JSON_BYTES = 1024 * 1024
# Outside strings: brackets (nesting), the constants Python accepts and JSON does not, and
# numbers too long for any field (Python refuses to parse beyond 4300 digits).
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]|NaN|-?Infinity|-?\d{300,}')
_SURROGATES = re.compile("[\ud800-\udfff]")


def json_problem(text: str) -> str | None:
    """Why a JSON body is refused before any parser recurses into it, or None."""
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return _("嵌套超过 %(n)d 层", n=MAX_JSON_DEPTH)
        elif token in ("]", "}"):
            depth -= 1
        elif token[0] != '"':
            if token[-1].isdigit():
                return _("数字位数过多")
            return _("JSON 中不能有 NaN 或 Infinity")
    return None


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing what the request guard refuses (for ``request.get_json`` too), and
    never failing to encode an answer that echoes a lone surrogate."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        text = s.decode("utf-8") if isinstance(s, bytes) else s
        problem = json_problem(text)
        if problem:
            raise ValueError(problem)
        kwargs.setdefault("parse_constant", _refuse_constant)
        try:
            return json.loads(text, **kwargs)
        except RecursionError as e:
            raise ValueError(_("嵌套过深")) from e

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        text = super().dumps(obj, **kwargs)
        return _SURROGATES.sub("\ufffd", text) if _SURROGATES.search(text) else text


def _refuse_constant(name: str) -> Any:
    raise ValueError(_("JSON 中不能有 NaN 或 Infinity"))


def _check_json_body() -> None:
    from .errors import Refused

    request.max_content_length = min(
        MAX_JSON_BYTES, request.max_content_length or MAX_JSON_BYTES
    )  # a JSON body is small
    data = request.get_data(cache=True)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, _("请求体不是 UTF-8 编码的 JSON"), {"_schema": _("应为 UTF-8 编码")}) from None
    problem = json_problem(text)
    if problem:
        raise Refused(400, _("请求体不是有效的 JSON：%(p)s", p=problem), {"_schema": problem})


def _check_parameters() -> None:
    from .errors import Refused

    sources = [request.args]
    if request.method in ("POST", "PUT", "PATCH") and not request.is_json:
        sources.append(request.form)
    for source in sources:
        for key, value in source.items(multi=True):
            problem = text_problem(key) or text_problem(value, multiline=True)
            if problem:
                name = printable(key)[:64]
                raise Refused(400, _("参数「%(k)s」%(p)s", k=name, p=problem), {name: problem})


def init_app(app: Flask) -> None:
    """The request guard: refused here, a request reaches no view, parser or query."""

    @app.before_request
    def guard_request() -> None:
        _check_parameters()
        if request.is_json and request.method in ("POST", "PUT", "PATCH"):
            _check_json_body()
