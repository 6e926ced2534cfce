"""Benchmark: the deadline sweep and reminder delivery, each against a baseline in the same run.

1. 100 000 deadlines, a few hundred of them due: the sweep (steady state, and the first
   run that writes the reminders) against the bare SQL query that finds the same rows.
2. 2 000 reminder e-mails through a real worker to a real SMTP server (aiosmtpd), against
   2 000 no-op tasks through the same worker.

Needs PostgreSQL and Redis (CSPR_BENCH_PG_URL, CSPR_BENCH_REDIS_URL).

    python bench/clock.py [--deadlines 100000] [--due 300] [--messages 2000] [--sweep-only | --relay-only]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, insert, select, text

from bench.common import at_least, scratch_database, side_by_side
from cspr import create_app
from cspr.accounts.models import Role
from cspr.accounts.users import create_user
from cspr.cases.models import Incident
from cspr.db import get_db
from cspr.deadlines.models import Deadline, DeadlineState
from cspr.deadlines.tasks import run_sweep
from cspr.messaging.models import OutboxMessage
from cspr.partnerships import services as partnerships
from cspr.services.context import london_today

REDIS = os.environ.get("CSPR_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


def seed(engine, partnership_id: int, total: int, due: int, today: dt.date) -> None:  # noqa: ANN001
    """Incidents and deadlines by bulk insert: ``due`` open and due today, the rest met or far off."""
    incidents = max(1, total // 100)
    with engine.begin() as conn:
        conn.execute(insert(Incident), [
            {"partnership_id": partnership_id, "reference": f"B-{i}", "stage": "recorded",
             "pseudonym": f"Bench case {i}", "la_case_reference": f"B{i}", "la_area": "Doncaster",
             "age_band": "1_4", "harm": "serious_harm", "looked_after": False, "care_leaver": False,
             "incident_on": today, "aware_on": today, "created_at": dt.datetime.now(dt.UTC)}
            for i in range(incidents)])
        first = conn.execute(select(Incident.id).order_by(Incident.id).limit(1)).scalar()
        rows = []
        for n in range(total):
            is_due = n < due
            rows.append({
                "partnership_id": partnership_id, "kind": f"bench_{n % 100}", "label": "Bench deadline",
                "subject": f"incident:{first + n // 100}", "incident_id": first + n // 100,
                "due_on": today if is_due else today + dt.timedelta(days=200 + n % 300),
                "statutory": False, "direction": "within",
                "state": "open" if is_due or n % 2 else "met",
                "updated_at": dt.datetime.now(dt.UTC)})
            if len(rows) == 10_000:
                conn.execute(insert(Deadline), rows)
                rows = []
        if rows:
            conn.execute(insert(Deadline), rows)
        conn.execute(text("ANALYZE"))


def setup_only(url: str, tmp: str) -> None:
    """The partnerships, for part 2 alone."""
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": tmp, "BROKER_URL": "memory://",
                      "LOG_LEVEL": "WARNING"})
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])


def sweep_part(args, url: str, tmp: str) -> None:  # noqa: ANN001
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": tmp, "BROKER_URL": "memory://",
                      "LOG_LEVEL": "WARNING"})
    registry = app.extensions["cspr.plugins"]
    today = london_today()
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, registry)
        row = partnerships.get(session, "doncaster")
        create_user(session, "bench@example.org", "Bench", "a long enough passphrase",
                    memberships=[(row, Role.ADMIN)])
        pid = row.id
    engine = app.extensions["cspr.db"].engine
    seed(engine, pid, args.deadlines, args.due, today)
    horizon = today + dt.timedelta(days=2 * 3 + 21)
    bare = (select(Deadline.id, Deadline.kind, Deadline.due_on, Deadline.partnership_id)
            .where(Deadline.state == DeadlineState.OPEN, Deadline.due_on <= horizon,
                   Deadline.direction != "at_least"))

    # The bare query on an engine of its own, as a program that only ran it would have: on the app's
    # pool, its rollback would discard the sweep's prepared statements on their shared connection.
    bare_engine = create_engine(url, connect_args={"options": "-c jit=off"})

    def bare_query() -> int:
        with bare_engine.connect() as conn:
            return len(conn.execute(bare).all())

    found = bare_query()
    # the seeding's garbage collected now, not by a pause inside the first sweep it did not cause
    # (at 10 000 deadlines, a full collection fell in it every run: about 100 ms)
    gc.collect()
    with app.app_context(), get_db().sessionmaker() as session:
        # a warm process, as a worker's is: a sweep of a day long ago (nothing due) loads the calendar
        run_sweep(session, today - dt.timedelta(days=400))
    with app.app_context(), get_db().sessionmaker() as session:
        start = time.perf_counter()
        first = run_sweep(session, today)
        first_time = time.perf_counter() - start

    def steady() -> None:
        with app.app_context(), get_db().sessionmaker() as session:
            run_sweep(session, today)

    bare_time, steady_time, ratio = side_by_side(bare_query, steady, 10)
    print(f"deadlines={args.deadlines} due={found} reminders written by the first sweep="
          f"{first.reminders} (messages {first.messages})")
    print(f"bare SQL finding the due rows: {bare_time * 1000:8.2f} ms")
    print(f"sweep, steady state:           {steady_time * 1000:8.2f} ms  "
          f"ratio {ratio:.1f}x the bare query (median of the rounds' ratios)")
    print(f"sweep, first run (writes):     {first_time * 1000:8.2f} ms  "
          f"ratio {first_time / bare_time:.1f}x the bare query")


def worker_part(args, url: str, tmp: str) -> None:  # noqa: ANN001
    from celery import Celery

    from tests.mailbox import start_smtp

    controller, box, port = start_smtp()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSPR_")}
    env.update(CSPR_DATABASE_URL=url, CSPR_BROKER_URL=REDIS, CSPR_RESULT_BACKEND=REDIS,
               CSPR_MAIL_SERVER="127.0.0.1", CSPR_MAIL_PORT=str(port), CSPR_INSTANCE_PATH=tmp,
               CSPR_LOG_LEVEL="WARNING", CSPR_OUTBOX_BATCH="100", CSPR_SWEEP_INTERVAL="100000",
               CSPR_OUTBOX_INTERVAL="100000", CSPR_HEARTBEAT_INTERVAL="100000")
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": tmp, "BROKER_URL": REDIS,
                      "LOG_LEVEL": "WARNING"})
    with app.app_context(), get_db().session_scope() as session:
        from sqlalchemy import delete

        session.execute(delete(Deadline))  # part 1's deadlines are not part 2's work,
    with app.extensions["cspr.db"].engine.begin() as conn:
        conn.execute(delete(OutboxMessage))  # nor its reminders' messages (the sweep's first run)
    with app.extensions["cspr.db"].engine.connect() as conn:
        pid = conn.execute(text("SELECT id FROM partnerships WHERE slug='doncaster'")).scalar()
    client = Celery(broker=REDIS, backend=REDIS)
    subprocess.run(["redis-cli", "-u", REDIS, "flushdb"], capture_output=True)
    worker = subprocess.Popen([sys.executable, "-m", "cspr", "worker", "--concurrency", "2"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        time.sleep(6)  # the worker is up (and its catch-up tasks have run)
        start = time.perf_counter()
        results = [client.send_task("cspr.tasks.clock.ping", queue="clock") for _ in range(args.messages)]
        for r in results:
            r.get(timeout=300)
        noop_time = time.perf_counter() - start
        # the messages: written straight into the outbox as a sweep would, then relayed
        with app.extensions["cspr.db"].engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO outbox (partnership_id, idempotency_key, channel, recipient, subject, body, "
                "status, attempts, next_attempt_at, created_at) SELECT :pid, 'bench-' || g, 'email', "
                "'bench' || g || '@example.org', 'Bench reminder ' || g, 'A reminder.', 'pending', 0, "
                "now(), now() FROM generate_series(1, :n) g"), {"pid": pid, "n": args.messages})
        box.messages.clear()
        start = time.perf_counter()
        client.send_task("cspr.tasks.outbox.relay", queue="outbox")
        while len(box.messages) < args.messages and time.perf_counter() - start < 600:
            time.sleep(0.05)
        relay_time = time.perf_counter() - start
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(60)
        controller.stop()
    keys = box.keys()
    if len(keys) != len(set(keys)):
        sys.exit(f"bench/clock.py: {len(keys) - len(set(keys))} reminders were delivered twice")
    if len(box.messages) < args.messages:
        sys.exit(f"bench/clock.py: the worker delivered {len(box.messages)} of {args.messages} reminders "
                 f"in {relay_time:.0f} s: no figure for the relay")
    print(f"{args.messages} no-op tasks through the worker:        {noop_time:7.2f} s "
          f"({args.messages / noop_time:6.0f}/s)")
    print(f"{args.messages} reminders through the worker to SMTP:  {relay_time:7.2f} s "
          f"({len(box.messages) / relay_time:6.0f}/s), received {len(box.messages)}")
    print(f"ratio reminders / no-op tasks: {relay_time / noop_time:.2f}x the time, "
          f"throughput {noop_time / relay_time:.2f}x")


def main() -> None:
    """Run both parts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deadlines", type=at_least(1), default=100_000)
    parser.add_argument("--due", type=at_least(1), default=300)
    parser.add_argument("--messages", type=at_least(1), default=2000)
    parser.add_argument("--sweep-only", action="store_true", help="part 1 only (at 10k, 1M deadlines)")
    parser.add_argument("--relay-only", action="store_true", help="part 2 only (the worker and SMTP)")
    args = parser.parse_args()
    if args.due > args.deadlines:
        parser.error(f"--due {args.due} is more than --deadlines {args.deadlines}")
    if args.sweep_only and args.relay_only:
        parser.error("--sweep-only and --relay-only leave nothing to run together: give one")
    with scratch_database() as url, tempfile.TemporaryDirectory() as tmp:
        if args.relay_only:
            setup_only(url, tmp)
        else:
            sweep_part(args, url, tmp)
        if not args.sweep_only:
            worker_part(args, url, tmp)


if __name__ == "__main__":
    main()
