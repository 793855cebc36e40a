"""The office that asks: each 维稳办's name and phone, kept on a small settings page, is what the
invitation mail and the RSVP page give — the county's for a county matter, the city's otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import select

from wenping_sched.extensions import db

from .smtp_helpers import SMTPServer
from .test_invitations import BASE_URL, SENDER, deliver, future_window, rsvp_link


@pytest.fixture
def mailbox() -> Iterator[SMTPServer]:
    """A real SMTP server on 127.0.0.1, and the app sending to it when the test delivers."""
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailing(app: Any, mailbox: SMTPServer) -> Any:
    app.config.update(
        MAIL_SERVER=mailbox.host,
        MAIL_PORT=mailbox.port,
        MAIL_DEFAULT_SENDER=SENDER,
        BASE_URL=BASE_URL,
        OUTBOX_AUTODELIVER=False,
    )
    return app


def _pool(code: str) -> Any:
    from wenping_sched.models import Pool

    return db.session.scalar(select(Pool).where(Pool.code == code))


def _set_phone(code: str, phone: str) -> None:
    _pool(code).office_phone = phone
    db.session.commit()


# --- the settings page ----------------------------------------------------------------------------


def test_the_city_keeps_every_office_and_a_county_its_own(client: Any, make_user: Any, login: Any) -> None:
    login(make_user())
    html = client.get("/offices").get_data(as_text=True)
    assert html.count('class="office-form"') == 8
    assert "肃州区维稳办" in html and "酒泉市维稳办" in html
    client.post("/logout")

    login(make_user(scope="肃州区"))
    html = client.get("/offices").get_data(as_text=True)
    assert html.count('class="office-form"') == 1
    assert f'action="/offices/{_pool("肃州区").id}"' in html
    other = _pool("玉门市")
    resp = client.post(f"/offices/{other.id}", data={f"o{other.id}-name": "x", f"o{other.id}-phone": ""})
    assert resp.status_code == 403


def test_saving_an_office_is_checked_and_audited(client: Any, make_user: Any, login: Any) -> None:
    from wenping_sched.models import AuditLog

    pool = _pool("肃州区")
    prefix = f"o{pool.id}"
    login(make_user(scope="肃州区"))
    bad = client.post(
        f"/offices/{pool.id}", data={f"{prefix}-name": "肃州区维稳办", f"{prefix}-phone": "12345"}
    )
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "不是有效的电话号码" in html and 'value="12345"' in html
    assert _pool("肃州区").office_phone == ""

    ok = client.post(
        f"/offices/{pool.id}",
        data={f"{prefix}-name": "肃州区委维稳办", f"{prefix}-phone": "0937 2628110"},
        follow_redirects=True,
    )
    assert "已保存肃州区委维稳办的信息" in ok.get_data(as_text=True)
    db.session.expire_all()
    stored = _pool("肃州区")
    assert (stored.office, stored.office_phone) == ("肃州区委维稳办", "0937-2628110")
    [entry] = db.session.scalars(select(AuditLog).where(AuditLog.action == "office.update")).all()
    assert entry.detail["changes"] == {
        "office_name": ["肃州区维稳办", "肃州区委维稳办"],
        "office_phone": ["", "0937-2628110"],
    }
    # Back to the default name: stored as empty, so it follows the pool.
    client.post(
        f"/offices/{pool.id}", data={f"{prefix}-name": "肃州区维稳办", f"{prefix}-phone": "0937-2628110"}
    )
    db.session.expire_all()
    assert _pool("肃州区").office_name == "" and _pool("肃州区").office == "肃州区维稳办"


# --- the mail and the RSVP page -------------------------------------------------------------------------


@pytest.fixture
def county_matter(expert_factory: Any, matter_factory: Any) -> Any:
    for n in range(3):
        expert_factory(pool="肃州区", sectors=("法律",), senior=True, employer=f"肃州区单位{n}")
    return matter_factory(county="肃州区", title="肃州区老旧小区改造", responsible_department="肃州区住建局")


def _invite(client: Any, headers: dict[str, str], matter: Any) -> None:
    body = {
        "size": 3,
        "seats": {},
        "min_senior": 1,
        "window": future_window(),
        "duration_minutes": 120,
        "location": "肃州区政府二楼会议室",
    }
    panel = client.post(f"/api/v1/matters/{matter.id}/panels", json=body, headers=headers)
    assert panel.status_code == 201, panel.get_json()
    assert client.post(f"/api/v1/panels/{panel.get_json()['id']}/confirm", headers=headers).status_code == 200


def test_a_county_matters_mail_names_the_county_office_and_its_phone(
    client: Any,
    mailing: Any,
    mailbox: SMTPServer,
    make_user: Any,
    auth_headers: Any,
    county_matter: Any,
) -> None:
    _set_phone("肃州区", "0937-2628110")
    _set_phone("city", "0937-2881110")
    _invite(client, auth_headers(make_user(scope="肃州区")), county_matter)
    deliver()
    assert len(mailbox.received) == 3
    for received in mailbox.received:
        message = received.message
        text = message.get_body(preferencelist=("plain",)).get_content()
        assert "如有疑问，请联系：肃州区维稳办，电话 0937-2628110" in text
        assert text.rstrip().splitlines()[-2] == "肃州区维稳办"  # the sign-off
        assert "酒泉市维稳办" not in text and "0937-2881110" not in text
        assert message["From"].addresses[0].display_name == "肃州区维稳办"
        calendar = Calendar.from_ical(list(message.iter_parts())[-1].get_content())
        [event] = calendar.walk("VEVENT")
        assert event["ORGANIZER"].params["CN"] == "肃州区维稳办"
        assert "0937-2628110" in str(event["DESCRIPTION"])

    page = client.get(rsvp_link(mailbox.received[0])).get_data(as_text=True)
    assert "肃州区维稳办" in page and 'href="tel:0937-2628110"' in page


def test_a_city_matters_mail_names_the_city_office(
    client: Any,
    mailing: Any,
    mailbox: SMTPServer,
    make_user: Any,
    auth_headers: Any,
    expert_factory: Any,
    matter_factory: Any,
) -> None:
    for n in range(3):
        expert_factory(pool="city", sectors=("法律",), senior=True, employer=f"市属单位{n}")
    matter = matter_factory(title="市级事项")
    _set_phone("city", "0937-2881110")
    _invite(client, auth_headers(make_user()), matter)
    deliver()
    text = mailbox.received[0].message.get_body(preferencelist=("plain",)).get_content()
    assert "如有疑问，请联系：酒泉市维稳办，电话 0937-2881110" in text


def test_after_declining_the_page_offers_no_calendar(
    client: Any,
    mailing: Any,
    mailbox: SMTPServer,
    make_user: Any,
    auth_headers: Any,
    county_matter: Any,
) -> None:
    _invite(client, auth_headers(make_user()), county_matter)
    deliver()
    links = [rsvp_link(r) for r in mailbox.received[:2]]
    assert "加入日历" not in client.get(links[0]).get_data(as_text=True)  # not answered yet

    declined = client.post(links[0], data={"response": "decline", "page": "rsvp", "reason": "出差"})
    assert declined.status_code == 200
    for html in (declined.get_data(as_text=True), client.get(links[0]).get_data(as_text=True)):
        assert "您已谢绝本次邀请。如需变更，请联系肃州区维稳办。" in html
        assert "加入日历" not in html

    accepted = client.post(links[1], data={"response": "accept", "page": "rsvp", "declaration": "1"})
    assert "加入日历" in accepted.get_data(as_text=True)


def test_changing_the_phone_shows_on_rsvp_pages_already_seen(
    client: Any,
    mailing: Any,
    mailbox: SMTPServer,
    make_user: Any,
    login: Any,
    auth_headers: Any,
    county_matter: Any,
) -> None:
    user = make_user()
    _invite(client, auth_headers(user), county_matter)
    deliver()
    link = rsvp_link(mailbox.received[0])
    assert "0937-2628110" not in client.get(link).get_data(as_text=True)
    pool = _pool("肃州区")
    login(user)
    client.post(
        f"/offices/{pool.id}", data={f"o{pool.id}-name": "肃州区维稳办", f"o{pool.id}-phone": "0937-2628110"}
    )
    client.post("/logout")
    assert 'href="tel:0937-2628110"' in client.get(link).get_data(as_text=True)
