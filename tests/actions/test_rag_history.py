"""RAG at a past moment, from the audit trail of each change; and the yearly figures' RAG at the period's end."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from cspr.accounts.models import Role
from cspr.actions import rag_history
from cspr.actions.models import Action
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.partnerships import services as partnerships
from tests.api_kit import Api, make_member
from tests.reporting.year_kit import YEAR, seed_in_app


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def rag_at(app, moment: dt.datetime) -> dict[int, str | None]:
    with app.app_context(), get_db().sessionmaker() as session:
        with acting_for(session, partnerships.get(session, "doncaster").id):
            return rag_history.rag_at(session, session.scalars(select(Action)).all(), moment)


def ok(response, status: int = 200):
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_json()


def test_each_rag_change_is_kept_and_read_back_as_it_stood(app):
    api = Api(app.test_client(), make_member(app, "doncaster", Role.ADMIN))
    review = ok(
        api.post(
            "/reviews",
            {
                "kind": "thematic",
                "title": "Thematic review of neglect",
                "pseudonym": "Thematic N",
                "decided_on": "2026-02-02",
            },
        ),
        201,
    )["id"]
    policy = app.extensions["cspr.plugins"].policy("doncaster")
    partners = [
        p["key"]
        for p in policy.partners["safeguarding_partners"]
        if p["type"] in ("local_authority", "health", "police")
    ]
    ok(api.post(f"/reviews/{review}/terms-of-reference", {"agreed_on": "2026-02-20"}))
    ok(
        api.post(
            f"/reviews/{review}/reviewer", {"commissioned_on": "2026-02-25", "reviewer_name": "A Reviewer"}
        )
    )
    ok(api.post(f"/reviews/{review}/drafts", {"received_on": "2026-05-01"}))
    ok(api.post(f"/reviews/{review}/final-report", {"agreed_on": "2026-06-03", "agreed_by": partners}))
    rec = ok(api.post(f"/reviews/{review}/recommendations", {"text": "Share records."}), 201)["id"]
    before_it = now()
    action = ok(
        api.post(
            f"/recommendations/{rec}/actions",
            {
                "description": "Audit the referrals",
                "owner_agency": "sy-police",
                "due_on": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
            },
        ),
        201,
    )
    added = now()
    ok(api.patch(f"/actions/{action['id']}", {"rag": "red"}))
    red = now()
    ok(api.patch(f"/actions/{action['id']}", {"rag": "green"}))
    assert rag_at(app, before_it) == {}  # not added yet
    assert rag_at(app, added) == {action["id"]: action["rag"]}  # as it was added, before any change
    assert rag_at(app, red) == {action["id"]: "red"}
    assert rag_at(app, now()) == {action["id"]: "green"}


def test_the_figures_count_rag_at_the_end_of_the_period_not_today(app, client):
    seed_in_app(app)  # its actions were recorded and moved on today, after the 2025 year ended
    api = Api(client, make_member(app, "doncaster", Role.VIEWER))
    ended = {
        f["key"]: f["count"] for t in ok(api.get(f"/figures?year={YEAR}"))["tables"] for f in t["figures"]
    }
    assert ended["actions.rag.complete"] == 2  # today's status
    assert sum(ended[f"actions.rag_end.{r}"] for r in ("not_set", "red", "amber", "green", "complete")) == 0
    running = {
        f["key"]: f["count"] for t in ok(api.get(f"/figures?year={YEAR + 1}"))["tables"] for f in t["figures"]
    }
    for rag in ("not_set", "red", "amber", "green", "complete"):  # the year still running ends today: the same
        assert running[f"actions.rag_end.{rag}"] == running[f"actions.rag.{rag}"], rag
    assert running["actions.rag_end.complete"] == 2 and running["actions.rag_end.red"] == 1
