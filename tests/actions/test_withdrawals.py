"""Withdrawing a mistaken action or recommendation: kept, with who, when and why; counted nowhere.

Review Alder's plan (tests/reporting/year_kit.py): "Audit the referrals" is red and overdue,
"Train the health visitors" has no RAG yet and is overdue, the other two are complete.
"""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from cspr.accounts.models import Role
from cspr.actions.models import Action, Recommendation
from cspr.audit.models import AuditEvent
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.deadlines.models import Deadline, DeadlineState
from cspr.partnerships import services as partnerships
from tests.api_kit import Api, make_member
from tests.concurrency_kit import in_parallel
from tests.reporting.year_kit import seed_in_app
from tests.web_kit import signed_in

SLUG = "doncaster"
AUDIT = "Audit the referrals"


@pytest.fixture
def seeded(app):
    seed_in_app(app, SLUG)
    return app


def _in_db(app, slug=SLUG):
    """Run ``fn(session)`` acting for the partnership."""
    def run(fn):
        with app.app_context(), get_db().session_scope() as session:
            row = partnerships.get(session, slug)
            with acting_for(session, row.id):
                return fn(session)
    return run


def action_id(app, description: str) -> int:
    return _in_db(app)(lambda s: s.scalar(select(Action.id).where(Action.description == description)))


def figures(api: Api) -> dict[str, int]:
    body = api.get("/figures?year=2025").get_json()
    return {f["key"]: f["count"] for t in body["tables"] for f in t["figures"]}


def test_an_admin_withdraws_a_mistaken_action_with_a_reason_and_it_is_kept_but_counted_nowhere(seeded, client):
    admin = signed_in(seeded, client, SLUG, Role.ADMIN)
    api = Api(client, make_member(seeded, SLUG, Role.VIEWER, email="viewer-w@doncaster.example.org"))
    aid = action_id(seeded, AUDIT)
    before = figures(api)
    assert before["actions.rag.red"] == 1 and before["actions.overdue"] == 2
    url = f"/app/{SLUG}/actions/{aid}/withdraw"
    plan_url = re.search(r'href="(/app/doncaster/reviews/\d+/plan)"',
                         admin.get(f"/app/{SLUG}/action-plans").get_data(as_text=True)).group(1)
    assert url in admin.get(plan_url).get_data(as_text=True)  # the plan offers it

    refused = admin.submit(url, {"reason": "  "})
    html = unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400
    assert "There is a problem" in html and 'href="#reason"' in html and "Enter why it is withdrawn" in html

    done = admin.submit(url, {"reason": "Added to the wrong review"}, follow=True)
    assert "The action is withdrawn" in done.get_data(as_text=True)
    page = unescape(admin.get(plan_url).get_data(as_text=True))
    row = page.split(f'id="action-{aid}"', 1)[1].split("</tr>", 1)[0]
    assert f"<del>{AUDIT}</del>" in row and "Withdrawn</strong>" in row
    assert "Withdrawn by admin doncaster on " in row and ": Added to the wrong review" in row

    # kept, not deleted; its deadline cancelled so no reminder and never overdue
    kept = _in_db(seeded)(lambda s: s.get(Action, aid).withdrawn_reason)
    assert kept == "Added to the wrong review"
    state = _in_db(seeded)(lambda s: s.scalar(select(Deadline.state).where(Deadline.action_id == aid)))
    assert state == DeadlineState.CANCELLED
    assert all(d.get("action_id") != aid for d in api.get("/deadlines?overdue=true").get_json())

    after = figures(api)
    assert after["actions.rag.red"] == 0 and after["actions.overdue"] == 1
    assert after["actions.agency.doncaster-council"] == before["actions.agency.doncaster-council"] - 1

    board = unescape(admin.get(f"/app/{SLUG}/action-plans").get_data(as_text=True))
    assert 'Review Alder <strong class="govuk-tag govuk-tag--red">1 overdue</strong>' in board
    assert "Withdrawn by admin doncaster" in board
    dashboard = admin.get(f"/app/{SLUG}/").get_data(as_text=True)
    assert AUDIT not in dashboard.split('id="overdue"', 1)[1].split("</table>", 1)[0]

    trail = unescape(admin.get(f"/app/{SLUG}/audit").get_data(as_text=True))
    assert "Action withdrawn" in trail and "action.withdrawn" not in trail

    sheet = load_workbook(io.BytesIO(admin.get(f"/app/{SLUG}/cases.xlsx").data))["Actions"]
    status = {r[2]: r[6] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert status[AUDIT].startswith("Withdrawn by admin doncaster on ")

    again = admin.submit(url, {"reason": "Twice"}, follow=True)
    assert "already withdrawn" in again.get_data(as_text=True)


def test_withdrawing_a_recommendation_withdraws_its_actions_and_no_action_can_be_added_to_it(seeded, client):
    admin = signed_in(seeded, client, SLUG, Role.ADMIN)
    rec_id = _in_db(seeded)(lambda s: s.scalar(select(Recommendation.id)))
    done = admin.submit(f"/app/{SLUG}/recommendations/{rec_id}/withdraw",
                        {"reason": "The final report was replaced"}, follow=True)
    assert "The recommendation and its actions are withdrawn" in done.get_data(as_text=True)
    withdrawn = _in_db(seeded)(lambda s: s.scalar(
        select(func.count()).select_from(Action).where(Action.withdrawn_at.is_not(None))))
    assert withdrawn == 4
    api = Api(client, make_member(seeded, SLUG, Role.VIEWER, email="viewer-r@doncaster.example.org"))
    counts = figures(api)
    assert [counts[k] for k in counts if k.startswith("actions.rag.")] == [0, 0, 0, 0, 0]
    events = _in_db(seeded)(lambda s: s.scalars(select(AuditEvent.action).where(
        AuditEvent.action.like("%.withdrawn"))).all())
    assert sorted(events) == ["action.withdrawn"] * 4 + ["recommendation.withdrawn"]
    refused = admin.submit(f"/app/{SLUG}/recommendations/{rec_id}/actions/new", {
        "description": "One more", "owner_agency": "sy-police", "due_on": ["1", "1", "2030"]}, follow=True)
    assert "This recommendation was withdrawn" in refused.get_data(as_text=True)


def test_the_api_withdraws_with_a_reason_for_editors_only_and_within_the_partnership(seeded, client):
    admin = Api(client, make_member(seeded, SLUG, Role.ADMIN))
    viewer = Api(client, make_member(seeded, SLUG, Role.VIEWER))
    other = Api(client, make_member(seeded, "york", Role.ADMIN))
    aid = action_id(seeded, AUDIT)
    empty = admin.post(f"/actions/{aid}/withdrawal", {"reason": ""})
    assert empty.status_code == 422
    assert empty.get_json()["errors"]["json"]["reason"] == ["Enter why it is withdrawn"]
    assert viewer.post(f"/actions/{aid}/withdrawal", {"reason": "Mine"}).status_code == 403
    assert other.post(f"/actions/{aid}/withdrawal", {"reason": "Not theirs"}, slug="york").status_code == 404
    done = admin.post(f"/actions/{aid}/withdrawal", {"reason": "A duplicate"})
    assert done.status_code == 200
    body = done.get_json()
    assert body["withdrawn_reason"] == "A duplicate" and body["withdrawn_by"] and body["withdrawn_at"]
    assert admin.patch(f"/actions/{aid}", {"rag": "green"}).status_code == 409  # no longer moved on
    assert admin.post(f"/actions/{aid}/withdrawal", {"reason": "Again"}).status_code == 409


@pytest.mark.commits  # the parallel requests each commit on a connection of their own
def test_two_people_withdrawing_at_once_make_one_withdrawal(seeded):
    """On PostgreSQL, parallel requests: one conditional UPDATE wins; the others are told it is done."""
    member = make_member(seeded, SLUG, Role.ADMIN)
    aid = action_id(seeded, AUDIT)
    codes: list[int] = []

    def withdraw() -> None:
        api = Api(seeded.test_client(), member)
        codes.append(api.post(f"/actions/{aid}/withdrawal", {"reason": "At the same time"}).status_code)

    assert in_parallel(withdraw, threads=6) == []
    assert sorted(codes) == [200] + [409] * 5
    events = _in_db(seeded)(lambda s: s.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "action.withdrawn")))
    assert events == 1


