"""Every JSON endpoint, fed hypothesis-generated junk, answers 4xx with the error shape in Chinese.

The junk is what broke the service (issue 11): nesting far deeper than any body needs, lone
surrogates, integers far beyond 64 bits, NaN and Infinity, odd dates (years 1 and 9999, 30
February), control characters and line breaks. It is sent as raw JSON text, alone and in place of
one field of a valid body, to every endpoint with a JSON body (and unauthenticated to the two
that need no token).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from .dates import clear_monday, window

PASSWORD = "junk-pass-2026"
WINDOW = window(clear_monday(weeks_ahead=3, weeks=1), 0, 0, end="12:00")
LEAVE_DAY = clear_monday(weeks_ahead=5, weeks=1).isoformat()
CJK = re.compile(r"[\u4e00-\u9fff]")

ODD_DATES = [
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "2026-02-30T08:30",
    "+275760-09-13T00:00",
    "2026-13-01",
    "2026-03-02T25:00",
    "",
    "2026-03-02T08:30+99:00",
    "1970-01-01T00:00Z",
]
BAD_TEXT = st.text(
    alphabet=st.sampled_from(
        ["\x00", "\x0b", "\x1b", "\r", "\n", "\ud800", "\udfff", "\u202e", "张", "a", " "]
    ),
    min_size=1,
    max_size=12,
)
LEAVES = st.one_of(
    st.integers(min_value=-(2**200), max_value=2**200),
    st.sampled_from([2**63, -(2**63) - 1, 2**64, 10**40]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(ODD_DATES),
    BAD_TEXT,
    st.booleans(),
    st.none(),
)
VALUES = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(BAD_TEXT | st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=12,
)


def _dump(value: Any) -> str:
    # allow_nan: NaN and Infinity go out as the literals Python (but not JSON) accepts.
    return json.dumps(value, ensure_ascii=True, allow_nan=True)


DEEP = st.integers(min_value=33, max_value=100_000).map(lambda n: "[" * n + "]" * n)
RAW_JUNK = st.one_of(VALUES.map(_dump), DEEP, st.sampled_from(["NaN", '{"a": Infinity}', "9" * 5000, "[1,"]))


@pytest.fixture(scope="module")
def junk_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from wenping_sched import create_app
    from wenping_sched.auth.operations import create_user
    from wenping_sched.demo import load_demo_data
    from wenping_sched.extensions import db
    from wenping_sched.seeding import ensure_reference_data

    tmp = tmp_path_factory.mktemp("junk")
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'junk.sqlite3'}",
            "INSTANCE_PATH": str(tmp),
            "SECRET_KEY": "junk",
            "MAIL_SERVER": None,
            "PLAN_AUTOSTART": False,
        }
    )
    with app.app_context():
        db.create_all()
        ensure_reference_data()
        create_user("junker", PASSWORD, "coordinator", scope="city")
        db.session.commit()
        load_demo_data()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def token(junk_app: Any) -> str:
    resp = junk_app.test_client().post(
        "/api/v1/auth/token", json={"username": "junker", "password": PASSWORD}
    )
    return str(resp.get_json()["token"])


def _valid_bodies() -> dict[tuple[str, str], dict[str, Any] | list[Any]]:
    """A valid body for every JSON endpoint (the junk replaces one of its fields)."""
    panel = {"size": 2, "seats": {}, "min_senior": 0, "window": WINDOW, "duration_minutes": 60}
    return {
        ("POST", "/api/v1/auth/token"): {"username": "junker", "password": PASSWORD},
        ("POST", "/api/v1/experts"): {
            "name": "张明",
            "pool": "city",
            "employer": "兰州大学",
            "sectors": ["法律"],
            "busy": [WINDOW],
            "load": 1,
            "max_load": 5,
        },
        ("PATCH", "/api/v1/experts/1"): {"title": "教授", "max_load": 3},
        ("POST", "/api/v1/matters"): {
            "title": "事项",
            "category": "城市建设",
            "responsible_department": "市住建局",
            "related_organisations": ["甲公司"],
        },
        ("POST", "/api/v1/matters/1/panels"): panel,
        ("POST", "/api/v1/panels/1/reschedule"): {"window": WINDOW},
        ("POST", "/api/v1/plans"): [{"matter_id": 1, **panel}],
        ("POST", "/api/v1/matters/1/draws"): panel,
        ("POST", "/api/v1/draws/1/reveal"): {"witness": "王监督", "witness_input": "4711"},
        ("POST", "/api/v1/panels/1/evaluations"): [
            {"expert_id": 1, "attendance": "present", "score": 5, "remarks": "准时"}
        ],
        ("POST", "/api/v1/experts/1/credit"): {"delta": -5, "reason": "投诉"},
        ("POST", "/api/v1/experts/1/suspension"): {"until": LEAVE_DAY, "reason": "核查"},
        ("POST", "/api/v1/experts/1/leave"): {"start": LEAVE_DAY, "end": LEAVE_DAY, "reason": "出差"},
        ("POST", "/api/v1/joint-meetings"): {
            "title": "会",
            "required": ["发改委"],
            "window": WINDOW,
            "duration_minutes": 60,
        },
    }


BODIES = _valid_bodies()
ENDPOINTS = sorted(BODIES)


def test_the_table_covers_every_json_endpoint(junk_app: Any) -> None:
    """Every operation of the OpenAPI document that takes a JSON body has a valid body above."""
    spec = junk_app.test_client().get("/api/v1/openapi.json").get_json()
    with_body = set()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                with_body.add((method.upper(), re.sub(r"\{[^}]+\}", "1", path)))
    assert with_body <= set(BODIES), sorted(with_body - set(BODIES))


def _check(resp: Any, junk_only: bool) -> None:
    text = resp.get_data(as_text=True)
    assert resp.status_code < 500, (resp.status_code, text[:300])
    if junk_only:
        assert 400 <= resp.status_code < 500, (resp.status_code, text[:300])
    if resp.status_code >= 400:
        error = resp.get_json()["error"]
        assert {"code", "message", "fields"} <= set(error), error
        assert CJK.search(error["message"]), error
        for message in error["fields"].values():
            assert isinstance(message, str) and CJK.search(message), error


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[f"{m} {p}" for m, p in ENDPOINTS])
def test_junk_bodies_are_4xx(junk_app: Any, token: str, endpoint: tuple[str, str]) -> None:
    method, path = endpoint
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    @given(raw=RAW_JUNK)
    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def junk_alone(raw: str) -> None:
        assume(raw != "{}" or method != "PATCH")  # an empty change is a valid PATCH
        resp = junk_app.test_client().open(path, method=method, data=raw, headers=headers)
        _check(resp, junk_only=True)

    junk_alone()


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[f"{m} {p}" for m, p in ENDPOINTS])
def test_junk_in_one_field_is_never_a_500(junk_app: Any, token: str, endpoint: tuple[str, str]) -> None:
    method, path = endpoint
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    base = BODIES[endpoint]
    fields = sorted((base[0] if isinstance(base, list) else base).keys())

    @given(field=st.sampled_from(fields), raw=RAW_JUNK)
    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def one_field(field: str, raw: str) -> None:
        item = dict(base[0] if isinstance(base, list) else base)
        item[field] = "__JUNK__"
        text = json.dumps([item] if isinstance(base, list) else item, ensure_ascii=False)
        body = text.replace('"__JUNK__"', raw)
        resp = junk_app.test_client().open(path, method=method, data=body.encode("utf-8"), headers=headers)
        # Some junk fits a field (None for max_load, "a" for a title): never a 500, and a refusal
        # always has the error shape in Chinese.
        _check(resp, junk_only=False)

    one_field()


@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/rsvp/WzEsImFiYyJd.not-signed"])
def test_junk_without_a_token_is_4xx(junk_app: Any, path: str) -> None:
    @given(raw=RAW_JUNK)
    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def unauthenticated(raw: str) -> None:
        resp = junk_app.test_client().post(path, data=raw, content_type="application/json")
        assert 400 <= resp.status_code < 500, (resp.status_code, resp.get_data(as_text=True)[:300])
        error = resp.get_json()["error"]
        assert {"code", "message", "fields"} <= set(error) and CJK.search(error["message"])

    unauthenticated()
