"""Bad inputs against the demo city, served on a port: how many, how many 5xx, and the seconds the
worst bounded requests take.

    python -m bench.bad_inputs [--random 400] [--seed 11]

Loads the demo city into a fresh SQLite database (the default deployment), serves it with
werkzeug's threaded server on 127.0.0.1, and sends, as an attacker or a careless hand would:
hand-made bad requests (deep JSON, lone surrogates, huge integers, years 1 and 9999, NaN,
control characters, formulas, open redirects, entity tricks and a two-million-row XLSX, unknown
ids, forged tokens, ...) and ``--random`` generated junk bodies for every JSON endpoint. Then it
times the largest requests the bounds still allow: a 92-day panel window over a county's and the
city's pools, a 92-day joint meeting, a 5,000-row import, a 500-request plan, the year's
statistics and a matter's archive. Results go to bench/results-bad-inputs.md.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import tempfile
import threading
import time
import zipfile
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results-bad-inputs.md")
PASSWORD = "wenping2026"  # the demo logins' password


class Client:
    """requests with the API token and a signed-in page session (with its CSRF token)."""

    def __init__(self, base: str) -> None:
        import requests

        self.base = base
        self.http = requests.Session()
        self.api = requests.Session()
        resp = self.api.post(f"{base}/api/v1/auth/token", json={"username": "demo", "password": PASSWORD})
        self.api.headers["Authorization"] = f"Bearer {resp.json()['token']}"
        page = self.http.get(f"{base}/login").text
        self.http.post(
            f"{base}/login", data={"username": "demo", "password": PASSWORD, "csrf_token": _csrf(page)}
        )
        self.csrf = _csrf(self.http.get(f"{base}/").text)

    def send(self, kind: str, method: str, path: str, **kwargs: Any) -> tuple[int, float]:
        import requests

        session: Any = {"api": self.api, "page": self.http, "anon": requests}[kind]
        if kind == "page" and method == "POST":
            data = kwargs.setdefault("data", {})
            if isinstance(data, dict):
                data.setdefault("csrf_token", self.csrf)
        started = time.perf_counter()
        resp = session.request(method, f"{self.base}{path}", timeout=600, allow_redirects=False, **kwargs)
        return resp.status_code, time.perf_counter() - started


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return match.group(1) if match else ""


def _monday(weeks: int) -> date:
    today = date.today()
    return today + timedelta(days=7 * weeks - today.weekday())


def _window(first: date, days: int) -> list[str]:
    return [f"{first.isoformat()}T08:30", f"{(first + timedelta(days=days)).isoformat()}T18:00"]


def _xlsx(rows: int, cells: list[Any] | None = None) -> bytes:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["姓名", "专家库", "工作单位", "专业领域", "手机"])
    for i in range(rows):
        sheet.append(cells or [f"专家{i}", "市级", f"单位{i}", "法律", f"135{i:08d}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _billion_laughs() -> bytes:
    """An XLSX whose sheet XML defines nested entities (the billion laughs)."""
    base = io.BytesIO(_xlsx(1))
    out = io.BytesIO()
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
        )
        + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row><c t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    )
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = bomb.encode()
            target.writestr(info, data)
    return out.getvalue()


def _two_million_rows() -> bytes:
    """The issue's 290 KB XLSX of two million one-cell rows, written straight as XML."""
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>x</t></is></c></row>' for r in range(1, 2_000_001)
    )
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + rows
        + "</sheetData></worksheet>"
    )
    base = io.BytesIO(_xlsx(1))
    out = io.BytesIO()
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = sheet.encode()
            target.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def hand_made(ids: dict[str, Any], window: list[str]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(kind, method, path, requests kwargs) for every bad input the issue names, and siblings."""
    matter, panel, expert = ids["matter"], ids["panel"], ids["expert"]
    deep = "[" * 100_000 + "]" * 100_000
    panel_body = {"size": 3, "window": window, "duration_minutes": 120}
    expert_body = {
        "name": "张明",
        "pool": "city",
        "employer": "兰州大学",
        "sectors": ["法律"],
        "phone": "13912345678",
    }
    j = {"headers": {"Content-Type": "application/json"}}
    out: list[tuple[str, str, str, dict[str, Any]]] = [
        ("anon", "POST", "/api/v1/auth/token", {"data": deep, **j}),
        ("api", "POST", "/api/v1/experts", {"data": deep, **j}),
        ("anon", "POST", "/rsvp/x", {"data": '{"response": ' + deep + "}", **j}),
        ("anon", "POST", "/api/v1/auth/token", {"data": '{"username": "\\ud800", "password": "x"}', **j}),
        ("api", "POST", "/api/v1/experts", {"data": json.dumps({**expert_body, "name": "\ud83d"}), **j}),
        ("api", "POST", "/api/v1/experts", {"data": '{"load": NaN}', **j}),
        ("api", "POST", "/api/v1/experts", {"data": "9" * 5000, **j}),
        ("api", "POST", "/api/v1/experts", {"data": '{"name": "' + "张" * 600_000 + '"}', **j}),
    ]
    for field, value in [
        ("load", 2**63 - 1),
        ("max_load", 2**63 - 1),
        ("load", 2**80),
        ("max_load", -1),
        ("name", "张\x00明"),
        ("name", "张\n明"),
        ("name", "张\x1b[31m明"),
        ("name", "   "),
        ("employer", "\u3000"),
        ("employer", "=cmd|' /C calc'!A0"),
        ("busy", [["0001-01-01T00:00", "0001-01-02T00:00"]]),
        ("busy", [["9999-12-31T00:00", "9999-12-31T23:59"]]),
        ("sectors", ["法律\r\n信访"]),
        ("email", "a@b.c\r\nBcc: x@y.z"),
    ]:
        out.append(("api", "POST", "/api/v1/experts", {"json": {**expert_body, field: value}}))
        out.append(("api", "PATCH", f"/api/v1/experts/{expert}", {"json": {field: value}}))
    for bad_window in (
        ["0001-01-01T08:30", "0001-01-05T18:00"],
        ["9999-12-27T08:30", "9999-12-31T23:59"],
        [window[0], "2036-12-31T18:00"],
        ["2020-01-06T08:30", "2020-01-10T18:00"],
        [window[1], window[0]],
        ["2026-02-30T08:30", "2026-03-02T08:30"],
    ):
        out.append(
            (
                "api",
                "POST",
                f"/api/v1/matters/{matter}/panels",
                {"json": {**panel_body, "window": bad_window}},
            )
        )
        out.append(("api", "POST", f"/api/v1/panels/{panel}/reschedule", {"json": {"window": bad_window}}))
        out.append(
            (
                "api",
                "POST",
                "/api/v1/joint-meetings",
                {
                    "json": {
                        "title": "会",
                        "required": ["发改委"],
                        "window": bad_window,
                        "duration_minutes": 60,
                    }
                },
            )
        )
    for field, value in [
        ("size", 2**70),
        ("seats", {"法律": 2**64}),
        ("exclude", [2**80]),
        ("min_senior", -5),
    ]:
        out.append(
            ("api", "POST", f"/api/v1/matters/{matter}/panels", {"json": {**panel_body, field: value}})
        )
    out += [
        ("api", "POST", "/api/v1/plans", {"json": [{"matter_id": 2**64, **panel_body}]}),
        (
            "api",
            "POST",
            "/api/v1/plans",
            {"data": json.dumps([{"matter_id": matter, **panel_body, "size": float("inf")}]), **j},
        ),
        (
            "api",
            "POST",
            "/api/v1/matters",
            {"json": {"title": "x\x00", "category": "城市建设", "responsible_department": "y"}},
        ),
        ("api", "GET", "/api/v1/experts?pool=%00", {}),
        ("api", "GET", f"/api/v1/experts/{2**40}", {}),
        ("api", "GET", "/api/v1/matters?stage=99999999999999999999", {}),
        ("page", "GET", "/outbox?status=%1b", {}),
        ("page", "GET", "/pools?page=99999999999999999999", {}),
        ("page", "GET", "/reports?period=year&year=9999", {}),
        ("page", "GET", "/reports.xlsx?period=month&year=1&month=13", {}),
        ("page", "GET", "/calendar/month?month=9999-99", {}),
        ("anon", "GET", "/calendar/forged.ics", {}),
        ("anon", "GET", "/rsvp/forged", {}),
        ("anon", "POST", "/rsvp/forged", {"data": {"response": "accept"}}),
        (
            "page",
            "POST",
            "/matters/new",
            {"data": {"title": "a\r\nb", "category": "城市建设", "responsible_department": "x"}},
        ),
        (
            "page",
            "POST",
            "/experts/new",
            {
                "data": {
                    "name": "张明",
                    "pool": "city",
                    "employer": "x",
                    "sectors": "法律",
                    "max_load": str(2**63),
                }
            },
        ),
        ("page", "POST", "/me/busy", {"data": {"start": "9999-12-31T08:00", "end": "9999-12-31T09:00"}}),
        (
            "page",
            "POST",
            "/calendar/import",
            {"data": {"text": "0001-01-01,休\n9999-12-31,休\n2027-01-01\x00,休"}},
        ),
        ("page", "POST", "/joint-meetings/quarterly", {"data": {"year": "2020", "duration_minutes": "120"}}),
        (
            "page",
            "POST",
            "/plans",
            {
                "data": {
                    "rows": "事项编号,人数,窗口开始,窗口结束,时长\n"
                    "1,inf,2027-01-04 08:30,2027-01-08 18:00,60\n1,nan,x,y,1e999"
                }
            },
        ),
        ("page", "POST", "/experts/import", {"files": {"file": ("x.xlsx", _billion_laughs())}}),
        ("page", "POST", "/experts/import", {"files": {"file": ("x.xlsx", _two_million_rows())}}),
        ("page", "POST", "/experts/import", {"files": {"file": ("x.xlsx", b"PK\x03\x04garbage")}}),
        (
            "page",
            "POST",
            "/experts/import",
            {"files": {"file": ("x.csv", "姓名,专家库\n\x00,市级\n".encode())}},
        ),
        ("page", "POST", "/experts/import", {"files": {"file": ("x.csv", b"\xff\xfe\x00\xd8" * 1000)}}),
    ]
    for target in ("/%09/evil.example", "//evil.example", "/\\evil.example", "https://evil.example"):
        out.append(("anon", "POST", f"/login?next={target}", {"data": {"username": "demo", "password": "x"}}))
    return out


def _junk(rng: random.Random) -> Any:
    leaves = [
        lambda: rng.randint(-(2**200), 2**200),
        lambda: rng.choice([2**63, 2**64, 10**40, -(2**63) - 1]),
        lambda: rng.choice([float("nan"), float("inf"), -float("inf"), 1e308]),
        lambda: rng.choice(
            ["0001-01-01T00:00", "9999-12-31T23:59", "2026-02-30T08:30", "+275760-09-13T00:00"]
        ),
        lambda: "".join(
            rng.choice(["\x00", "\x0b", "\x1b", "\r", "\n", "\ud800", "\u202e", "张", " "]) for _ in range(6)
        ),
        lambda: None,
    ]
    depth = rng.randint(0, 3)
    value: Any = rng.choice(leaves)()
    for _ in range(depth):
        value = rng.choice([[value], {"k": value}])
    return value


def random_bodies(
    rng: random.Random, ids: dict[str, Any], window: list[str], n: int
) -> list[tuple[str, str, str, dict[str, Any]]]:
    """Junk in one field of a valid body, for every JSON endpoint in turn."""
    panel_body = {"size": 2, "window": window, "duration_minutes": 60}
    endpoints: list[tuple[str, str, dict[str, Any]]] = [
        (
            "POST",
            "/api/v1/experts",
            {"name": "张明", "pool": "city", "employer": "单位", "sectors": ["法律"]},
        ),
        ("PATCH", f"/api/v1/experts/{ids['expert']}", {"title": "教授"}),
        (
            "POST",
            "/api/v1/matters",
            {"title": "事项", "category": "城市建设", "responsible_department": "住建局"},
        ),
        ("POST", f"/api/v1/matters/{ids['matter']}/panels", panel_body),
        ("POST", f"/api/v1/panels/{ids['panel']}/reschedule", {"window": window}),
        (
            "POST",
            "/api/v1/joint-meetings",
            {"title": "会", "required": ["发改委"], "window": window, "duration_minutes": 60},
        ),
        ("POST", "/api/v1/auth/token", {"username": "demo", "password": "x"}),
    ]
    out = []
    for i in range(n):
        method, path, body = endpoints[i % len(endpoints)]
        item = dict(body)
        item[rng.choice(sorted(item))] = _junk(rng)
        data = json.dumps(item, ensure_ascii=True, allow_nan=True)
        out.append(("api", method, path, {"data": data, "headers": {"Content-Type": "application/json"}}))
    return out


def bounded(ids: dict[str, Any]) -> list[tuple[str, str, str, str, dict[str, Any]]]:
    """The largest requests the bounds allow: (what, kind, method, path, kwargs)."""
    first = _monday(3)
    quarter = _window(first, 91)
    rows = "事项编号,人数,席位,高级职称人数,窗口开始,窗口结束,时长\n" + "".join(
        f"{ids['matter']},3,,0,{quarter[0].replace('T', ' ')},{quarter[1].replace('T', ' ')},120\n"
        for _ in range(500)
    )
    return [
        (
            "panel draw, size 10, 92-day window, a county's and the city's pools",
            "api",
            "POST",
            f"/api/v1/matters/{ids['county_matter']}/panels",
            {"json": {"size": 10, "min_senior": 1, "window": quarter, "duration_minutes": 180}},
        ),
        (
            "panel reschedule, 92-day window",
            "api",
            "POST",
            f"/api/v1/panels/{ids['panel']}/reschedule",
            {"json": {"window": quarter}},
        ),
        (
            "joint meeting of the 13 departments, 92-day window",
            "api",
            "POST",
            "/api/v1/joint-meetings",
            {
                "json": {
                    "title": "压力测试联席会议",
                    "required": ids["required"],
                    "window": quarter,
                    "duration_minutes": 120,
                }
            },
        ),
        (
            "import of 5,000 experts (XLSX, the row cap)",
            "page",
            "POST",
            "/experts/import",
            {"files": {"file": ("big.xlsx", _xlsx(5000))}},
        ),
        (
            "import refused: 2,000,000 rows",
            "page",
            "POST",
            "/experts/import",
            {"files": {"file": ("huge.xlsx", _two_million_rows())}},
        ),
        ("plan of 500 requests (queued: 202)", "page", "POST", "/plans", {"data": {"rows": rows}}),
        ("statistics of the year (XLSX)", "page", "GET", "/reports.xlsx?period=year", {}),
        ("a matter's archive (zip)", "page", "GET", f"/matters/{ids['matter']}/archive.zip", {}),
        (
            "JSON nested 100,000 deep (unauthenticated)",
            "anon",
            "POST",
            "/api/v1/auth/token",
            {"data": "[" * 100_000 + "]" * 100_000, "headers": {"Content-Type": "application/json"}},
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--random", type=int, default=400)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)

    from sqlalchemy import select
    from werkzeug.serving import make_server

    from wenping_sched import create_app
    from wenping_sched.demo import load_demo_data
    from wenping_sched.extensions import db
    from wenping_sched.models import Department, Expert, Matter, Panel

    tmp = Path(tempfile.mkdtemp(prefix="wenping-bad-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bad.sqlite3'}",
            "INSTANCE_PATH": str(tmp),
            "SECRET_KEY": "bad-inputs",
            "MAIL_SERVER": None,
            "PLAN_AUTOSTART": False,
        }
    )
    with app.app_context():
        db.create_all()
        from wenping_sched.seeding import ensure_reference_data

        ensure_reference_data()
        db.session.commit()
        load_demo_data()
        from wenping_sched.demo import load_demo_activity

        load_demo_activity()
        ids: dict[str, Any] = {
            "matter": db.session.scalars(
                select(Matter.id).where(Matter.county.is_(None)).order_by(Matter.id)
            ).first(),
            "county_matter": db.session.scalars(
                select(Matter.id).where(Matter.county.is_not(None)).order_by(Matter.id)
            ).first(),
            "panel": db.session.scalars(select(Panel.id).order_by(Panel.id)).first(),
            "expert": db.session.scalars(select(Expert.id).order_by(Expert.id)).first(),
        }
        required = list(db.session.scalars(select(Department.code).where(Department.required.is_(True))))
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        client = Client(base)
        window = _window(_monday(3), 4)
        rng = random.Random(args.seed)
        requests_ = hand_made(ids, window) + random_bodies(rng, ids, window, args.random)
        statuses: Counter[int] = Counter()
        failures = []
        slowest = 0.0
        for kind, method, path, kwargs in requests_:
            status, seconds = client.send(kind, method, path, **kwargs)
            statuses[status] += 1
            slowest = max(slowest, seconds)
            if status >= 500:
                failures.append((status, method, path, str(kwargs)[:200]))
        timed = []
        for what, kind, method, path, kwargs in bounded({**ids, "required": required}):
            status, seconds = client.send(kind, method, path, **kwargs)
            timed.append((what, status, seconds))
            if status >= 500:
                failures.append((status, method, path, what))
    finally:
        server.shutdown()

    total = sum(statuses.values())
    five = sum(n for s, n in statuses.items() if s >= 500)
    lines = [
        "# Bad inputs against the demo city (SQLite, served on a port)",
        "",
        f"`python -m bench.bad_inputs --random {args.random} --seed {args.seed}`",
        "",
        f"Bad inputs tried: **{total}** ({total - args.random} hand-made, {args.random} generated); "
        f"5xx answers: **{five}**; slowest bad input: {slowest:.2f} s.",
        "",
        "| status | answers |",
        "| ---: | ---: |",
        *(f"| {s} | {n} |" for s, n in sorted(statuses.items())),
        "",
        "The largest requests the bounds allow:",
        "",
        "| request | status | seconds |",
        "| --- | ---: | ---: |",
        *(f"| {what} | {status} | {seconds:.2f} |" for what, status, seconds in timed),
        "",
        f"Worst bounded request: **{max(s for _, _, s in timed):.2f} s**.",
    ]
    if failures:
        lines += ["", "5xx answers:", "", *(f"- {f}" for f in failures)]
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
