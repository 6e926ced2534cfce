"""Refusals cannot flood another partnership's audit trail: a few events per actor and window, then one summary."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cspr.accounts.models import Role
from cspr.audit import events as audit
from cspr.audit import refusals
from cspr.audit.models import AuditEvent, RefusalWindow
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from tests.api_kit import make_member
from tests.concurrency_kit import in_parallel, one_partnership_database

pytestmark = pytest.mark.commits  # refusals arrive from many threads at once

#: A window of a century (aligned to 1970): the test's requests never straddle two windows.
CENTURY = 60 * 24 * 365 * 100
AFTER_IT = dt.datetime(2071, 1, 1, tzinfo=dt.UTC)


def trail_of(app, slug: str) -> list[AuditEvent]:
    from cspr.partnerships import services as partnerships

    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, slug)
        with acting_for(session, row.id):
            events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
            assert audit.verify(session) == [], f"{slug}'s chain is not intact"
            session.expunge_all()
            return list(events)


def knock(app, token: str, path: str, times: int, threads: int) -> list[int]:
    """``times`` GETs of ``path`` with ``token``, from ``threads`` clients in parallel; their statuses."""
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def run(count: int) -> None:
        client = app.test_client()
        start.wait()
        for _ in range(count):
            status = client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code
            with lock:
                statuses.append(status)

    shares = [times // threads + (i < times % threads) for i in range(threads)]
    workers = [threading.Thread(target=run, args=(n,)) for n in shares]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return statuses


def summarise(app, now: dt.datetime) -> int:
    with app.app_context():
        return refusals.summarise_closed(get_db().sessionmaker(), now=now)


def test_600_refusals_from_one_token_are_a_few_events_and_one_summary_saying_600(app):
    app.config["AUDIT_REFUSAL_WINDOW_MINUTES"] = CENTURY
    limit = app.config["AUDIT_REFUSALS_PER_WINDOW"]
    intruder = make_member(app, "plymouth", Role.ADMIN)
    make_member(app, "doncaster", Role.ADMIN)  # doncaster exists, with its own trail
    before = len(trail_of(app, "doncaster"))

    statuses = knock(app, intruder.token, "/api/v1/doncaster/incidents", 600, threads=8)
    assert statuses == [404] * 600  # every one refused, none failed under the parallel load

    added = trail_of(app, "doncaster")[before:]
    assert [e.action for e in added] == ["access.denied"] * limit  # bounded, not 600
    assert {e.actor for e in added} == {f"user:{intruder.user_id}"}
    assert summarise(app, dt.datetime.now(dt.UTC)) == 0  # the window is still open: no summary yet

    assert summarise(app, AFTER_IT) == 1
    added = trail_of(app, "doncaster")[before:]
    assert [e.action for e in added] == ["access.denied"] * limit + ["access.denied.summary"]
    summary = added[-1].detail
    assert summary["refused"] == 600
    assert (summary["recorded_as_events"], summary["counted_here"]) == (limit, 600 - limit)
    assert summary["routes"] == {"GET /api/v1/<slug>/incidents": 600 - limit}
    assert summary["reasons"] == {"token of another partnership": 600 - limit}
    assert summary["first_at"] <= summary["last_at"]
    assert added[-1].actor_user_id == intruder.user_id
    assert not [e for e in trail_of(app, "plymouth") if e.action.startswith("access.denied")]
    assert summarise(app, AFTER_IT) == 0  # written once: the window's counter is gone


def test_each_actor_has_its_own_limit_and_a_refusal_under_it_is_summarised_by_nobody(app):
    app.config["AUDIT_REFUSAL_WINDOW_MINUTES"] = CENTURY
    app.config["AUDIT_REFUSALS_PER_WINDOW"] = 3
    one = make_member(app, "plymouth", Role.ADMIN)
    two = make_member(app, "plymouth", Role.VIEWER)
    make_member(app, "doncaster", Role.ADMIN)
    before = len(trail_of(app, "doncaster"))
    knock(app, one.token, "/api/v1/doncaster/reviews", 10, threads=2)
    knock(app, two.token, "/api/v1/doncaster/reviews", 2, threads=1)
    added = trail_of(app, "doncaster")[before:]
    assert sorted(e.actor_user_id for e in added) == sorted([one.user_id] * 3 + [two.user_id] * 2)
    assert summarise(app, AFTER_IT) == 1  # only the first token went past its limit
    summary = trail_of(app, "doncaster")[-1]
    assert (summary.actor_user_id, summary.detail["refused"]) == (one.user_id, 10)


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_the_counter_is_exact_under_parallel_writers(dialect, tmp_path):
    """Six threads count 120 refusals of one actor at once: 5 events, the rest counted, none lost."""
    with one_partnership_database(dialect, tmp_path) as (engine, pid):
        moment = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)

        def refuse() -> None:
            for _ in range(20):
                with Session(engine) as session:
                    with acting_for(session, pid):
                        refusals.record(session, actor="user:9", actor_user_id=None, route="GET /x",
                                        detail={"reason": "role"}, remote_addr="192.0.2.1", limit=5,
                                        window_minutes=15, now=moment)
                    session.commit()

        assert in_parallel(refuse) == []
        with Session(engine) as session:
            with acting_for(session, pid):
                window = session.scalars(select(RefusalWindow)).one()
                assert (window.refused, window.tally["routes"]) == (120, {"GET /x": 115})
                assert audit.check(session).events == 5
            assert refusals.summarise_closed(session, now=moment + dt.timedelta(minutes=15)) == 1
            with acting_for(session, pid):
                report = audit.check(session)
                last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert (report.events, report.problems) == (6, [])
        assert (last.action, last.detail["refused"], last.detail["addresses"]) == (
            "access.denied.summary", 120, {"192.0.2.1": 115})



def test_the_clocks_task_writes_the_summaries_of_closed_windows(app):
    celery = app.extensions["celery"]
    entry = celery.conf.beat_schedule["refusal_summaries"]
    assert entry["schedule"] == float(app.config["SWEEP_INTERVAL"])
    make_member(app, "doncaster", Role.ADMIN)
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    from cspr.partnerships import services as partnerships

    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            for _ in range(3):
                refusals.record(session, actor="user:77", actor_user_id=None, route="GET /app/<slug>/",
                                detail={"reason": "not a member"}, remote_addr="198.51.100.9", limit=1,
                                window_minutes=15, now=an_hour_ago)
    assert celery.tasks[entry["task"]].apply().get() == 1
    last = trail_of(app, "doncaster")[-1]
    assert (last.action, last.actor, last.detail["refused"], last.detail["counted_here"]) == (
        "access.denied.summary", "user:77", 3, 2)
