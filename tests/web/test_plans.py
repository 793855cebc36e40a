"""A year's plan: many panel requests solved as one batch off the request, then made into panels."""

from __future__ import annotations

import uuid
from itertools import combinations
from typing import Any

import pytest

from solver.instance import parse_panel_solution, parse_panels
from solver.validate import validate_panels

from .dates import clear_monday, window

# Two ordinary working weeks in the future for the first matters; one morning for the scarce one.
MONDAY = clear_monday(weeks_ahead=2, weeks=2)
WINDOW = window(MONDAY, 0, 11)
SHEET_WINDOW = ",".join(w.replace("T", " ") for w in WINDOW)
REDIS_URL = "redis://127.0.0.1:6379/15"


def _valid(instance: dict[str, Any], solution: dict[str, Any]) -> None:
    parsed = parse_panels(instance)
    assert validate_panels(parsed, parse_panel_solution(solution, parsed.timezone)) == []


@pytest.fixture
def world(app, expert_factory, matter_factory):
    """Three 敦煌市 matters and one city matter, with a small county pool and the city pool."""
    app.config["PLAN_AUTOSTART"] = False  # the tests run the runner themselves
    for i in range(4):
        expert_factory(pool="敦煌市", sectors=("法律",), senior=True, employer=f"敦煌律所{i}")
        expert_factory(pool="敦煌市", sectors=("信访",), employer=f"敦煌信访{i}")
    for i in range(6):
        expert_factory(pool="city", sectors=("社会稳定",), senior=i % 2 == 0, employer=f"市单位{i}")
    matters = [matter_factory(county="敦煌市", title=f"敦煌事项{i}") for i in range(3)]
    matters.append(matter_factory(county=None, title="市级事项"))
    return matters


def _requests(matters: list[Any]) -> list[dict[str, Any]]:
    reqs: list[dict[str, Any]] = [
        {
            "matter_id": m.id,
            "size": 3,
            "seats": {"法律": 1, "信访": 1},
            "min_senior": 1,
            "window": WINDOW,
            "duration_minutes": 180,
        }
        for m in matters[:3]
    ]
    reqs.append(
        {
            "matter_id": matters[3].id,
            "size": 2,
            "seats": {"社会稳定": 2},
            "min_senior": 1,
            "window": WINDOW,
            "duration_minutes": 120,
        }
    )
    # Nobody in these pools works in 民族宗教: unfilled, with the solver's reason.
    reqs.append(
        {
            "matter_id": matters[0].id,
            "size": 2,
            "seats": {"民族宗教": 1},
            "min_senior": 0,
            "window": WINDOW,
            "duration_minutes": 120,
        }
    )
    return reqs


