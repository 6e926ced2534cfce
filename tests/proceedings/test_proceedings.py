"""Parallel proceedings: publishing refused while one restricts it (naming it, the delay kept for the
figures), allowed once it concluded; a reminder by e-mail, once, when an expected date passes unupdated."""

from __future__ import annotations

import datetime as dt
from email.header import decode_header, make_header

import pytest
from markupsafe import escape
from sqlalchemy import select

from cspr.accounts.models import Role
from cspr.audit.models import AuditEvent
from cspr.db import get_db
from cspr.db.tenancy import across_partnerships, acting_for
from cspr.deadlines.models import Deadline, Reminder
from cspr.deadlines.tasks import run_sweep
from cspr.messaging import relay as outbox_service
from cspr.partnerships import services as partnerships
from tests.api_kit import Api, make_member
from tests.web_kit import date, signed_in

SLUG = "doncaster"
TRIAL = {"kind": "criminal_trial", "description": "Crown Court trial", "status": "pending",
         "restricts_publication": True}
REFUSAL = "Nothing was published: the criminal trial (Crown Court trial), which is pending, restricts publication."
PUBLISH = {"published_on": "2026-09-01", "publication_form": "summary",
           "publication_note": "The family asked for a summary.", "summary": "What was learnt.",
           "signed_off_by": "doncaster-council", "identifying_terms": "Jamie Smith"}


@pytest.fixture
def api(app, client):
    return Api(client, make_member(app, SLUG, Role.ADMIN, "admin@doncaster.example.org"))


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:800])
    return response.get_json()


def ready_review(api: Api) -> int:
    """A local CSPR whose final report went to the Panel: all it waits for is publishing."""
    rid = ok(api.post("/reviews", {"kind": "local_cspr", "title": "Child P", "decided_on": "2026-03-02"}), 201)["id"]
    ok(api.post(f"/reviews/{rid}/terms-of-reference", {"agreed_on": "2026-03-20"}))
    ok(api.post(f"/reviews/{rid}/reviewer", {"commissioned_on": "2026-03-25", "reviewer_name": "A Reviewer"}))
    ok(api.post(f"/reviews/{rid}/drafts", {"received_on": "2026-06-01"}))
    partners = [p["key"] for p in api.client.application.extensions["cspr.plugins"]
                .policy(SLUG).partners["safeguarding_partners"]]
    ok(api.post(f"/reviews/{rid}/final-report", {"agreed_on": "2026-08-03", "agreed_by": partners}))
    ok(api.post(f"/reviews/{rid}/planned-publication", {"planned_on": "2026-09-01"}))
    ok(api.post(f"/reviews/{rid}/report-sent", {"sent_on": "2026-08-20"}))
    return rid


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context(), get_db().session_scope() as session:
        with acting_for(session, partnerships.get(session, SLUG).id):
            return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                        .order_by(AuditEvent.seq)))


def test_publishing_is_refused_while_a_trial_is_pending_and_allowed_once_it_concluded(app, api):
    rid = ready_review(api)
    trial = ok(api.post(f"/reviews/{rid}/proceedings", TRIAL), 201)
    assert trial["restricts_publication"] is True and trial["status"] == "pending"

    refused = api.post(f"/reviews/{rid}/publication", PUBLISH)
    assert refused.status_code == 409
    assert refused.get_json()["message"].startswith(REFUSAL)
    review = ok(api.get(f"/reviews/{rid}"))
    assert review["published_on"] is None and review["stage"] != "published"
    # the delay's reason is kept for the figures, with the refusal in the audit trail
    assert review["publication_delay_reason"] == "parallel_proceedings"
    assert "the criminal trial (Crown Court trial), which is pending" in review["publication_delay_detail"]
    (refusal,) = events(app, "publication.refused")
    assert refusal.detail["proceedings"] == [trial["id"]]
    assert not events(app, "review.published")

    ok(api.post(f"/proceedings/{trial['id']}/update", {"status": "concluded", "note": "Sentenced."}))
    published = ok(api.post(f"/reviews/{rid}/publication", PUBLISH))
    assert published["published_on"] == "2026-09-01"
    assert published["publication_delay_reason"] == "parallel_proceedings"  # still counted
    assert [e.detail["status"] for e in events(app, "proceeding.updated")] == ["concluded"]


def test_a_proceeding_of_the_case_that_does_not_restrict_publication_lets_it_through(app, api):
    rid = ready_review(api)
    ok(api.post(f"/reviews/{rid}/proceedings", {"kind": "inquest", "status": "open"}), 201)
    assert ok(api.post(f"/reviews/{rid}/publication", PUBLISH))["published_on"] == "2026-09-01"


