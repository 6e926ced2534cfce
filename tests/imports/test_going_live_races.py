"""Two admins importing the same file at the same moment, on PostgreSQL: it is imported once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from cspr.cases.models import Incident
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.imports import services as imports
from cspr.partnerships import services as partnerships
from cspr.services.context import Context
from tests.concurrency_kit import in_parallel
from tests.imports import kit

pytestmark = pytest.mark.commits


def _ctx(app, session, actor="kit"):
    row = partnerships.get(session, "doncaster")
    return row, lambda: Context(session, row, app.extensions["cspr.plugins"].policy("doncaster"), actor=actor)


def test_the_same_file_imported_by_two_admins_at_once_is_imported_once(app):
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        row, make = _ctx(app, session)
        with acting_for(session, row.id):
            body = kit.workbook(make(), kit.GOOD)
    outcomes: list[str] = []
    lock = threading.Lock()

    def one_admin() -> None:
        with app.app_context(), get_db().sessionmaker() as session:
            row, make = _ctx(app, session, actor=f"admin-{threading.get_ident()}")
            with acting_for(session, row.id):
                try:
                    imports.run(make(), body, dry_run=False)
                except imports.ImportFailed as failed:
                    session.rollback()
                    with lock:
                        outcomes.append(failed.outcome.messages()[0])
                    return
                session.commit()
                with lock:
                    outcomes.append("imported")

    assert in_parallel(one_admin, threads=4) == []
    assert outcomes.count("imported") == 1, outcomes
    assert all("already on the platform" in o for o in outcomes if o != "imported")
    with app.app_context(), get_db().sessionmaker() as session:
        row, _ = _ctx(app, session)
        with acting_for(session, row.id):
            assert session.scalar(select(func.count()).select_from(Incident)) == 2
