"""One panel request on the demo city through the API, and a redraw: latency percentiles.

    python -m bench.panel_requests [--requests 40]

Loads the demo city into a fresh SQLite database in a temporary folder, then asks for
panels for the demo matters through POST /api/v1/matters/{id}/panels (the whole request:
authentication, instance building from the database, solve, validation, storing the draw
record) and measures p50/p95. The random draw baseline (filter, shuffle, take) for the same
instances runs in the same process for comparison. Then it declines one member of a panel
and measures the redraw's solver time. Results go to bench/results-panel-requests.md.
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
    p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
    return f"| {label} | {p50:.4f} | {p95:.4f} | {max(values):.4f} |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args(argv)

    from sqlalchemy import select

    from solver.instance import parse_panels
    from solver.panels import solve_panels
    from wenping_sched import create_app, solving
    from wenping_sched.demo import load_demo_data
    from wenping_sched.extensions import db
    from wenping_sched.models import Matter, Panel
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
    latencies: list[float] = []
    baseline: list[float] = []
    redraws: list[float] = []
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
                "seed": rng.randrange(2**31),
            }
            started = time.perf_counter()
            resp = client.post(f"/api/v1/matters/{matter.id}/panels", json=body, headers=headers)
            latencies.append(time.perf_counter() - started)
            if resp.status_code != 201:
                continue
            panel = db.session.get(Panel, resp.get_json()["id"])
            assert panel is not None
            record = panel.draws[0]
            instance = parse_panels(record.instance)
            started = time.perf_counter()
            random_draw(instance, seed=body["seed"])
            baseline.append(time.perf_counter() - started)
            # Redraw: one member declines; time the solver on the redraw instance alone.
            member = panel.members[-1]
            member.state = "declined"
            redraw_instance = parse_panels(
                solving.build_panel_instance(operations.redraw_request(panel), str(panel.id), panel.id)
            )
            started = time.perf_counter()
            solve_panels(redraw_instance)
            redraws.append(time.perf_counter() - started)
            db.session.rollback()

    lines = [
        "# Panel requests on the demo city",
        "",
        f"Command: `python -m bench.panel_requests --requests {args.requests}`",
        "",
        "| measure | p50 | p95 | max |",
        "| --- | --- | --- | --- |",
        row("API request, end to end (s)", latencies),
        row("random-draw baseline, same instance (s)", baseline),
        row("redraw, solver only (s)", redraws),
        "",
        f"{len(latencies)} requests; targets: API p95 ≤ 1 s, redraw ≤ 0.2 s of solver time.",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
