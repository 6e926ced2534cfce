"""One rapid review, two reviews: each review's deadlines count from, and are met by, its own facts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid

import pytest
from sqlalchemy import select

from cspr.accounts.models import Role
from cspr.audit.models import AuditEvent
from cspr.cases import incidents, notifications, rapid_reviews
from cspr.cases.models import PanelResponse, RapidReviewDecision
from cspr.deadlines.models import Deadline, DeadlineState
from cspr.plugins import PluginRegistry
from cspr.reviews import services as reviews
from cspr.reviews.models import Review, ReviewKind
from tests.api_kit import Api, make_member
from tests.cases.test_lifecycle import make_ctx
from tests.conftest import REDIS_URL, truncate_all
from tests.plugin_kit import plugin_with
from tests.web_kit import signed_in

D = dt.date
TODAY = D(2026, 11, 23)


def cspr_deadline_rules(statutory):
    """Two targets for each review, and one for the case that a review's decision meets."""
    statutory["terms_agreed"] = {
        "label": "Agree the terms of reference", "anchor": "decision", "period": 20,
        "unit": "working_days", "direction": "within", "statutory": False, "met_by": "terms_of_reference"}
    statutory["reviewer_found"] = {
        "label": "Commission the reviewer", "anchor": "decision", "period": 30,
        "unit": "working_days", "direction": "within", "statutory": False,
        "met_by": "reviewer_commissioned"}
    statutory["review_decided"] = {
        "label": "Decide on a review", "anchor": "aware", "period": 20,
        "unit": "working_days", "direction": "within", "statutory": False, "met_by": "decision"}
    return statutory


def riverside():
    return plugin_with(cspr_deadline_rules=cspr_deadline_rules)


@pytest.fixture
def ctx(session):
    policy = PluginRegistry(extra=[("riverside", riverside())]).load().policy("riverside")
    return make_ctx(session, policy)


def two_reviews(ctx):
    """A local CSPR decided on 20 March 2026, then the Panel's national review on 10 April."""
    incident = incidents.record(ctx, pseudonym="Child K", la_case_reference="LA-77", la_area="Riverside",
                                age_band="1_4", harm="serious_harm", incident_on=D(2026, 3, 2),
                                aware_on=D(2026, 3, 3))
    notifications.record(ctx, incident, sent_on=D(2026, 3, 5))
    rapid_reviews.decide(ctx, incident, decision=RapidReviewDecision.LOCAL_CSPR,
                         sent_to_panel_on=D(2026, 3, 20))
    rapid_reviews.record_panel_response(ctx, incident, response=PanelResponse.NATIONAL_REVIEW,
                                        received_on=D(2026, 4, 10))
    local, national = ctx.session.scalars(select(Review).order_by(Review.id)).all()
    assert (local.kind, national.kind) == (ReviewKind.LOCAL_CSPR, ReviewKind.NATIONAL)
    return incident, local, national


def of(ctx, record):
    """The deadlines of one incident or review, by kind."""
    column = Deadline.review_id if isinstance(record, Review) else Deadline.incident_id
    return {d.kind: d for d in ctx.session.scalars(select(Deadline).where(column == record.id))}


def snapshot(rows):
    return {kind: (d.due_on, d.state, d.met_on) for kind, d in rows.items()}


def test_two_reviews_from_one_rapid_review_each_count_from_their_own_decision(ctx):
    incident, local, national = two_reviews(ctx)
    mine, theirs = of(ctx, local), of(ctx, national)
    assert mine["terms_agreed"].due_on == D(2026, 4, 21)  # 20 working days from 20 March (Easter skipped)
    assert theirs["terms_agreed"].due_on == D(2026, 5, 11)  # from 10 April (the early May bank holiday)
    assert mine["reviewer_found"].due_on == D(2026, 5, 6)
    assert theirs["reviewer_found"].due_on == D(2026, 5, 26)
    assert mine["publication"].due_on == D(2026, 9, 20)  # the statutory 6 months: a local CSPR's only
    assert "publication" not in theirs
    assert {d.state for d in [*mine.values(), *theirs.values()]} == {DeadlineState.OPEN}
    case = of(ctx, incident)
    assert (case["rapid_review"].state, case["rapid_review"].met_on) == (DeadlineState.MET, D(2026, 3, 20))
    assert (case["review_decided"].state, case["review_decided"].met_on) == (DeadlineState.MET, D(2026, 3, 20))


