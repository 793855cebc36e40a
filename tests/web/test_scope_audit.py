"""A county never learns another county's experts or matters, and its attempts are on the record."""

from __future__ import annotations

from sqlalchemy import select


def test_a_cross_county_lookup_is_a_404_and_is_audited(
    client, make_user, login, auth_headers, matter_factory
):
    from wenping_sched.extensions import db
    from wenping_sched.models import AuditLog

    matter = matter_factory(county="敦煌市", title="敦煌机场扩建项目")
    yumen = make_user(scope="玉门市")
    resp = client.get(f"/api/v1/matters/{matter.id}", headers=auth_headers(yumen))
    assert resp.status_code == 404 and "敦煌机场" not in resp.get_data(as_text=True)
    missing = client.get("/api/v1/matters/999999", headers=auth_headers(yumen))
    assert missing.status_code == 404 and missing.get_json()["error"] == resp.get_json()["error"]  # alike
    login(yumen)
    assert client.get(f"/matters/{matter.id}").status_code == 404
    entries = list(db.session.scalars(select(AuditLog).where(AuditLog.action == "access.out_of_scope")))
    assert [(e.target, e.user_id) for e in entries] == [(f"matter:{matter.id}", yumen.id)] * 2


def test_a_phone_conflict_names_nobody_the_caller_cannot_see(client, make_user, auth_headers, expert_factory):
    taken = expert_factory(pool="敦煌市", name="敦煌的专家", phone="13700001111")
    body = {"name": "新专家", "pool": "玉门市", "employer": "单位", "sectors": ["法律"], "phone": taken.phone}
    resp = client.post("/api/v1/experts", json=body, headers=auth_headers(make_user(scope="玉门市")))
    assert resp.status_code == 409
    message = resp.get_json()["error"]["message"]
    assert "敦煌的专家" not in resp.get_data(as_text=True) and f"编号 {taken.id}" not in message
    # The city sees every pool: it is told whose number it is.
    city = client.post("/api/v1/experts", json={**body, "pool": "city"}, headers=auth_headers(make_user()))
    assert city.status_code == 409 and "敦煌的专家" in city.get_json()["error"]["message"]
