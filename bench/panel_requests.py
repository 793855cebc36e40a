"""Draws on the demo city through the API, and replacement draws: latency percentiles.

    python -m bench.panel_requests [--requests 40]

Loads the demo city into a fresh SQLite database in a temporary folder, then for the demo
matters measures, through the API (authentication, instance from the database, lottery,
commitment, record):

- a commit: POST /api/v1/matters/{id}/draws (the lottery fixed, the commitment published);
- a commit + reveal: the commit, then POST /api/v1/draws/{id}/reveal with a witness's digits
  (seed, ticket, placing the drawn set on the data as it is now, the proposed panel);
- the one-step draw POST /api/v1/matters/{id}/panels (commit and reveal at once).

The random draw baseline (filter, shuffle, take) for the same instances runs in the same
process for comparison. Then one member of each panel declines and the replacement draw's
solver time is measured (its lottery and the placing of the drawn set, on the instance built
from the database). Results go to bench/results-panel-requests.md.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results-panel-requests.md")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def row(label: str, values: list[float]) -> str:
    if not values:
        return f"| {label} | — | — | — |"
    p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
    return f"| {label} | {p50:.4f} | {p95:.4f} | {max(values):.4f} |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args(argv)

    from sqlalchemy import select

    from solver import lottery
    from solver.draw_proof import set_for_ticket, ticket_for
    from solver.instance import Lottery, parse_panels
    from wenping_sched import create_app, solving
    from wenping_sched.demo import load_demo_data
    from wenping_sched.extensions import db
    from wenping_sched.models import DrawRecord, Matter, Panel
    from wenping_sched.panels import operations

    from .baselines import random_draw

    tmp = Path(tempfile.mkdtemp(prefix="wenping-bench-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "INSTANCE_PATH": str(tmp),
            "SECRET_KEY": "bench",
            "MAIL_SERVER": None,
        }
    )
    rng = random.Random(1)
    commits: list[float] = []
    commit_reveals: list[float] = []
    one_step: list[float] = []
    baseline: list[float] = []
    lotteries: list[float] = []
    redraws: list[float] = []
    failed = 0
    with app.app_context():
        db.create_all()
        load_demo_data()
        client = app.test_client()
        token = client.post(
            "/api/v1/auth/token", json={"username": "demo", "password": "wenping2026"}
        ).get_json()
        headers = {"Authorization": f"Bearer {token['token']}"}
        matters = list(db.session.scalars(select(Matter).order_by(Matter.id)))
        sector_sets = [
            {"法律": 1, "社会稳定": 1},
            {"土地征收": 1, "法律": 1, "信访": 1},
            {"环境保护": 1, "法律": 1},
        ]
        for i in range(args.requests):
            matter = matters[i % len(matters)]
            day = 1 + (i % 20)
            body: dict[str, Any] = {
                "size": 5,
                "seats": sector_sets[i % len(sector_sets)],
                "min_senior": 1,
                "window": [f"2027-03-{day:02d}T08:30", f"2027-03-{day + 8:02d}T18:00"],
                "duration_minutes": 180,
            }
            started = time.perf_counter()
            resp = client.post(f"/api/v1/matters/{matter.id}/draws", json=body, headers=headers)
            commits.append(time.perf_counter() - started)
            if resp.status_code != 201:
                failed += 1
                continue
            witness = {"witness": "监督人", "witness_input": str(rng.randrange(10**8))}
            revealed = client.post(
                f"/api/v1/draws/{resp.get_json()['id']}/reveal", json=witness, headers=headers
            )
            commit_reveals.append(time.perf_counter() - started)
            if revealed.status_code != 201:
                failed += 1
                continue
            started = time.perf_counter()
            single = client.post(f"/api/v1/matters/{matter.id}/panels", json=body, headers=headers)
            one_step.append(time.perf_counter() - started)
            if single.status_code != 201:
                failed += 1
            panel = db.session.get(Panel, revealed.get_json()["id"])
            assert panel is not None
            record = db.session.get(DrawRecord, panel.draws[0].id)
            assert record is not None and record.instance is not None
            instance = parse_panels(record.instance)
            started = time.perf_counter()
            random_draw(instance, seed=rng.randrange(2**31))
            baseline.append(time.perf_counter() - started)
            # The lottery alone on the same instance: what of a commit is the solver's.
            started = time.perf_counter()
            lottery.panel_lottery(instance, instance.panels[0].id)
            lotteries.append(time.perf_counter() - started)
            # A replacement draw: one member declines; time its lottery and the placing of its draw.
            panel.members[-1].state = "declined"
            request, _data = operations.redraw_request(panel)
            parsed = parse_panels(solving.build_panel_instance(request, "redraw", panel.id))
            started = time.perf_counter()
            fixed = lottery.panel_lottery(parsed, "redraw")
            if isinstance(fixed, Lottery):
                drawn = set_for_ticket(
                    fixed.tickets_json(), ticket_for(rng.randrange(2**31), "redraw", fixed.total)
                )
                lottery.place(parsed, "redraw", drawn)
                redraws.append(time.perf_counter() - started)
            db.session.rollback()

    lines = [
        "# Draws on the demo city",
        "",
        f"Command: `python -m bench.panel_requests --requests {args.requests}` "
        "(lottery: whatever `solver.lottery.panel_lottery` is in this tree)",
        "",
        "| measure | p50 | p95 | max |",
        "| --- | --- | --- | --- |",
        row("commit through the API: POST …/draws (s)", commits),
        row("commit + reveal through the API (s)", commit_reveals),
        row("one-step draw through the API: POST …/panels (s)", one_step),
        row("the lottery alone (solver.lottery.panel_lottery), same instance (s)", lotteries),
        row("random-draw baseline, same instance (s)", baseline),
        row("replacement draw, solver only: lottery + placing (s)", redraws),
        "",
        f"{len(commits)} requests, {failed} not filled; targets: commit p95 ≤ 1 s, "
        "replacement draw ≤ 0.2 s of solver time.",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
