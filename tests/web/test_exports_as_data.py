"""Every export survives whatever is stored, and what people typed stays data.

The values are written into the database directly, as data stored before the input rules (or by
hand) would be: formulas (=, +, -, @), control characters, line breaks in one-line fields.
(PostgreSQL itself refuses NUL in text, so the stored controls are the others.)
"""

from __future__ import annotations

import email
import email.policy
import io
import re
import zipfile
from typing import Any

import openpyxl
import pytest
from icalendar import Calendar
from sqlalchemy import select

from .dates import clear_monday, window

WINDOW = window(clear_monday(weeks_ahead=2, weeks=1), 0, 4)
FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2-3", "@SUM(A1:A2)", '=HYPERLINK("http://evil","x")']
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _cells(data: bytes) -> list[Any]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def _no_formulas(data: bytes) -> None:
    """No cell of the workbook is a formula, in openpyxl's reading and in the sheets' XML."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in archive.read(name).decode("utf-8"), name
    assert all(cell.data_type != "f" for cell in _cells(data))


def _texts(data: bytes) -> set[str]:
    return {str(c.value) for c in _cells(data) if c.value is not None}


@pytest.fixture(params=["before", "after"])
def tainted(request, client, make_user, auth_headers, expert_factory, matter_factory):
    """A drawn and confirmed panel of a matter and experts whose stored text is hostile: confirmed
    (mail, calendars) after the text was stored, or before it."""
    from wenping_sched.extensions import db
    from wenping_sched.models import Expert, Matter

    experts = [
        expert_factory(pool="city", sectors=("法律",), senior=True, name=f"专家{i}", employer=f"单位{i}")
        for i in range(3)
    ]
    matter = matter_factory(title="供热管网改造", related_organisations=("甲公司",))
    city = make_user()
    headers = auth_headers(city)
    body = {"size": 3, "min_senior": 0, "window": WINDOW, "duration_minutes": 120}
    panel = client.post(f"/api/v1/matters/{matter.id}/panels", json=body, headers=headers).get_json()
    if request.param == "after":
        assert client.post(f"/api/v1/panels/{panel['id']}/confirm", headers=headers).status_code == 200
    stored = db.session.get(Matter, matter.id)
    assert stored is not None
    stored.title = FORMULAS[0] + "\r\n第二行\x1b[31m"
    stored.responsible_department = FORMULAS[1] + "\x08"
    stored.related_organisations = [FORMULAS[2], FORMULAS[3] + "\x0b"]
    stored.description = FORMULAS[4] + "\n说明\x1b"
    stored.notes = "=1+1\x07"
    for i, e in enumerate(experts):
        row = db.session.get(Expert, e.id)
        assert row is not None
        row.name = FORMULAS[i] + "\n换行\x1b"
        row.employer = FORMULAS[(i + 1) % len(FORMULAS)] + "\x08"
    db.session.commit()
    if request.param == "before":
        confirmed = client.post(f"/api/v1/panels/{panel['id']}/confirm", headers=headers)
        assert confirmed.status_code == 200, confirmed.get_json()  # mail and calendar built from this text
    return matter.id, panel["id"], city, [e.id for e in experts]


def test_the_filing_form_holds_formulas_as_text(client, login, tainted):
    matter_id, _panel, city, _experts = tainted
    login(city)
    resp = client.get(f"/matters/{matter_id}/filing.xlsx")
    assert resp.status_code == 200
    _no_formulas(resp.data)
    texts = _texts(resp.data)
    joined = "\n".join(texts)
    for formula in FORMULAS:
        assert formula in joined  # kept, as text
    assert not CONTROL.search(joined)
    title = next(c for c in _cells(resp.data) if c.value and str(c.value).startswith("=cmd"))
    assert title.data_type == "s"


def test_the_statistics_hold_formulas_as_text(client, login, tainted):
    _matter, _panel, city, _experts = tainted
    login(city)
    resp = client.get("/reports.xlsx?period=year")
    assert resp.status_code == 200
    _no_formulas(resp.data)
    names = {str(c.value) for c in _cells(resp.data) if c.value}
    assert any(n.startswith("=cmd") for n in names) and any(n.startswith("@SUM") for n in names)
    assert not CONTROL.search("\n".join(names))


def test_the_archive_opens_and_its_form_holds_text(client, login, tainted):
    matter_id, _panel, city, _experts = tainted
    login(city)
    resp = client.get(f"/matters/{matter_id}/archive.zip")
    assert resp.status_code == 200
    with zipfile.ZipFile(io.BytesIO(resp.data)) as archive:
        assert archive.testzip() is None
        _no_formulas(archive.read("filing-form.xlsx"))
        readme = archive.read("README.txt").decode("utf-8")
        assert not CONTROL.search(readme)


def test_the_calendar_feed_parses_and_escapes_the_name(client, tainted):
    from wenping_sched.invitations import rsvp

    _matter, _panel, _city, experts = tainted
    token = rsvp.feed_token("expert", experts[0])
    resp = client.get(f"/calendar/{token}.ics")
    assert resp.status_code == 200
    text = resp.get_data(as_text=True)
    assert not CONTROL.search(text.replace("\r\n", ""))
    calendar = Calendar.from_ical(resp.data)
    # X-WR-CALNAME is escaped as TEXT: the name's line break does not start a property of its own.
    name = str(calendar.get("X-WR-CALNAME"))
    assert name.startswith(FORMULAS[0]) and "\x1b" not in name
    lines = text.split("\r\n")
    assert not any(line.startswith("换行") for line in lines)
    [event] = calendar.walk("VEVENT")
    assert str(event.get("SUMMARY")).endswith("第二行[31m") or "第二行" in str(event.get("SUMMARY"))


def test_the_mail_headers_stay_one_line(tainted):
    from wenping_sched.extensions import db
    from wenping_sched.models.outbox import OutboxMessage

    rows = list(db.session.scalars(select(OutboxMessage)))
    assert rows
    for row in rows:
        message = email.message_from_bytes(row.raw, policy=email.policy.default)
        for key in ("Subject", "To", "From"):
            value = str(message[key])
            assert "\n" not in value and "\r" not in value and not CONTROL.search(value), (key, value)
        body = message.get_body(preferencelist=("plain",))
        assert body is not None and not CONTROL.search(str(body.get_content()).replace("\r\n", "\n"))


def test_the_writer_forces_text_for_every_kind_of_formula():
    from wenping_sched import xlsx

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row, value in enumerate([*FORMULAS, "a\x00b\x1bc", 42, 1.5, None], start=1):
        xlsx.write(sheet, row, 1, value)
    data = xlsx.to_bytes(book)
    _no_formulas(data)
    values = [c.value for c in _cells(data)]
    assert values[: len(FORMULAS)] == FORMULAS
    assert values[len(FORMULAS)] == "abc"
    assert values[len(FORMULAS) + 1 : len(FORMULAS) + 3] == [42, 1.5]


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_formula_alone_is_written_as_text(client, login, make_user, matter_factory, formula):
    """Without control characters in the way: each kind of formula, in the filing form's title."""
    matter = matter_factory(title=formula, related_organisations=(formula,))
    user = make_user()
    login(user)
    resp = client.get(f"/matters/{matter.id}/filing.xlsx")
    assert resp.status_code == 200
    _no_formulas(resp.data)
    assert formula in _texts(resp.data)