def test_the_sweep_reminds_of_no_withdrawn_action(seeded, client):
    """The clock's sweep writes reminders for an overdue action still standing, none for a withdrawn one."""
    import datetime as dt

    from cspr.deadlines.models import Reminder
    from cspr.deadlines.tasks import run_sweep

    admin = Api(client, make_member(seeded, SLUG, Role.ADMIN))
    withdrawn, standing = action_id(seeded, AUDIT), action_id(seeded, "Train the health visitors")
    assert admin.post(f"/actions/{withdrawn}/withdrawal", {"reason": "A duplicate"}).status_code == 200
    with seeded.app_context(), get_db().sessionmaker() as session:
        run_sweep(session, dt.date(2026, 7, 6))  # both are past their due dates by then

    def reminded(aid: int) -> int:
        return _in_db(seeded)(lambda s: s.scalar(
            select(func.count()).select_from(Reminder).join(Deadline, Deadline.id == Reminder.deadline_id)
            .where(Deadline.action_id == aid)))

    assert reminded(standing) > 0 and reminded(withdrawn) == 0


def test_withdrawing_an_action_takes_back_its_reminder_still_waiting_to_be_sent(seeded, client):
    """A reminder queued by the sweep but not yet sent is not sent once its action is withdrawn."""
    import datetime as dt

    from cspr.deadlines.models import Reminder
    from cspr.deadlines.tasks import run_sweep
    from cspr.messaging.models import OutboxMessage

    admin = Api(client, make_member(seeded, SLUG, Role.ADMIN))
    withdrawn, standing = action_id(seeded, AUDIT), action_id(seeded, "Train the health visitors")
    with seeded.app_context(), get_db().sessionmaker() as session:
        run_sweep(session, dt.date(2026, 7, 6))  # both overdue: their reminders wait in the outbox

    def waiting(aid: int) -> int:
        return _in_db(seeded)(lambda s: s.scalar(
            select(func.count()).select_from(OutboxMessage)
            .join(Reminder, Reminder.id == OutboxMessage.reminder_id)
            .join(Deadline, Deadline.id == Reminder.deadline_id)
            .where(Deadline.action_id == aid, OutboxMessage.status == "pending")))

    assert waiting(withdrawn) > 0 and waiting(standing) > 0
    assert admin.post(f"/actions/{withdrawn}/withdrawal", {"reason": "A duplicate"}).status_code == 200
    assert waiting(withdrawn) == 0
    assert waiting(standing) > 0  # the other action's reminder still goes
