"""A planned publication past the 6-month target needs the reason for the delay, from the list.

Refused without one (forms and API); accepted with one, audited, shown on the review page and in
the tracker (page, CSV and XLSX), where the figures can count it.
"""

from __future__ import annotations

import csv
import io

import pytest
from markupsafe import escape
from openpyxl import load_workbook
from sqlalchemy import select

from cspr.accounts.models import Role
from cspr.audit.models import AuditEvent
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.partnerships import services as partnerships
from cspr.reviews.models import Review
from tests.api_kit import Api, make_member
from tests.web_kit import date, signed_in

SLUG = "doncaster"
TARGET = "2 September 2026"  # 6 months from the decision on 2 March 2026
NO_REASON = f"Select the reason for the delay: the planned publication date is after the target of {TARGET}"


@pytest.fixture
def api(app, client):
    return Api(client, make_member(app, SLUG, Role.ADMIN, "api-admin@doncaster.example.org"))


def start_review(api: Api, kind: str = "local_cspr") -> int:
    response = api.post("/reviews", json={"kind": kind, "title": "Child P", "decided_on": "2026-03-02"})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"]


def audited(app, review_id: int) -> list[dict]:
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, SLUG)
        with acting_for(session, row.id):
            return [e.detail for e in session.scalars(
                select(AuditEvent).where(AuditEvent.action == "review.publication_planned",
                                         AuditEvent.object_id == str(review_id)).order_by(AuditEvent.seq))]


def stored(app, review_id: int) -> tuple:
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, SLUG)
        with acting_for(session, row.id):
            review = session.get(Review, review_id)
            return (review.planned_publication_on, review.publication_delay_reason,
                    review.publication_delay_detail)


def test_the_api_refuses_a_date_past_the_target_without_a_reason_and_keeps_one_given(app, client, api):
    rid = start_review(api)
    refused = api.post(f"/reviews/{rid}/planned-publication", json={"planned_on": "2026-12-15"})
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["json"] == {"delay_reason": NO_REASON}
    assert stored(app, rid) == (None, None, None)

    other = api.post(f"/reviews/{rid}/planned-publication",
                     json={"planned_on": "2026-12-15", "delay_reason": "other"})
    assert other.status_code == 422
    assert other.get_json()["errors"]["json"] == {"delay_detail": "Enter what is delaying the publication"}
    unknown = api.post(f"/reviews/{rid}/planned-publication",
                       json={"planned_on": "2026-12-15", "delay_reason": "the weather"})
    assert unknown.status_code == 422 and "delay_reason" in unknown.get_json()["errors"]["json"]

    ok = api.post(f"/reviews/{rid}/planned-publication", json={
        "planned_on": "2026-12-15", "delay_reason": "parallel_proceedings",
        "delay_detail": "The criminal trial is listed for November."})
    assert ok.status_code == 200, ok.get_data(as_text=True)
    body = ok.get_json()
    assert body["publication_delay_reason"] == "parallel_proceedings"
    assert body["publication_delay_detail"] == "The criminal trial is listed for November."
    event = audited(app, rid)[-1]
    assert event["planned_on"] == "2026-12-15" and event["target"] == "2026-09-02"
    assert event["delay_reason"] == "parallel_proceedings"
    assert event["delay_detail"] == "The criminal trial is listed for November."

    # Back within the target: no reason is needed, and the old one no longer stands.
    back = api.post(f"/reviews/{rid}/planned-publication", json={"planned_on": "2026-09-01"})
    assert back.status_code == 200
    assert back.get_json()["publication_delay_reason"] is None
    assert stored(app, rid)[1:] == (None, None)
    assert audited(app, rid)[-1]["was"] == "2026-12-15"
    # On the target itself, and for a review the law sets no publication target for, none is needed.
    assert api.post(f"/reviews/{rid}/planned-publication", json={"planned_on": "2026-09-02"}).status_code == 200
    thematic = start_review(api, "thematic")
    assert api.post(f"/reviews/{thematic}/planned-publication",
                    json={"planned_on": "2027-03-01"}).status_code == 200


def test_the_staff_form_asks_for_the_reason_and_the_case_and_tracker_show_it(app, client, api):
    rid = start_review(api)
    admin = signed_in(app, client, SLUG, Role.ADMIN)
    url = f"/app/{SLUG}/reviews/{rid}/publication-date"
    refused = admin.submit(url, {"planned_on": date("2026-12-15")})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "There is a problem" in html and str(escape(NO_REASON)) in html
    assert 'href="#delay_reason"' in html
    other = admin.submit(url, {"planned_on": date("2026-12-15"), "delay_reason": "other"})
    assert other.status_code == 400
    assert "Enter what is delaying the publication" in other.get_data(as_text=True)

    done = admin.submit(url, {"planned_on": date("2026-12-15"), "delay_reason": "family_involvement",
                              "delay_detail": "The family asked to read the report first."})
    assert done.status_code == 302, done.get_data(as_text=True)
    planned, reason, detail = stored(app, rid)
    assert (str(planned), reason.value, detail) == (
        "2026-12-15", "family_involvement", "The family asked to read the report first.")
    assert audited(app, rid)[-1]["delay_reason"] == "family_involvement"

    page = admin.get(f"/app/{SLUG}/reviews/{rid}").get_data(as_text=True)
    assert "15 December 2026, after the target: Family involvement" in page
    assert "The family asked to read the report first." in page

    tracker = admin.get(f"/app/{SLUG}/cases").get_data(as_text=True)
    assert "Family involvement: The family asked to read the report first." in tracker

    rows = list(csv.DictReader(io.StringIO(admin.get(f"/app/{SLUG}/cases.csv").get_data(as_text=True))))
    (row,) = [r for r in rows if r["Pseudonym"] == "Child P"]
    assert row["Planned publication"] == "2026-12-15"
    assert row["Publication delay: reason"] == "family_involvement"
    assert row["Publication delay: details"] == "The family asked to read the report first."

    sheet = load_workbook(io.BytesIO(api.get("/tracker.xlsx").data))["Tracker"]
    headings = [c.value for c in sheet[1]]
    values = dict(zip(headings, [c.value for c in sheet[2]], strict=True))
    assert values["Publication delay: reason"] == "Family involvement"  # in words in the workbook
    assert values["Publication delay: details"] == "The family asked to read the report first."
    # the figures count the reasons from this column
    api_rows = list(csv.DictReader(io.StringIO(api.get("/tracker.csv").get_data(as_text=True))))
    assert sum(r["Publication delay: reason"] == "family_involvement" for r in api_rows) == 1
