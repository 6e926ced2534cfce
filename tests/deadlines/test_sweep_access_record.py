"""The sweep's cross-partnership access record: written when it reads case data, not by an idle sweep."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

import pytest
from sqlalchemy import event, select, text

from cspr.accounts.models import Role
from cspr.cases import incidents
from cspr.cases.models import Incident
from cspr.db import get_db
from cspr.db.tenancy import NO_CASE_DATA, access_recorded, across_partnerships, acting_for
from cspr.deadlines.tasks import run_sweep
from cspr.partnerships import services as partnerships
from cspr.services.context import Context
from tests.api_kit import make_member

pytestmark = pytest.mark.commits  # the record and the heartbeat are read back as committed, by the owner

AWARE = dt.date(2026, 3, 3)  # notify the Panel by 10 March 2026
DUE = dt.date(2026, 3, 10)


def record_a_case(app) -> None:
    make_member(app, "doncaster", Role.ADMIN)
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            ctx = Context(session, row, app.extensions["cspr.plugins"].policy("doncaster"), actor="test")
            incidents.record(ctx, pseudonym="Child M", la_case_reference="LA-77", la_area="Doncaster",
                             age_band="1_4", harm="serious_harm", incident_on=AWARE, aware_on=AWARE)


def access_records(owner_engine) -> list[tuple[str, str]]:
    with owner_engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT actor, reason FROM cross_partnership_access ORDER BY id"))]


def heartbeat(owner_engine):
    with owner_engine.connect() as conn:
        return conn.execute(text("SELECT last_run_at, runs, detail FROM job_runs WHERE name = 'sweep'")).one()


def sweep_watching_the_commit(app, today: dt.date) -> tuple[object, list[str]]:
    """One sweep, and the ``synchronous_commit`` its transaction committed with."""
    engine = app.extensions["cspr.db"].engine
    seen: list[str] = []

    def before_commit(conn) -> None:
        seen.append(conn.connection.dbapi_connection.execute("SHOW synchronous_commit").fetchone()[0])

    event.listen(engine, "commit", before_commit)
    try:
        with app.app_context(), get_db().sessionmaker() as session:
            result = run_sweep(session, today)
    finally:
        event.remove(engine, "commit", before_commit)
    return result, seen


def test_a_sweep_that_sends_reminders_is_recorded_and_waits_for_the_disk(app, owner_engine):
    record_a_case(app)
    result, commits = sweep_watching_the_commit(app, DUE)
    assert result.reminders >= 1 and result.messages >= 1
    assert access_records(owner_engine) == [("system:clock", "deadline sweep")]
    assert commits == ["on"]


def test_a_sweep_with_nothing_to_do_leaves_no_record_but_its_heartbeat_without_waiting(app, owner_engine):
    record_a_case(app)
    run_sweep_once = sweep_watching_the_commit(app, DUE)[0]
    assert run_sweep_once.reminders >= 1
    first = heartbeat(owner_engine)
    again, commits = sweep_watching_the_commit(app, DUE)  # the same day: every reminder already recorded
    assert again.examined >= 1 and again.reminders == 0 and again.messages == 0
    assert access_records(owner_engine) == [("system:clock", "deadline sweep")]  # the first sweep's only
    assert commits == ["off"]
    beat = heartbeat(owner_engine)
    assert beat.runs == first.runs + 1 and beat.last_run_at > first.last_run_at
    assert beat.detail == asdict(again)  # what the sweep did, as a sweep with work records it


def test_any_read_not_marked_as_free_of_case_data_writes_the_record_before_it_runs(app, owner_engine):
    record_a_case(app)
    with app.app_context(), get_db().session_scope() as session:
        with across_partnerships(session, "a test of the deferred record", actor="test:sweep",
                                 on_first_read=True):
            assert session.execute(text("SELECT count(*) FROM deadlines"), execution_options=NO_CASE_DATA
                                   ).scalar() >= 1
            assert not access_recorded(session)
            assert session.scalars(select(Incident.pseudonym)).all() == ["Child M"]
            assert access_recorded(session)
    with app.app_context(), get_db().session_scope() as session:
        with across_partnerships(session, "counts only", actor="test:counts", on_first_read=True):
            session.execute(text("SELECT count(*) FROM incidents"), execution_options=NO_CASE_DATA)
    assert access_records(owner_engine) == [("test:sweep", "a test of the deferred record")]
