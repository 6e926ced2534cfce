"""Benchmark: the staff dashboard against a bare Flask endpoint returning the same rows.

Seeds cases in one partnership, signs a member in, then measures requests per second
of GET /app/<slug>/ (the full page: session, membership, policy, templates) and of a
bare Flask view that runs the same due-or-overdue query and returns the rows as JSON,
both in-process through the WSGI test client, in the same run. Prints both and the
ratio (the page's overhead over the bare query). Needs PostgreSQL.

    python bench/dashboard.py [--cases 200] [--requests 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import Flask, jsonify  # noqa: E402
from sqlalchemy import create_engine, select  # noqa: E402

from bench.common import scratch_database  # noqa: E402
from cspr import create_app, demo, partnerships  # noqa: E402
from cspr.db import get_db, statement_counter  # noqa: E402
from cspr.models import Deadline, DeadlineState, Role  # noqa: E402
from cspr.tenancy import acting_for  # noqa: E402
from cspr.users import create_user  # noqa: E402
from cspr.workflow.context import Context, london_today  # noqa: E402

SLUG = "doncaster"
PASSWORD = "a long enough passphrase"


def rate(call, requests: int, rounds: int = 3) -> float:  # noqa: ANN001
    """Best requests per second over a few rounds."""
    call()
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(requests):
            call()
        best = max(best, requests / (time.perf_counter() - start))
    return best


def bare_app(url: str, partnership_id: int) -> Flask:
    """The same rows with nothing around them: one engine, one query, JSON."""
    engine = create_engine(url)
    bare = Flask("bare")

    @bare.route("/due")
    def due():  # noqa: ANN202
        until = london_today() + dt.timedelta(days=7)
        with engine.connect() as conn:  # Core, no ORM: nothing but the query
            rows = conn.execute(
                select(Deadline.id, Deadline.label, Deadline.subject, Deadline.due_on)
                .where(Deadline.partnership_id == partnership_id, Deadline.state == DeadlineState.OPEN,
                       Deadline.due_on <= until, Deadline.direction != "at_least")
                .order_by(Deadline.due_on, Deadline.id)).all()
        return jsonify([{"id": r.id, "label": r.label, "subject": r.subject,
                         "due_on": r.due_on.isoformat()} for r in rows])

    return bare


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="print where the page's time goes")
    args = parser.parse_args()
    with scratch_database() as url, tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": tmp, "BROKER_URL": "memory://",
                          "LOG_LEVEL": "WARNING"})
        registry = app.extensions["cspr.plugins"]
        with app.app_context(), get_db().session_scope() as session:
            partnerships.sync(session, registry)
            row = partnerships.get(session, SLUG)
            create_user(session, "bench@example.org", "Bench", PASSWORD, memberships=[(row, Role.ADMIN)])
            with acting_for(session, row.id):
                ctx = Context(session, row, registry.policy(SLUG), actor="bench")
                demo.seed_cases(ctx, args.cases, seed=7)
            partnership_id = row.id
        client = app.test_client()
        page = client.get("/sign-in").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.post("/sign-in", data={"csrf_token": token, "email": "bench@example.org",
                                      "password": PASSWORD})
        response = client.get(f"/app/{SLUG}/")
        assert response.status_code == 200, response.status_code
        bare = bare_app(url, partnership_id).test_client()
        rows = len(bare.get("/due").get_json())
        with statement_counter(app.extensions["cspr.db"].engine) as seen:
            client.get(f"/app/{SLUG}/")
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(20):
                client.get(f"/app/{SLUG}/")
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        dashboard_rps = rate(lambda: client.get(f"/app/{SLUG}/"), args.requests)
        bare_rps = rate(lambda: bare.get("/due"), args.requests)
        print(f"cases={args.cases} due rows={rows} dashboard SQL statements={len(seen)}")
        print(f"bare Flask endpoint (same rows as JSON): {bare_rps:8.1f} requests/s")
        print(f"staff dashboard (full page):             {dashboard_rps:8.1f} requests/s")
        print(f"ratio dashboard / bare: {dashboard_rps / bare_rps:.2f}x "
              f"(the page costs {bare_rps / dashboard_rps:.1f}x a bare query)")


if __name__ == "__main__":
    main()
