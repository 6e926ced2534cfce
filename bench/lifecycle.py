"""Benchmark: the "due and overdue" query and the API's list endpoints as the data grows.

Seeds a base number of live cases (with deadlines due), then grows the database to 10x
and 100x (``--growth``) with finished cases (every deadline met), and at each size times:

* the due-or-overdue query (open deadlines due within the week) in one partnership;
* GET /api/v1/<slug>/deadlines?overdue=true and GET /api/v1/<slug>/incidents (one page);

and counts the SQL statements per API request. Prints time per call and its ratio to
the smallest size (the goal: flat, within 1.5x) and the statement counts (the goal:
constant). Needs PostgreSQL (CSPR_BENCH_PG_URL, default the local server).

    python bench/lifecycle.py [--base 20] [--calls 50] [--growth 10]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select, text

from bench.common import at_least, per_call, scratch_database
from cspr import create_app
from cspr.accounts import tokens
from cspr.accounts.models import Role
from cspr.accounts.users import create_user
from cspr.db import get_db, statement_counter
from cspr.db.tenancy import acting_for
from cspr.deadlines import services as deadlines
from cspr.partnerships import demo
from cspr.partnerships import services as partnerships
from cspr.services.context import Context, london_today

SLUG = "doncaster"


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=at_least(1), default=20, help="live cases at the smallest size")
    parser.add_argument("--calls", type=at_least(1), default=50, help="calls per timing round")
    parser.add_argument("--growth", type=at_least(2), default=10,
                        help="each size is this many times the one before (10: 1x, 10x, 100x)")
    parser.add_argument("--explain", action="store_true",
                        help="print PostgreSQL's plan for the due query at the largest size")
    args = parser.parse_args()

    with scratch_database() as url, tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": tmp,
                          "BROKER_URL": "memory://", "LOG_LEVEL": "WARNING"})
        registry = app.extensions["cspr.plugins"]
        policy = registry.policy(SLUG)
        with app.app_context(), get_db().session_scope() as session:
            partnerships.sync(session, registry)
            row = partnerships.get(session, SLUG)
            user = create_user(session, "bench@example.org", "Bench", "a long enough passphrase",
                               memberships=[(row, Role.ADMIN)])
            _, token = tokens.issue(session, user, row, "bench")
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        engine = app.extensions["cspr.db"].engine
        today = london_today()
        sizes = [args.base, args.growth * args.base, args.growth ** 2 * args.base]
        results = []
        seeded = 0
        for size in sizes:
            with app.app_context(), get_db().session_scope() as session:
                row = partnerships.get(session, SLUG)
                with acting_for(session, row.id):
                    ctx = Context(session, row, policy, actor="bench", today=today)
                    if seeded == 0:
                        demo.seed_cases(ctx, size, seed=1)
                    else:
                        demo.seed_cases(ctx, size - seeded, seed=size, finished=True)
            seeded = size
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))

            with app.app_context():
                session = get_db().sessionmaker()
                row = partnerships.get(session, SLUG)
                with acting_for(session, row.id):
                    query = deadlines.due_or_overdue(today + dt.timedelta(days=7))
                    due_rows = len(session.scalars(query).all())
                    total = session.scalar(select(func.count()).select_from(
                        deadlines.Deadline))
                    query_time = per_call(lambda q=query, s=session: s.scalars(q).all(), args.calls)
                    if args.explain and size == sizes[-1]:
                        compiled = query.where(deadlines.Deadline.partnership_id == row.id).compile(
                            engine, compile_kwargs={"literal_binds": True})
                        for line in session.execute(text(f"EXPLAIN ANALYZE {compiled}")):
                            print(line[0])
                session.close()

            def get(path: str) -> None:
                response = client.get(f"/api/v1/{SLUG}{path}", headers=headers)
                assert response.status_code == 200, response.get_data(as_text=True)

            timings, statements = {}, {}
            for name, path in (("overdue", "/deadlines?overdue=true"),
                               ("incidents", "/incidents?page_size=50")):
                timings[name] = per_call(lambda p=path: get(p), args.calls)
                with statement_counter(engine) as seen:
                    get(path)
                statements[name] = len(seen)
            results.append((size, total, due_rows, query_time, timings, statements))

        first = results[0]
        print(f"{'cases':>7} {'deadlines':>9} {'due':>5} | {'due query':>10} {'ratio':>6} | "
              f"{'GET overdue':>11} {'ratio':>6} {'SQL':>4} | {'GET incidents':>13} {'ratio':>6} {'SQL':>4}")
        for size, total, due, q, t, st in results:
            print(f"{size:>7} {total:>9} {due:>5} | {q * 1000:>8.3f}ms {q / first[3]:>5.2f}x | "
                  f"{t['overdue'] * 1000:>9.2f}ms {t['overdue'] / first[4]['overdue']:>5.2f}x "
                  f"{st['overdue']:>4} | {t['incidents'] * 1000:>11.2f}ms "
                  f"{t['incidents'] / first[4]['incidents']:>5.2f}x {st['incidents']:>4}")


if __name__ == "__main__":
    main()