def test_the_staff_app_refuses_with_the_proceeding_named_and_shows_it_restricts(app, client, api):
    rid = ready_review(api)
    admin = signed_in(app, app.test_client(), SLUG, Role.ADMIN, email="staff-admin@doncaster.example.org")
    form = {"kind": "criminal_trial", "description": "Crown Court trial", "status": "pending",
            "restricts_publication": "y"}
    recorded = admin.submit(f"/app/{SLUG}/reviews/{rid}/proceedings/new", form)
    assert recorded.status_code == 302, recorded.get_data(as_text=True)[:2000]
    page = admin.get(f"/app/{SLUG}/reviews/{rid}").get_data(as_text=True)
    assert "Parallel proceedings" in page
    assert "Criminal trial (Crown Court trial) restricts publication while it is pending." in page

    done = admin.submit(f"/app/{SLUG}/reviews/{rid}/publish", {
        "published_on": date("2026-09-01"),
        "publication_form": "summary", "publication_note": "A summary.", "summary": "What was learnt.",
        "signed_off_by": "doncaster-council", "identifying_terms": "Jamie Smith"}, follow=True)
    html = done.get_data(as_text=True)
    assert str(escape(REFUSAL)) in html
    assert ok(api.get(f"/reviews/{rid}"))["published_on"] is None
    assert ok(api.get(f"/reviews/{rid}"))["publication_delay_reason"] == "parallel_proceedings"


def test_an_expected_date_of_other_proceedings_needs_words_and_a_real_date(app, api):
    rid = ready_review(api)
    refused = api.post(f"/reviews/{rid}/proceedings", {"kind": "other", "status": "open"})
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["json"] == {"description": "Enter what the proceedings are"}
    pid = ok(api.post(f"/reviews/{rid}/proceedings", {"kind": "police_investigation", "status": "open"}), 201)["id"]
    bad = api.post(f"/proceedings/{pid}/dates", {"event": "Charging decision", "expected_on": "2099-01-01"})
    assert bad.status_code == 422 and "expected_on" in bad.get_json()["errors"]["json"]


def sweep(app, today) -> int:
    """Run the sweep on ``today``: how many reminders about proceedings' dates exist after it."""
    with app.app_context(), get_db().sessionmaker() as session:
        run_sweep(session, today)
    return len(reminded(app))


def reminded(app) -> list[tuple]:
    with app.app_context(), get_db().sessionmaker() as session:
        with across_partnerships(session, "test"):
            return list(session.execute(select(Deadline.due_on, Reminder.stage, Reminder.superseded)
                                        .join(Reminder, Reminder.deadline_id == Deadline.id)
                                        .where(Deadline.kind == "proceeding_date")).all())


def relay(app):
    from cspr.messaging.tasks import channel_for

    with app.app_context(), get_db().sessionmaker() as session:
        return outbox_service.relay(session, channel_for, app.config)


def test_a_reminder_comes_once_by_email_when_an_expected_date_passes_without_an_update(app, api, mailbox):
    make_member(app, SLUG, Role.PARTNER, "partner@doncaster.example.org")  # not an admin: not told
    rid = ready_review(api)
    pid = ok(api.post(f"/reviews/{rid}/proceedings", TRIAL), 201)["id"]
    charged = ok(api.post(f"/proceedings/{pid}/dates", {"event": "Trial", "expected_on": "2026-11-16"}), 201)
    assert [d["state"] for d in charged["dates"]] == ["expected"]

    assert sweep(app, dt.date(2026, 11, 16)) == 0  # the day itself: not passed yet
    assert sweep(app, dt.date(2026, 11, 17)) == 1  # the working day after
    assert sweep(app, dt.date(2026, 11, 18)) == 1  # once: no second one
    assert sweep(app, dt.date(2026, 11, 30)) == 1
    assert [tuple(r) for r in reminded(app)] == [(dt.date(2026, 11, 16), "passed", False)]
    relay(app)
    mails = [m for m in mailbox.wait_for(3) if m["Subject"].startswith("Expected date passed")]
    (mail,) = mails
    assert mail["To"] == "admin@doncaster.example.org"
    assert str(make_header(decode_header(mail["Subject"]))) == (
        "Expected date passed: Criminal trial: Trial expected – Child P")
    body = mail.get_payload(decode=True).decode()
    assert "It was expected on 16 November 2026 and no update has been recorded since." in body
    assert f"/app/{SLUG}/proceedings/{pid}" in body
    assert relay(app).claimed == 0
    assert len([m for m in mailbox.messages if m["Subject"].startswith("Expected date passed")]) == 1


def test_an_update_or_a_moved_date_settles_it_and_no_reminder_comes(app, api, mailbox):
    rid = ready_review(api)
    pid = ok(api.post(f"/reviews/{rid}/proceedings", TRIAL), 201)["id"]
    ok(api.post(f"/proceedings/{pid}/dates", {"event": "Trial", "expected_on": "2026-11-16"}), 201)
    ok(api.post(f"/proceedings/{pid}/update", {"status": "pending", "restricts_publication": True,
                                               "note": "The trial started and is adjourned."}))
    moved = ok(api.post(f"/proceedings/{pid}/dates", {"event": "Verdict", "expected_on": "2027-01-11"}), 201)
    verdict = [d for d in moved["dates"] if d["event"] == "Verdict"][0]
    later = ok(api.post(f"/proceedings/{pid}/dates/{verdict['id']}/move", {"expected_on": "2027-02-15"}))
    assert [(d["event"], d["state"]) for d in later["dates"]] == [
        ("Trial", "updated"), ("Verdict", "cancelled"), ("Verdict", "expected")]
    assert sweep(app, dt.date(2026, 11, 17)) == 0  # updated (today) since: nothing to chase
    assert sweep(app, dt.date(2027, 1, 12)) == 0  # the verdict moved
    assert sweep(app, dt.date(2027, 2, 16)) == 1  # the new date passed without an update
    assert [tuple(r) for r in reminded(app)] == [(dt.date(2027, 2, 15), "passed", False)]
