"""The API's list and detail endpoints cost a constant number of SQL statements, however many rows."""

from __future__ import annotations

import datetime as dt

import pytest

from cspr.accounts.models import Role
from cspr.db import get_db, statement_counter
from cspr.db.tenancy import acting_for
from cspr.partnerships import demo
from cspr.partnerships import services as partnerships
from cspr.services.context import Context
from tests.api_kit import Api, make_member

pytestmark = pytest.mark.commits  # counts a real transaction's statements (a savepoint would add its own)

AUDIT_EVENT = 3


def seed(app, count: int, seed_no: int) -> None:
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            ctx = Context(session, row, app.extensions["cspr.plugins"].policy("doncaster"),
                          actor="test", today=dt.date(2026, 11, 23))
            demo.seed_cases(ctx, count, seed=seed_no)


@pytest.mark.parametrize("path", ["/incidents?page_size=100", "/reviews?page_size=100",
                                  "/deadlines?page_size=100", "/deadlines?overdue=true"])
def test_list_endpoints_issue_the_same_statements_for_8_or_80_cases(app, client, path):
    api = Api(client, make_member(app, "doncaster", Role.ADMIN))
    engine = app.extensions["cspr.db"].engine
    seed(app, 8, 1)
    with statement_counter(engine) as small:
        assert api.get(path).status_code == 200
    seed(app, 72, 2)
    with statement_counter(engine) as large:
        response = api.get(path)
        assert response.status_code == 200
    assert len(response.get_json()) > 8 or "overdue" in path
    assert len(large) == len(small), (len(small), len(large))
    # 11 queries + 3 set_config for row-level security (the token lookup, the token's partnership
    # while authenticating, the request's partnership after the token's commit); listing cases or
    # reviews is audited: one event costs 3 statements (lock the chain, read its head, insert); and at
    # most one for the partnership's local settings (its admin's closure days), read once per request
    # when its calendar or page values are needed (cspr.partnerships.settings.LocalPolicy).
    audited = AUDIT_EVENT if path.startswith(("/incidents", "/reviews")) else 0
    assert len(large) <= 15 + audited