def test_meeting_a_deadline_on_one_review_leaves_the_others_open(ctx):
    incident, local, national = two_reviews(ctx)
    case_before = snapshot(of(ctx, incident))
    assert of(ctx, national)["terms_agreed"].state == of(ctx, local)["terms_agreed"].state == DeadlineState.OPEN
    reviews.agree_terms(ctx, national, agreed_on=D(2026, 4, 20))
    assert of(ctx, national)["terms_agreed"].state == DeadlineState.MET
    assert of(ctx, local)["terms_agreed"].state == DeadlineState.OPEN
    # the case's own deadlines are not the national review's to meet: the first decision met them
    assert snapshot(of(ctx, incident)) == case_before
    reviews.agree_terms(ctx, local, agreed_on=D(2026, 4, 22))  # a day late
    mine, theirs = of(ctx, local), of(ctx, national)
    assert (mine["terms_agreed"].state, mine["terms_agreed"].met_on) == (DeadlineState.MET, D(2026, 4, 22))
    assert theirs["terms_agreed"].met_on == D(2026, 4, 20)
    assert mine["reviewer_found"].state == theirs["reviewer_found"].state == DeadlineState.OPEN
    reviews.commission_reviewer(ctx, local, commissioned_on=D(2026, 4, 30), reviewer_name="A Reviewer")
    assert of(ctx, local)["reviewer_found"].state == DeadlineState.MET
    assert of(ctx, national)["reviewer_found"].state == DeadlineState.OPEN
    # the case's own deadlines (the rapid review's, and the one the first decision met) stay as they were
    assert snapshot(of(ctx, incident)) == case_before


def recomputed(ctx):
    rows = ctx.session.scalars(select(AuditEvent).where(AuditEvent.action == "deadline.recomputed")).all()
    return {(e.object_id, e.detail["kind"]) for e in rows}


def test_correcting_one_reviews_fact_recomputes_only_its_deadlines(ctx):
    incident, local, national = two_reviews(ctx)
    theirs_before, case_before = snapshot(of(ctx, national)), snapshot(of(ctx, incident))
    assert set(theirs_before) == {"terms_agreed", "reviewer_found"}
    reviews.correct_decision_date(ctx, local, decided_on=D(2026, 3, 23), reason="Minutes say Monday")
    mine = of(ctx, local)
    assert mine["terms_agreed"].due_on == D(2026, 4, 22)
    assert mine["publication"].due_on == D(2026, 9, 23)
    assert snapshot(of(ctx, national)) == theirs_before
    assert recomputed(ctx) == {(str(mine[k].id), k) for k in ("terms_agreed", "reviewer_found", "publication")}
    # the case's target met by the first decision moves with it; the rapid review's does not
    case = of(ctx, incident)
    assert case["review_decided"].met_on == D(2026, 3, 23)
    assert snapshot(case)["rapid_review"] == case_before["rapid_review"]


def test_correcting_the_incident_recomputes_its_own_deadlines_not_the_reviews(ctx):
    incident, local, national = two_reviews(ctx)
    before = {r.id: snapshot(of(ctx, r)) for r in (local, national)}
    assert set(before[national.id]) == {"terms_agreed", "reviewer_found"}
    incidents.correct(ctx, incident, {"aware_on": D(2026, 3, 4)}, reason="The referral was a day later")
    case = of(ctx, incident)
    assert case["notify_panel"].due_on == D(2026, 3, 11)
    assert case["review_decided"].due_on == D(2026, 4, 1)  # 20 working days from 4 March
    assert {r.id: snapshot(of(ctx, r)) for r in (local, national)} == before


def test_one_review_per_incident_keeps_its_deadlines_as_before(ctx):
    incident = incidents.record(ctx, pseudonym="Child L", la_case_reference="LA-78", la_area="Riverside",
                                age_band="1_4", harm="serious_harm", incident_on=D(2026, 3, 2),
                                aware_on=D(2026, 3, 3))
    notifications.record(ctx, incident, sent_on=D(2026, 3, 5))
    rapid_reviews.decide(ctx, incident, decision=RapidReviewDecision.LOCAL_CSPR,
                         sent_to_panel_on=D(2026, 3, 20))
    (review,) = ctx.session.scalars(select(Review)).all()
    rows = of(ctx, review)
    assert {k: d.subject for k, d in rows.items()} == {
        k: f"review:{review.id}" for k in ("terms_agreed", "reviewer_found", "publication")}
    assert set(of(ctx, incident)) == {"notify_panel", "rapid_review", "review_decided"}
    reviews.agree_terms(ctx, review, agreed_on=D(2026, 4, 22))
    assert of(ctx, review)["terms_agreed"].met_on == D(2026, 4, 22)


# -- the API and the staff case page list each review's deadlines under it ---------------------

