"""The contract's API: tokens, experts, matters, departments, scopes and the error shape."""

from __future__ import annotations

from typing import Any


def _error(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.get_data(as_text=True)
    body = resp.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


def test_token_with_wrong_password_is_401_in_chinese(client, make_user):
    user = make_user()
    err = _error(
        client.post("/api/v1/auth/token", json={"username": user.username, "password": "wrong1234"}), 401
    )
    assert err["message"] == "用户名或密码错误"


def test_missing_and_forged_tokens_are_401(client):
    _error(client.get("/api/v1/experts"), 401)
    _error(client.get("/api/v1/experts", headers={"Authorization": "Bearer forged.token.value"}), 401)


def test_malformed_json_is_400_and_rule_breaking_json_is_422(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    err = _error(
        client.post(
            "/api/v1/matters", data="{not json", headers={**headers, "Content-Type": "application/json"}
        ),
        400,
    )
    assert "JSON" in err["message"]
    err = _error(
        client.post("/api/v1/matters", json={"title": "x", "category": "外星人"}, headers=headers), 422
    )
    assert "category" in err["fields"] and "必须是以下之一" in err["fields"]["category"]
    assert err["fields"]["responsible_department"] == "缺少必填字段"


def test_create_one_expert_and_a_list(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    one = {
        "name": "张明",
        "pool": "city",
        "employer": "兰州大学",
        "sectors": ["法律"],
        "senior": True,
        "interests": ["甘肃电投集团"],
        "busy": [["2026-03-03T08:30", "2026-03-03T12:00"]],
        "load": 2,
        "max_load": 10,
        "phone": "13800000001",
        "email": "zm@example.cn",
        "title": "教授",
    }
    resp = client.post("/api/v1/experts", json=one, headers=headers)
    assert resp.status_code == 201, resp.get_json()
    [stored] = resp.get_json()
    assert stored["id"] > 0 and stored["sectors"] == ["法律"] and stored["load"] == 2
    assert stored["busy"] == [["2026-03-03T08:30:00+08:00", "2026-03-03T12:00:00+08:00"]]
    many = [
        dict(one, name="李娜", phone="13800000002"),
        dict(one, name="王强", phone="13800000003", pool="敦煌市"),
    ]
    resp = client.post("/api/v1/experts", json=many, headers=headers)
    assert resp.status_code == 201
    assert [x["name"] for x in resp.get_json()] == ["李娜", "王强"]
    listed = client.get("/api/v1/experts?pool=敦煌市", headers=headers).get_json()
    assert [x["name"] for x in listed] == ["王强"]


def test_a_list_with_one_bad_expert_stores_none(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    good = {"name": "甲", "pool": "city", "employer": "A", "sectors": ["法律"], "phone": "13800000011"}
    bad = {"name": "乙", "pool": "city", "employer": "B", "sectors": ["占星"], "phone": "13800000012"}
    err = _error(client.post("/api/v1/experts", json=[good, bad], headers=headers), 422)
    assert "占星" in err["message"] and "1.sectors" in err["fields"]
    assert client.get("/api/v1/experts", headers=headers).get_json() == []


def test_duplicate_phone_is_409(client, make_user, auth_headers, expert_factory):
    expert_factory(phone="13900000099")
    headers = auth_headers(make_user())
    body = {"name": "甲", "pool": "city", "employer": "A", "sectors": ["法律"], "phone": "13900000099"}
    err = _error(client.post("/api/v1/experts", json=body, headers=headers), 409)
    assert err["fields"] == {"phone": "手机号已存在"}


def test_patch_and_retire(client, make_user, auth_headers, expert_factory):
    expert = expert_factory()
    headers = auth_headers(make_user())
    resp = client.patch(
        f"/api/v1/experts/{expert.id}", json={"sectors": ["信访", "法律"], "max_load": 4}, headers=headers
    )
    assert (
        resp.status_code == 200
        and resp.get_json()["sectors"] == ["法律", "信访"]
        and resp.get_json()["max_load"] == 4
    )
    assert client.delete(f"/api/v1/experts/{expert.id}", headers=headers).get_json()["active"] is False
    assert client.get("/api/v1/experts", headers=headers).get_json() == []
    assert client.get(f"/api/v1/experts/{expert.id}", headers=headers).get_json()["active"] is False


def test_county_coordinator_scope(client, make_user, auth_headers, expert_factory, matter_factory):
    city_expert = expert_factory(pool="city")
    own = expert_factory(pool="敦煌市")
    other = expert_factory(pool="玉门市")
    own_matter = matter_factory(county="敦煌市")
    other_matter = matter_factory(county="玉门市")
    city_matter = matter_factory(county=None)
    headers = auth_headers(make_user(scope="敦煌市"))
    ids = {x["id"] for x in client.get("/api/v1/experts", headers=headers).get_json()}
    assert ids == {city_expert.id, own.id}
    _error(client.get(f"/api/v1/experts/{other.id}", headers=headers), 404)
    assert [m["id"] for m in client.get("/api/v1/matters", headers=headers).get_json()] == [own_matter.id]
    _error(client.get(f"/api/v1/matters/{other_matter.id}", headers=headers), 404)
    _error(client.get(f"/api/v1/matters/{city_matter.id}", headers=headers), 404)
    body = {
        "title": "玉门某项目",
        "category": "三农",
        "county": "玉门市",
        "responsible_department": "玉门市农业农村局",
    }
    _error(client.post("/api/v1/matters", json=body, headers=headers), 403)
    body = {"name": "甲", "pool": "玉门市", "employer": "A", "sectors": ["法律"]}
    _error(client.post("/api/v1/experts", json=body, headers=headers), 403)


def test_city_coordinator_sees_every_matter(client, make_user, auth_headers, matter_factory):
    made = {matter_factory(county="敦煌市").id, matter_factory(county=None).id}
    headers = auth_headers(make_user())
    assert {m["id"] for m in client.get("/api/v1/matters", headers=headers).get_json()} == made


def test_create_matter_and_read_it_back(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    body = {
        "title": "敦煌机场扩建项目",
        "category": "城市建设",
        "county": "敦煌市",
        "responsible_department": "敦煌市交通运输局",
        "related_organisations": ["甘肃省民航机场集团"],
    }
    resp = client.post("/api/v1/matters", json=body, headers=headers)
    assert resp.status_code == 201
    matter = client.get(f"/api/v1/matters/{resp.get_json()['id']}", headers=headers).get_json()
    assert matter["related_organisations"] == ["甘肃省民航机场集团"] and matter["panels"] == []
    assert matter["stage"] == 1 and matter["stage_name"] == "确定评估事项和制定评估方案"


def test_experts_and_departments_are_closed_to_experts(client, make_user, auth_headers, expert_factory):
    expert = expert_factory()
    headers = auth_headers(make_user(role="expert", expert_id=expert.id))
    _error(client.get("/api/v1/experts", headers=headers), 403)
    departments = client.get("/api/v1/departments", headers=headers).get_json()
    assert len([d for d in departments if d["required"]]) == 13
    assert all(c["phone"] is None for d in departments for c in d["contacts"])


def test_openapi_describes_every_api_endpoint(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    api_rules = {
        (r.rule.replace("<int:", "{").replace("<", "{").replace(">", "}"), m.lower())
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/api/v1/") and "openapi" not in r.endpoint
        for m in r.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(p, m) for p, ops in spec["paths"].items() for m in ops}
    assert api_rules and api_rules <= documented


def test_unknown_api_path_is_json_404_and_page_is_chinese_html(client):
    _error(client.get("/api/v1/nothing-here"), 404)
    resp = client.get("/nothing-here")
    assert resp.status_code == 404 and "未找到" in resp.get_data(as_text=True)
