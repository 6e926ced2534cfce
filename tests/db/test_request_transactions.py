"""How a request's transaction ends: one that only read is committed, anything else is rolled back.

Committing a transaction that wrote nothing changes nothing, and it keeps the connection's
prepared statements (psycopg discards them all on a rollback), so a page's queries are planned
once a connection rather than each request. Whatever a request changed without committing it
itself (an object added or changed, a row written and then refused) is still thrown away.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import event, select, text

from cspr.accounts.models import Role
from cspr.db import get_db, get_session
from cspr.operations import job_runs
from cspr.operations.models import JobRun
from cspr.tasks.after_commit import send_after_commit
from tests.web_kit import signed_in

pytestmark = pytest.mark.commits  # what a request commits must be seen by another connection


def add_routes(app: Flask) -> None:
    """Views that leave their writes for the end of the request to decide (none of the app's do)."""

    @app.get("/_test/added-then-refused")
    def added_then_refused():
        session = get_session()
        job_runs.touch(session, "added-then-refused")
        session.flush()  # the row is written in the transaction...
        return "refused", 400  # ...and the request ends without committing it

    @app.get("/_test/changed-not-flushed")
    def changed_not_flushed():
        job_runs.touch(get_session(), "changed-not-flushed")
        return "ok"

    @app.get("/_test/written-by-a-statement")
    def written_by_a_statement():
        job_runs.beat(get_session(), "written-by-a-statement")
        return "ok"

    @app.get("/_test/committed-then-read")
    def committed_then_read():
        session = get_session()
        job_runs.touch(session, "committed-then-read")
        session.commit()
        return str(len(session.scalars(select(JobRun)).all()))

    @app.get("/_test/task-queued")
    def task_queued():
        session = get_session()
        session.scalars(select(JobRun)).all()
        send_after_commit(session, "cspr.tasks.outbox.relay")  # sent only if the view commits
        return "ok"

    @app.get("/_test/read")
    def read():
        return str(len(get_session().scalars(select(JobRun)).all()))


def job_names(owner_engine) -> set[str]:
    with owner_engine.connect() as conn:
        return set(conn.scalars(text("SELECT name FROM job_runs")))


def test_what_a_request_did_not_commit_itself_is_thrown_away(app, owner_engine):
    add_routes(app)
    client = app.test_client()
    assert client.get("/_test/added-then-refused").status_code == 400
    assert client.get("/_test/changed-not-flushed").status_code == 200
    assert client.get("/_test/written-by-a-statement").status_code == 200
    assert client.get("/_test/read").get_data(as_text=True) == "0"  # nothing of the three was kept
    assert job_names(owner_engine) == set()
    assert client.get("/_test/committed-then-read").get_data(as_text=True) == "1"
    assert job_names(owner_engine) == {"committed-then-read"}


def test_a_request_that_only_read_is_committed_and_its_connection_keeps_its_prepared_statements(app):
    add_routes(app)
    client = app.test_client()
    endings: list[str] = []
    engine = get_db(app).engine

    def ended(name: str):
        return lambda _conn: endings.append(name)

    commit, rollback = ended("commit"), ended("rollback")
    event.listen(engine, "commit", commit)
    event.listen(engine, "rollback", rollback)
    try:
        client.get("/_test/read")
        client.get("/_test/added-then-refused")
        client.get("/_test/task-queued")  # only read, but its task waits for a commit
    finally:
        event.remove(engine, "commit", commit)
        event.remove(engine, "rollback", rollback)
    assert endings == ["commit", "rollback", "rollback"]


def test_the_dashboards_queries_are_planned_once_a_connection_not_each_request(app):
    browser = signed_in(app, app.test_client(), "doncaster", Role.ADMIN)
    engine = get_db(app).engine
    engine.dispose()  # a connection of the dashboard's own from here on
    for _ in range(8):  # psycopg prepares a query the sixth time a connection runs it
        assert browser.get("/app/doncaster/").status_code == 200
    assert engine.pool.checkedin() == 1  # one connection served every request
    with engine.connect() as conn:
        prepared = conn.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
    assert any("FROM deadlines" in statement for statement in prepared), prepared
    assert any(statement.startswith("SELECT user_sessions.id") for statement in prepared), prepared


def test_a_page_that_only_read_is_answered_though_its_connection_is_lost_before_the_end(app, owner_engine):
    @app.get("/_test/read-then-lose-the-connection")
    def read_then_lose_the_connection():
        session = get_session()
        pid = session.scalar(text("SELECT pg_backend_pid()"))
        with owner_engine.connect() as conn:  # the database restarts, say, as the page is sent
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return "the page"

    add_routes(app)
    client = app.test_client()
    response = client.get("/_test/read-then-lose-the-connection")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "the page")
    assert client.get("/_test/read").status_code == 200  # the next request gets a live connection
