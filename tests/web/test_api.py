"""The JSON API, driven end to end for each partnership, and its refusals."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from icalendar import Calendar
from openapi_spec_validator import validate
from openpyxl import load_workbook

from cspr.accounts.models import Role
from tests.api_kit import Api, make_member
from tests.publication.test_publishing import report_pdf


def b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()

SLUGS = ["doncaster", "plymouth", "southampton", "york"]
AREAS = {"doncaster": "Doncaster", "plymouth": "Plymouth", "southampton": "Southampton",
         "york": "York"}


def incident_body(slug, **kw):
    body = {"pseudonym": "Child K", "la_case_reference": "LA-2026-77", "la_area": AREAS[slug],
            "age_band": "1_4", "harm": "serious_harm", "incident_on": "2026-03-02",
            "aware_on": "2026-03-03"}
    body.update(kw)
    return body


@pytest.fixture
def admin(app, client):
    return Api(client, make_member(app, "doncaster", Role.ADMIN))


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def kinds(deadlines):
    return {d["kind"]: d for d in deadlines}


@pytest.mark.parametrize("slug", SLUGS)
def test_a_case_runs_end_to_end_through_the_api(app, client, slug):
    api = Api(client, make_member(app, slug, Role.ADMIN))
    incident = ok(api.post("/incidents", incident_body(slug)), 201)
    assert incident["reference"].endswith("-2026-001")
    notify = kinds(incident["deadlines"])["notify_panel"]
    assert (notify["due_on"], notify["statutory"]) == ("2026-03-10", True)
    iid = incident["id"]

    incident = ok(api.post(f"/incidents/{iid}/notification", {"sent_on": "2026-03-09",
                                                               "panel_reference": "CSPRP-1"}), 201)
    deadlines = kinds(incident["deadlines"])
    assert deadlines["notify_panel"]["status"] == "met"
    assert deadlines["rapid_review"]["due_on"] == "2026-03-30"
    ok(api.post(f"/incidents/{iid}/rapid-review/meeting", {"meeting_on": "2026-03-20"}))
    incident = ok(api.post(f"/incidents/{iid}/rapid-review/decision", {
        "decision": "local_cspr", "sent_to_panel_on": "2026-03-27", "rationale": "reg 11(c)"}))
    assert kinds(incident["deadlines"])["rapid_review"]["status"] == "met"
    (rid,) = incident["review_ids"]
    ok(api.post(f"/incidents/{iid}/rapid-review/panel-response",
                {"response": "agrees", "received_on": "2026-04-10"}))

    review = ok(api.get(f"/reviews/{rid}"))
    assert kinds(review["deadlines"])["publication"]["due_on"] == "2026-09-27"
    partners = [a["key"] for a in app.extensions["cspr.plugins"].policy(slug)
                .partners["safeguarding_partners"]]
    for path, body in [
        ("terms-of-reference", {"agreed_on": "2026-04-20"}),
        ("reviewer", {"commissioned_on": "2026-04-22", "reviewer_name": "An Independent Reviewer"}),
        ("drafts", {"received_on": "2026-07-01"}),
        ("final-report", {"agreed_on": "2026-08-03", "agreed_by": partners}),
        ("planned-publication", {"planned_on": "2026-09-10"}),
        ("report-sent", {"sent_on": "2026-08-20"}),
    ]:
        review = ok(api.post(f"/reviews/{rid}/{path}", body))
    assert review["stage"] == "sent_to_panel"
    assert kinds(review["deadlines"])["report_to_panel"]["status"] == "met"
    theme = app.extensions["cspr.plugins"].policy(slug).themes[0]
    publication = {"published_on": "2026-09-10", "themes": [theme], "summary": "What the partners learned.",
                   "signed_off_by": partners[0], "identifying_terms": "Jamie Smith\nOak Street"}
    unsigned = api.post(f"/reviews/{rid}/publication", {**publication, "signed_off_by": "nobody"})
    assert unsigned.status_code == 422 and "signed_off_by" in unsigned.get_json()["errors"]["json"]
    no_report = api.post(f"/reviews/{rid}/publication", publication)
    assert no_report.status_code == 422 and "report" in no_report.get_json()["errors"]["json"]
    named = report_pdf(app, "Jamie Smith was known to three agencies.")
    refused = api.post(f"/reviews/{rid}/publication", {**publication, "report_pdf": b64(named)})
    assert refused.status_code == 422
    assert "Nothing was published" in refused.get_json()["errors"]["json"]["identifying_terms"]
    assert ok(api.get(f"/reviews/{rid}"))["stage"] == "sent_to_panel"
    clean = report_pdf(app, "Agencies did not share what they knew.")
    review = ok(api.post(f"/reviews/{rid}/publication", {**publication, "report_pdf": b64(clean)}))
    assert review["stage"] == "published"
    assert kinds(review["deadlines"])["publication"]["status"] == "met"
    assert kinds(review["deadlines"])["public_period"]["status"] == "not_before"

    rec = ok(api.post(f"/reviews/{rid}/recommendations", {"text": "Share information sooner"}), 201)
    action = ok(api.post(f"/recommendations/{rec['id']}/actions", {
        "description": "Joint training", "owner_agency": partners[2], "due_on": (dt.date.today() + dt.timedelta(days=30)).isoformat()}), 201)
    action = ok(api.patch(f"/actions/{action['id']}", {
        "rag": "complete", "completed_on": "2026-10-29", "evidence": "Attendance records"}))
    action = ok(api.post(f"/actions/{action['id']}/assurance", {"assured_on": "2026-11-02"}))
    assert action["assured_on"] == "2026-11-02"

    overdue = ok(api.get("/deadlines?overdue=true"))
    assert overdue == []
    met = ok(api.get("/deadlines?state=met&due_from=2026-03-01&due_to=2026-04-30"))
    assert {d["kind"] for d in met} == {"notify_panel", "rapid_review"}

    rows = list(csv.DictReader(io.StringIO(api.get("/tracker.csv").get_data(as_text=True))))
    assert rows[0]["Reference"] == incident["reference"]
    assert rows[0]["Stage"] == "published" and rows[0]["Published"] == "2026-09-10"
    assert rows[0]["Notification: working days late"] == ""


def test_lateness_is_reported_in_working_days(admin):
    incident = ok(admin.post("/incidents", incident_body("doncaster")), 201)
    ok(admin.post(f"/incidents/{incident['id']}/notification", {"sent_on": "2026-03-13"}), 201)
    late = [d for d in ok(admin.get("/deadlines?kind=notify_panel"))][0]
    assert (late["status"], late["working_days_late"]) == ("met_late", 3)
    workbook = load_workbook(io.BytesIO(admin.get("/tracker.xlsx").data))
    sheet = workbook["Tracker"]
    headings = [c.value for c in sheet[1]]
    row = dict(zip(headings, [c.value for c in sheet[2]], strict=True))
    assert row["Notification: working days late"] == 3
    overdue = ok(admin.get("/deadlines?overdue=true"))
    assert [d["kind"] for d in overdue] == ["rapid_review"]
    assert overdue[0]["working_days_late"] > 100


def test_the_deadlines_calendar_feed(app, admin, client):
    ok(admin.post("/incidents", incident_body("doncaster")), 201)
    cal = Calendar.from_ical(admin.get("/deadlines.ics").data)
    (event,) = cal.walk("VEVENT")
    assert "Notify the Child Safeguarding Practice Review Panel" in str(event["SUMMARY"])
    assert "Child K (DSCP-2026-001)" in str(event["SUMMARY"])
    assert event.decoded("DTSTART").isoformat() == "2026-03-10"
    description = str(event["DESCRIPTION"])
    assert "due 10 March 2026" in description and "A statutory deadline" in description
    assert "Case: Child K (DSCP-2026-001)" in description
    base = app.config["BASE_URL"].rstrip("/")
    assert str(event["URL"]).startswith(f"{base}/app/doncaster/incidents/") and str(event["URL"]) in description
    (alarm,) = event.walk("VALARM")  # a reminder the morning before
    assert str(alarm["ACTION"]) == "DISPLAY" and alarm.decoded("TRIGGER") == -dt.timedelta(hours=15)

    from cspr.accounts import tokens
    from cspr.accounts.models import User
    from cspr.db import get_db
    from cspr.partnerships import services as partnerships

    with app.app_context(), get_db().session_scope() as session:
        user = session.get(User, admin.member.user_id)
        _, feed = tokens.issue(session, user, partnerships.get(session, "doncaster"), "Outlook", "feed")
    response = client.get(f"/feeds/{feed}/deadlines.ics")
    assert response.status_code == 200 and b"BEGIN:VEVENT" in response.data
    assert client.get(f"/feeds/{admin.member.token}/deadlines.ics").status_code == 404  # api scope
    assert client.get("/feeds/cspr_guess/deadlines.ics").status_code == 404


def test_bad_input_is_422_with_field_messages(admin):
    response = admin.post("/incidents", {"pseudonym": "", "harm": "bruise", "aware_on": "yesterday",
                                         "child_name": "X"})
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    for field in ("pseudonym", "harm", "aware_on", "child_name", "la_area", "incident_on"):
        assert field in errors
    domain = admin.post("/incidents", incident_body("doncaster", aware_on="2026-03-01",
                                                    la_area="Leeds"))
    assert domain.status_code == 422
    assert set(domain.get_json()["errors"]["json"]) == {"aware_on", "la_area"}
    assert admin.get("/deadlines?state=late").status_code == 422
    assert admin.get("/deadlines?due_from=soon").status_code == 422


def test_junk_bodies_never_cause_a_500(admin, client):
    for body in ("{not json", "[]", "null", "1", '"x"', "{}"):
        response = client.post(admin.url("/incidents"), data=body, content_type="application/json",
                               headers={"Authorization": f"Bearer {admin.member.token}"})
        assert 400 <= response.status_code < 500, (body, response.status_code)
        assert response.is_json
    assert admin.get("/incidents/999999").status_code == 404
    assert admin.get("/incidents/abc").status_code == 404
    assert admin.post("/incidents/999999/notification", {"sent_on": "2026-03-09"}).status_code == 404


def test_steps_out_of_order_are_409_and_write_nothing(admin):
    iid = ok(admin.post("/incidents", incident_body("doncaster")), 201)["id"]
    response = admin.post(f"/incidents/{iid}/rapid-review/decision",
                          {"decision": "local_cspr", "sent_to_panel_on": "2026-03-20"})
    assert response.status_code == 409
    assert response.get_json()["message"] == "Record the Panel notification first."
    incident = ok(admin.get(f"/incidents/{iid}"))
    assert incident["rapid_review"] is None and incident["review_ids"] == []


def test_corrections_need_a_reason_and_recompute(admin):
    iid = ok(admin.post("/incidents", incident_body("doncaster")), 201)["id"]
    assert admin.patch(f"/incidents/{iid}", {"aware_on": "2026-03-04"}).status_code == 422
    incident = ok(admin.patch(f"/incidents/{iid}", {"aware_on": "2026-03-04",
                                                    "reason": "the LA's log was wrong"}))
    assert kinds(incident["deadlines"])["notify_panel"]["due_on"] == "2026-03-11"


def test_no_token_or_a_bad_token_is_401(admin, client):
    response = client.get("/api/v1/doncaster/incidents")
    assert response.status_code == 401 and "Bearer" in response.headers["WWW-Authenticate"]
    response = client.get("/api/v1/doncaster/incidents", headers={"Authorization": "Bearer cspr_x"})
    assert response.status_code == 401


def test_another_partnerships_urls_and_ids_are_404(app, admin, client):
    york = Api(client, make_member(app, "york", Role.ADMIN))
    york_incident = ok(york.post("/incidents", incident_body("york")), 201)
    york_review = ok(york.post("/reviews", {"kind": "thematic", "title": "Neglect",
                                            "decided_on": "2026-02-02"}), 201)
    # Doncaster's token on York's URL, and on York's ids under its own URL
    assert admin.get("/incidents", slug="york").status_code == 404
    assert admin.get(f"/incidents/{york_incident['id']}").status_code == 404
    assert admin.get(f"/reviews/{york_review['id']}").status_code == 404
    assert admin.post(f"/incidents/{york_incident['id']}/notification",
                      {"sent_on": "2026-03-09"}).status_code == 404
    assert admin.post(f"/reviews/{york_review['id']}/terms-of-reference",
                      {"agreed_on": "2026-03-01"}).status_code == 404
    assert ok(admin.get("/incidents")) == [] and ok(admin.get("/reviews")) == []
    assert ok(admin.get("/deadlines")) == []
    assert "Neglect" not in admin.get("/tracker.csv").get_data(as_text=True)


def test_roles_limit_what_a_member_can_do(app, admin, client):
    viewer = Api(client, make_member(app, "doncaster", Role.VIEWER))
    partner = Api(client, make_member(app, "doncaster", Role.PARTNER))
    iid = ok(admin.post("/incidents", incident_body("doncaster")), 201)["id"]
    assert ok(viewer.get(f"/incidents/{iid}"))["id"] == iid
    denied = viewer.post("/incidents", incident_body("doncaster"))
    assert denied.status_code == 403 and "admin role" in denied.get_json()["message"]
    assert partner.post(f"/incidents/{iid}/notification", {"sent_on": "2026-03-09"}).status_code == 403
    ok(admin.post(f"/incidents/{iid}/notification", {"sent_on": "2026-03-09"}), 201)
    ok(partner.post(f"/incidents/{iid}/rapid-review/decision",
                    {"decision": "no_review", "sent_to_panel_on": "2026-03-20"}))


def test_a_reviewer_sees_only_the_reviews_assigned_to_them(app, admin, client):
    reviewer = make_member(app, "doncaster", Role.REVIEWER)
    as_reviewer = Api(client, reviewer)
    mine = ok(admin.post("/reviews", {"kind": "thematic", "title": "Mine", "decided_on": "2026-01-05"}), 201)
    other = ok(admin.post("/reviews", {"kind": "thematic", "title": "Other",
                                       "decided_on": "2026-01-05"}), 201)
    ok(admin.post(f"/reviews/{mine['id']}/reviewer", {
        "commissioned_on": "2026-01-10", "reviewer_name": "R", "reviewer_user_id": reviewer.user_id}))
    assert [r["title"] for r in ok(as_reviewer.get("/reviews"))] == ["Mine"]
    assert as_reviewer.get(f"/reviews/{other['id']}").status_code == 404
    assert as_reviewer.get("/incidents").status_code == 403
    ok(as_reviewer.post(f"/reviews/{mine['id']}/drafts", {"received_on": "2026-03-01"}))
    denied = as_reviewer.post(f"/reviews/{other['id']}/drafts", {"received_on": "2026-03-01"})
    assert denied.status_code == 404
    assert as_reviewer.post(f"/reviews/{mine['id']}/terms-of-reference",
                            {"agreed_on": "2026-01-20"}).status_code == 403
    assert as_reviewer.get("/tracker.csv").status_code == 403


def test_a_revoked_token_or_a_lost_membership_ends_access(app, admin):
    assert admin.get("/incidents").status_code == 200
    from cspr.accounts import tokens
    from cspr.db import get_db

    with app.app_context(), get_db().session_scope() as session:
        tokens.revoke(session, admin.member.token_id)
    assert admin.get("/incidents").status_code == 401


def test_the_openapi_document_is_valid_and_covers_every_operation(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)
    paths = spec["paths"]
    assert "/api/v1/{slug}/incidents" in paths
    assert "/api/v1/{slug}/reviews/{review_id}/publication" in paths
    assert "/api/v1/{slug}/deadlines" in paths
    api_rules = {r.rule for r in app.url_map.iter_rules()  # the documents themselves aside
                 if r.rule.startswith("/api/v1/<slug>") and not r.rule.endswith("/openapi.json")}
    documented = {p.replace("{", "<").replace("}", ">") for p in paths}
    undocumented = {r for r in api_rules if r.replace("<int:", "<") not in documented}
    assert undocumented == set()


def test_unknown_api_urls_answer_json(client):
    response = client.get("/api/v1/nowhere")
    assert response.status_code == 404 and response.is_json