def test_plan_is_solved_as_one_batch_and_made_into_panels(app, client, make_user, auth_headers, login, world):
    from solver.draw_proof import seed_from, verify_record
    from wenping_sched.extensions import db
    from wenping_sched.models import DrawRecord, Panel, PanelMember, Plan
    from wenping_sched.plans.operations import run_plan
    from wenping_sched.solving import replay

    user = make_user()
    headers = auth_headers(user)
    resp = client.post("/api/v1/plans", json=_requests(world), headers=headers)
    assert resp.status_code == 202, resp.get_json()
    body = resp.get_json()
    plan_id = body["id"]
    assert body["status"] == "queued" and body["progress"]["total"] == 5

    login(user)
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in page and "排队等待" in page

    run_plan(plan_id)
    db.session.expire_all()

    got = client.get(f"/api/v1/plans/{plan_id}", headers=headers).get_json()
    assert got["status"] == "done" and got["started_at"] and got["finished_at"]
    assert got["progress"] == {"total": 5, "filled": 4, "unfilled": 1}
    rows = got["result"]
    assert [bool(r.get("proposal")) for r in rows] == [True, True, True, True, False]
    assert rows[4]["reasons"] and all(r["message"] for r in rows[4]["reasons"])
    assert {m["seat"] for m in rows[0]["proposal"]["members"]} >= {"法律", "信访"}
    plan: Any = db.session.get(Plan, plan_id)
    _valid(plan.instance, plan.solution)
    assert len(plan.instance["panels"]) == 5  # one instance for the whole batch

    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page and "无法组成" in page and "按方案创建评审组" in page

    created = client.post(f"/api/v1/plans/{plan_id}/apply", headers=headers)
    assert created.status_code == 201, created.get_json()
    panels = created.get_json()["panels"]
    assert len(panels) == 4 and all(p["status"] == "proposed" for p in panels)
    assert client.post(f"/api/v1/plans/{plan_id}/apply", headers=headers).status_code == 409

    for p in panels:
        panel: Any = db.session.get(Panel, p["id"])
        [record] = panel.draws
        assert record.kind == "plan" and record.seed == plan.seed and record.eligible_count > 0
        _valid(record.instance, record.solution)
        # The record replays: its one-panel instance (the batch's decisions fixed) gives the same panel.
        assert replay(record.instance)["panels"] == record.solution["panels"]
        assert sorted(d["expert_id"] for d in record.drawn) == sorted(m["expert_id"] for m in p["members"])
        # Each panel's record carries its lottery, the plan's seed and its ticket: it verifies like any draw.
        shown = client.get(f"/api/v1/draws/{record.id}", headers=headers).get_json()
        assert shown["status"] == "revealed" and shown["witness"] is None and shown["seed"] == plan.seed
        assert shown["seed"] == seed_from(shown["nonce"], "")
        assert shown["lottery"]["panel_id"] == record.instance["plan"]["panel"]
        assert verify_record(shown) == []
        assert p["draw"] == record.id
        page = client.get(f"/draws/{record.id}").get_data(as_text=True)
        assert "年度计划统一抽取" in page and "未设监督人" in page and shown["nonce"] in page
    members = db.session.execute(
        db.select(PanelMember.expert_id, Panel.start, Panel.end)
        .join(Panel)
        .where(Panel.id.in_([p["id"] for p in panels]))
    ).all()
    for a, b in combinations(members, 2):
        assert not (a.expert_id == b.expert_id and a.start < b.end and b.start < a.end)
    assert db.session.scalar(db.select(db.func.count()).select_from(DrawRecord)) == 4
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "已于" in page and f"/panels/{panels[0]['id']}" in page


def test_a_stale_proposal_is_not_used(app, client, make_user, auth_headers, world):
    """Experts booked between the solve and the click are not double-booked: that panel is skipped."""
    from wenping_sched.extensions import db
    from wenping_sched.plans.operations import run_plan

    headers = auth_headers(make_user())
    reqs = _requests(world)[:1]
    plan_id = client.post("/api/v1/plans", json=reqs, headers=headers).get_json()["id"]
    run_plan(plan_id)
    db.session.expire_all()
    # Meanwhile a coordinator draws the same matter's panel for the only possible morning of its members.
    proposal = client.get(f"/api/v1/plans/{plan_id}", headers=headers).get_json()["result"][0]["proposal"]
    direct = client.post(
        f"/api/v1/matters/{world[1].id}/panels",
        headers=headers,
        json={
            "size": 3,
            "seats": {"法律": 1, "信访": 1},
            "min_senior": 1,
            "duration_minutes": 180,
            "window": [proposal["start"], proposal["end"]],
        },
    )
    assert direct.status_code == 201
    direct_members = {m["expert_id"] for m in direct.get_json()["members"]}
    result = client.post(f"/api/v1/plans/{plan_id}/apply", headers=headers).get_json()
    if direct_members & {m["expert_id"] for m in proposal["members"]}:
        assert result["panels"] == [] and result["skipped"][0]["message"]
    else:
        assert len(result["panels"]) == 1