@pytest.fixture
def app(pg_url, app_pg_url, tmp_path, smtp_server):
    """The app on PostgreSQL with the bundled partnerships and 'riverside' (its per-review targets)."""
    from cspr import create_app

    application = create_app({
        "DATABASE_URL": app_pg_url, "MIGRATION_DATABASE_URL": pg_url, "BROKER_URL": REDIS_URL,
        "INSTANCE_PATH": str(tmp_path / "instance"), "TESTING": True, "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_server[1], "SERVER_NAME": "cspr.test", "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": f"cspr-test-{uuid.uuid4().hex[:10]}",
        "EXTRA_PLUGINS": [("riverside", riverside())],
    })
    try:
        yield application
    finally:
        application.extensions["cspr.db"].engine.dispose()
        truncate_all(pg_url)


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def api_case(api):
    incident = ok(api.post("/incidents", {
        "pseudonym": "Child K", "la_case_reference": "LA-77", "la_area": "Riverside", "age_band": "1_4",
        "harm": "serious_harm", "incident_on": "2026-03-02", "aware_on": "2026-03-03"}), 201)
    iid = incident["id"]
    ok(api.post(f"/incidents/{iid}/notification", {"sent_on": "2026-03-05"}), 201)
    ok(api.post(f"/incidents/{iid}/rapid-review/decision",
                {"decision": "local_cspr", "sent_to_panel_on": "2026-03-20"}))
    incident = ok(api.post(f"/incidents/{iid}/rapid-review/panel-response",
                           {"response": "national_review", "received_on": "2026-04-10"}))
    local, national = incident["review_ids"]
    ok(api.post(f"/reviews/{national}/terms-of-reference", {"agreed_on": "2026-04-20"}))
    return iid, local, national


def by_kind(deadlines):
    return {d["kind"]: d for d in deadlines}


def test_the_api_lists_each_reviews_deadlines_under_that_review(app, client):
    api = Api(client, make_member(app, "riverside", Role.ADMIN))
    iid, local, national = api_case(api)
    incident = ok(api.get(f"/incidents/{iid}"))
    assert set(by_kind(incident["deadlines"])) == {"notify_panel", "rapid_review", "review_decided"}
    listed = {r["id"]: r for r in incident["reviews"]}
    assert [r["kind"] for r in incident["reviews"]] == ["local_cspr", "national"]
    mine, theirs = by_kind(listed[local]["deadlines"]), by_kind(listed[national]["deadlines"])
    assert set(mine) == {"terms_agreed", "reviewer_found", "publication"}
    assert set(theirs) == {"terms_agreed", "reviewer_found"}
    assert (mine["terms_agreed"]["due_on"], mine["terms_agreed"]["status"]) == ("2026-04-21", "overdue")
    assert (theirs["terms_agreed"]["due_on"], theirs["terms_agreed"]["status"]) == ("2026-05-11", "met")
    assert {d["review_id"] for d in [*mine.values(), *theirs.values()]} == {local, national}
    assert all(d["review_id"] == local for d in mine.values())
    assert (theirs["terms_agreed"]["counts_from"], theirs["terms_agreed"]["met_by"]) == (
        "decision", "terms_of_reference")
    # the deadline list says whose each one is
    terms = ok(api.get("/deadlines?kind=terms_agreed"))
    assert sorted((d["review_id"], d["state"]) for d in terms) == [(local, "open"), (national, "met")]
    assert by_kind(ok(api.get(f"/reviews/{national}"))["deadlines"])["terms_agreed"]["status"] == "met"
    # the tracker's one row for the case counts both reviews' open deadlines: the local review's
    # terms, reviewer and publication, and the national review's reviewer
    (row,) = csv.DictReader(io.StringIO(api.get("/tracker.csv").get_data(as_text=True)))
    assert (row["Open deadlines"], row["Overdue deadlines"]) == ("4", "4")


def test_the_staff_case_page_shows_each_reviews_deadlines_under_it(app, client):
    iid, local, national = api_case(Api(client, make_member(app, "riverside", Role.ADMIN,
                                                            "api@riverside.example.org")))
    browser = signed_in(app, client, "riverside", Role.ADMIN)
    html = browser.get(f"/app/riverside/incidents/{iid}").get_data(as_text=True)

    def table(review_id):
        found = re.search(rf'<table class="govuk-table" id="review-{review_id}-deadlines">(.*?)</table>',
                          html, re.S)
        assert found, f"no deadlines table for review {review_id}"
        rows = re.findall(r'<tr class="govuk-table__row">\s*<td class="govuk-table__cell">(.*?)</td>\s*'
                          r'<td class="govuk-table__cell">(.*?)</td>\s*<td class="govuk-table__cell">(.*?)</td>'
                          r'.*?<strong class="govuk-tag[^"]*">(.*?)</strong>', found.group(1), re.S)
        return found.group(1), {re.sub(r"\s*<span.*", "", r[0]): r[1:] for r in rows}

    mine_html, mine = table(local)
    theirs_html, theirs = table(national)
    assert "Deadlines of the review: Child K" in mine_html
    assert "Deadlines of the review: National review: Child K" in theirs_html
    assert mine["Agree the terms of reference"][:2] == ("Date of the decision to hold the review", "21 April 2026")
    assert mine["Agree the terms of reference"][2].startswith("Overdue by")
    assert theirs["Agree the terms of reference"] == (
        "Date of the decision to hold the review", "11 May 2026", "Met")
    assert "Publish the local child safeguarding practice review" in mine
    assert "Publish the local child safeguarding practice review" not in theirs
