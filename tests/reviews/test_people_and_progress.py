"""Practitioners and family in a review (learning events, family involvement) and its one-page progress."""

from __future__ import annotations

import io

import pytest
from docx import Document
from sqlalchemy import select

from cspr.audit.models import AuditEvent
from cspr.reviews import involvement, progress
from cspr.reviews import services as reviews
from cspr.reviews.models import ReviewKind
from cspr.services.errors import InputError, NotFound
from tests.cases.test_lifecycle import D, make_ctx


@pytest.fixture
def ctx(session, registry):
    return make_ctx(session, registry.policy("doncaster"))


@pytest.fixture
def review(ctx):
    return reviews.start(ctx, kind=ReviewKind.LOCAL_CSPR, title="Neglect in teenagers", decided_on=D(2026, 4, 1))


def test_a_learning_event_counts_practitioners_by_agency(ctx, review):
    keys = [a["key"] for a in ctx.policy.agencies]
    event = involvement.add_learning_event(ctx, review, held_on=D(2026, 5, 12), agencies=[keys[1], keys[0]],
                                           attended=14)
    assert (event.agencies, event.attended) == ([keys[0], keys[1]], 14)
    assert ctx.session.scalar(select(AuditEvent.action).where(
        AuditEvent.action == "review.learning_event_recorded")) is not None


def test_a_learning_event_is_refused_with_what_is_wrong(ctx, review):
    with pytest.raises(InputError) as error:
        involvement.add_learning_event(ctx, review, held_on=D(2026, 3, 1), agencies=["nobody"], attended=0)
    assert set(error.value.errors) == {"held_on", "agencies", "attended"}
    assert "on or after the decision to hold the review (1 April 2026)" in error.value.errors["held_on"]


def test_family_involvement_offered_then_accepted_or_declined_with_when(ctx, review):
    row = involvement.offer_family(ctx, review, member="Mother", offered_on=D(2026, 4, 20))
    assert row.response.value == "awaiting"
    with pytest.raises(InputError) as error:
        involvement.record_family_answer(ctx, review, row.id, response="accepted", responded_on=None)
    assert error.value.errors == {"responded_on": "Enter the date they answered"}
    with pytest.raises(InputError):
        involvement.record_family_answer(ctx, review, row.id, response="declined", responded_on=D(2026, 4, 1))
    involvement.record_family_answer(ctx, review, row.id, response="declined", responded_on=D(2026, 4, 28))
    assert (row.response.value, row.responded_on) == ("declined", D(2026, 4, 28))
    other = reviews.start(ctx, kind=ReviewKind.THEMATIC, title="Other", decided_on=D(2026, 4, 1))
    with pytest.raises(NotFound):
        involvement.record_family_answer(ctx, other, row.id, response="accepted", responded_on=D(2026, 5, 1))


def test_the_progress_summary_shows_stages_people_slippage_and_what_is_to_follow(ctx, review):
    reviews.agree_terms(ctx, review, agreed_on=D(2026, 4, 10))
    reviews.commission_reviewer(ctx, review, commissioned_on=D(2026, 4, 15), reviewer_name="A Reviewer")
    reviews.receive_draft(ctx, review, received_on=D(2026, 6, 1))
    involvement.add_learning_event(ctx, review, held_on=D(2026, 5, 12), agencies=[ctx.policy.agencies[0]["key"]],
                                   attended=14)
    involvement.offer_family(ctx, review, member="Mother", offered_on=D(2026, 4, 20), response="accepted",
                             responded_on=D(2026, 4, 22))
    involvement.offer_family(ctx, review, member="Father", offered_on=D(2026, 4, 20))
    summary = progress.progress(ctx, review)
    stages = dict(summary.stages)
    assert stages["Terms of reference agreed"] == "10 April 2026"
    assert stages["First draft received"] == "1 June 2026"
    assert stages["Published"] == "Not yet"
    lines = dict(summary.lines)
    assert lines["Learning events"].startswith("1 held, 14 practitioners attended")
    assert lines["Family involvement"] == "2 offered: 1 accepted, 0 declined, 1 not answered yet"
    assert lines["Drafts"] == "1 received, the latest on 1 June 2026"
    assert lines["Agency returns"] == "No information requests sent yet"
    assert lines["Parallel proceedings"] == "None recorded"
    assert summary.slippage  # the review's deadlines, each with where it stands
    document = Document(io.BytesIO(progress.progress_docx(summary)))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "2 offered: 1 accepted, 0 declined, 1 not answered yet" in cells