def test_bad_requests_are_named_and_nothing_is_queued(client, make_user, auth_headers, world):
    from wenping_sched.extensions import db
    from wenping_sched.models import Plan

    headers = auth_headers(make_user(scope="玉门市"))
    reqs = _requests(world)[:2]
    reqs[1]["seats"] = {"法律": 5}
    resp = client.post("/api/v1/plans", json=reqs, headers=headers)
    assert resp.status_code == 422
    fields = resp.get_json()["error"]["fields"]
    assert "0.matter_id" in fields and "1.matter_id" in fields  # 敦煌市 matters: not a 玉门市 coordinator's
    city = auth_headers(make_user())
    resp = client.post("/api/v1/plans", json=reqs, headers=city)
    assert resp.status_code == 422 and "1.seats" in resp.get_json()["error"]["fields"]
    assert client.post("/api/v1/plans", json=[], headers=city).status_code == 422
    assert client.post("/api/v1/plans", json={"matter_id": 1}, headers=city).status_code in (400, 422)
    assert db.session.scalar(db.select(db.func.count()).select_from(Plan)) == 0


def test_plan_from_a_spreadsheet_on_the_page(app, client, make_user, login, world):
    from wenping_sched.extensions import db
    from wenping_sched.models import Plan
    from wenping_sched.plans.operations import run_plan

    login(make_user())
    m = world
    rows = (
        "事项编号,人数,席位,高级职称人数,窗口开始,窗口结束,时长\n"
        f"{m[0].id},3,法律:1;信访:1,1,{SHEET_WINDOW},180\n"
        f"{m[3].id},2,社会稳定:2,1,{SHEET_WINDOW},120\n"
    )
    resp = client.post("/plans", data={"title": "2026年计划", "rows": rows})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    plan = db.session.scalars(db.select(Plan)).one()
    assert plan.total == 2 and plan.title == "2026年计划"
    run_plan(plan.id)
    db.session.expire_all()
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "敦煌事项0" in page and "市级事项" in page

    bad = rows + f"{m[1].id},三,法律:1,0,{SHEET_WINDOW},120\n"
    resp = client.post("/plans", data={"rows": bad})
    assert resp.status_code == 422 and "第 4 行" in resp.get_data(as_text=True)


def test_plan_runs_on_a_real_rq_worker(app, client, make_user, auth_headers, world):
    redis = pytest.importorskip("redis")
    from rq import SimpleWorker

    from wenping_sched.extensions import db
    from wenping_sched.worker import rq_queues

    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    name = f"wenping-test-{uuid.uuid4().hex}"
    app.config.update(QUEUE_URL=REDIS_URL, SOLVE_QUEUE_NAME=name, PLAN_AUTOSTART=True)
    headers = auth_headers(make_user())
    job_ids: list[str] = []
    worker = None
    try:
        resp = client.post("/api/v1/plans", json=_requests(world)[:3], headers=headers)
        assert resp.status_code == 202
        plan_id = resp.get_json()["id"]
        _mail_queue, solve_queue = rq_queues(app)
        job_ids = list(solve_queue.job_ids)
        assert solve_queue.name == name and len(job_ids) == 1
        assert client.get(f"/api/v1/plans/{plan_id}", headers=headers).get_json()["status"] == "queued"
        db.session.expire_all()
        worker = SimpleWorker([solve_queue], connection=solve_queue.connection)
        worker.work(burst=True)
        got = client.get(f"/api/v1/plans/{plan_id}", headers=headers).get_json()
        assert got["status"] == "done" and got["progress"]["filled"] == 3
        from wenping_sched.models import Plan

        plan: Any = db.session.get(Plan, plan_id)
        _valid(plan.instance, plan.solution)
    finally:
        # Leave Redis as it was: this test's queue, job, results and worker keys go.
        for job_id in job_ids:
            connection.delete(f"rq:job:{job_id}", f"rq:results:{job_id}")
        for key in connection.scan_iter(f"*{name}*"):
            connection.delete(key)
        connection.srem("rq:queues", f"rq:queue:{name}")
        if worker is not None:
            connection.delete(worker.key)
            connection.srem("rq:workers", worker.key)
