"""Twenty coordinators draw at once for the same morning from the same three lawyers:
nobody is double-booked, and every draw that loses is told why."""

from __future__ import annotations

import threading
from itertools import combinations
from typing import Any

from sqlalchemy import select

from solver.instance import parse_panel_solution, parse_panels
from solver.validate import validate_panels
from tests.web.dates import clear_monday, window

DRAWS = 20
ONE_MORNING = window(clear_monday(weeks_ahead=2, weeks=1), 0, 0, end="12:00")


def test_concurrent_draws_never_double_book(app, make_user, auth_headers, expert_factory, matter_factory):
    from wenping_sched.extensions import db
    from wenping_sched.models import DrawRecord, Panel, PanelMember

    lawyers = [expert_factory(pool="city", sectors=("法律",), senior=True) for _ in range(3)]
    matters = [matter_factory(title=f"事项{i}") for i in range(DRAWS)]
    headers = auth_headers(make_user())
    matter_ids = [m.id for m in matters]
    lawyer_ids = sorted(x.id for x in lawyers)
    db.session.commit()
    db.session.remove()

    results: list[tuple[int, dict[str, Any]]] = []
    barrier = threading.Barrier(DRAWS)

    def draw(matter_id: int) -> None:
        with app.app_context():
            client = app.test_client()
            barrier.wait()
            resp = client.post(
                f"/api/v1/matters/{matter_id}/panels",
                headers=headers,
                json={
                    "size": 1,
                    "seats": {"法律": 1},
                    "min_senior": 1,
                    "window": ONE_MORNING,
                    "duration_minutes": 180,
                },
            )
            results.append((resp.status_code, resp.get_json()))
            db.session.remove()

    threads = [threading.Thread(target=draw, args=(mid,)) for mid in matter_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    codes = sorted(code for code, _ in results)
    assert codes == [201] * 3 + [422] * (DRAWS - 3), codes
    for code, body in results:
        if code == 422:
            reasons = body["error"]["reasons"]
            assert reasons and all(r["code"] in {"capacity", "no_common_slot"} for r in reasons), body
            assert all(r["message"] for r in reasons)

    members = db.session.execute(select(PanelMember.expert_id, Panel.start, Panel.end).join(Panel)).all()
    assert sorted(m.expert_id for m in members) == lawyer_ids
    for a, b in combinations(members, 2):
        assert not (a.expert_id == b.expert_id and a.start < b.end and b.start < a.end)
    for record in db.session.scalars(select(DrawRecord)):
        instance = parse_panels(record.instance)
        assert validate_panels(instance, parse_panel_solution(record.solution, instance.timezone)) == []