def test_the_progress_summary_names_each_proceeding_with_its_status(ctx, review):
    from cspr.proceedings import services as proceedings
    from cspr.proceedings.models import ProceedingKind, ProceedingStatus

    proceedings.record(ctx, review=review, kind=ProceedingKind.CRIMINAL_TRIAL, status=ProceedingStatus.PENDING,
                       restricts_publication=True)
    proceedings.record(ctx, review=review, kind=ProceedingKind.INQUEST, status=ProceedingStatus.CONCLUDED)
    lines = dict(progress.progress(ctx, review).lines)
    assert lines["Parallel proceedings"] == ("The criminal trial: pending (publication waits for it); "
                                             "The inquest: concluded")


def test_learning_events_and_family_through_the_pages_and_the_api(app, client):
    from cspr.accounts.models import Role
    from tests.api_kit import Api, make_member
    from tests.web_kit import date, signed_in

    admin = signed_in(app, client, "doncaster", Role.ADMIN)
    api = Api(app.test_client(), make_member(app, "doncaster", Role.PARTNER))
    agency = app.extensions["cspr.plugins"].policy("doncaster").agencies[0]
    admin_api = Api(app.test_client(), admin.member)
    rid = admin_api.post("/reviews", {"kind": "thematic", "title": "Neglect", "decided_on": "2026-04-01"}
                         ).get_json()["id"]
    response = admin.submit(f"/app/doncaster/reviews/{rid}/learning-event", {
        "held_on": date("2026-05-12"), "agencies": [agency["key"]], "attended": "14"})
    assert response.status_code == 302, response.get_data(as_text=True)
    refused = admin.submit(f"/app/doncaster/reviews/{rid}/learning-event", {
        "held_on": date("2026-05-12"), "agencies": [agency["key"]], "attended": "fourteen"})
    assert refused.status_code == 400
    assert "How many attended must be a whole number" in refused.get_data(as_text=True)
    offered = admin.submit(f"/app/doncaster/reviews/{rid}/family", {
        "member": "Grandmother", "offered_on": date("2026-04-20"), "response": "awaiting"})
    assert offered.status_code == 302, offered.get_data(as_text=True)
    people = api.get(f"/reviews/{rid}/people").get_json()
    assert people["learning_events"][0]["attended"] == 14
    fid = people["family"][0]["id"]
    assert api.patch(f"/reviews/{rid}/family/{fid}", {"response": "accepted",
                                                       "responded_on": "2026-04-24"}).status_code == 403
    answered = admin.submit(f"/app/doncaster/reviews/{rid}/family/{fid}", {
        "response": "accepted", "responded_on": date("2026-04-24")})
    assert answered.status_code == 302, answered.get_data(as_text=True)
    html = admin.get(f"/app/doncaster/reviews/{rid}").get_data(as_text=True)
    assert "Grandmother" in html and "Accepted, 24 April 2026" in html
    page = admin.get(f"/app/doncaster/reviews/{rid}/progress").get_data(as_text=True)
    assert "1 offered: 1 accepted, 0 declined, 0 not answered yet" in page
    docx = admin.get(f"/app/doncaster/reviews/{rid}/progress.docx")
    assert docx.status_code == 200 and docx.get_data()[:2] == b"PK"
    assert api.get(f"/reviews/{rid}/progress").get_json()["lines"][3]["name"] == "Learning events"
    bad = admin_api.post(f"/reviews/{rid}/learning-events", {"held_on": "2026-05-12",
                                                            "agencies": [agency["key"]], "attended": "14"})
    assert bad.status_code == 422  # the API takes a number as a number
