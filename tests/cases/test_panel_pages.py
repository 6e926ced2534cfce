"""The Panel's form on the staff pages and in the API: children, details, the summary and the documents."""

from __future__ import annotations

import io

import pytest
from docx import Document

from cspr.accounts.models import Role
from tests.api_kit import Api, make_member
from tests.web.test_staff import add_incident
from tests.web_kit import date, signed_in

CHILD = {"pseudonym": "Child L", "sex": "male", "age_band": "5_9", "ethnicity": "asian_pakistani",
         "disability": "not_known", "harm": "serious_harm", "statuses": ["child_protection_plan"],
         "abuse": ["emotional"]}


@pytest.fixture
def admin(app, client):
    return signed_in(app, client, "doncaster", Role.ADMIN)


def test_an_admin_adds_a_child_and_the_case_page_lists_both(admin, app):
    iid = add_incident(app)
    response = admin.submit(f"/app/doncaster/incidents/{iid}/add-child", CHILD)
    assert response.status_code == 302, response.get_data(as_text=True)
    html = admin.get(f"/app/doncaster/incidents/{iid}").get_data(as_text=True)
    assert "Child 2" in html and "Child L" in html and "Asian or Asian British: Pakistani" in html
    assert "Subject to a child protection plan" in html


def test_a_child_without_its_answers_is_refused_in_the_govuk_style(admin, app):
    iid = add_incident(app)
    response = admin.submit(f"/app/doncaster/incidents/{iid}/add-child", {"pseudonym": "Child L"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and "Select the child&#39;s ethnic group" in html


def test_changing_child_1_on_its_page_is_the_incidents_change_too(admin, app):
    iid = add_incident(app)
    response = admin.submit(f"/app/doncaster/incidents/{iid}/children/1", {
        **CHILD, "pseudonym": "Child K", "age_band": "10_15", "statuses": []})
    assert response.status_code == 302, response.get_data(as_text=True)
    api = Api(app.test_client(), make_member(app, "doncaster", Role.VIEWER))
    body = api.get(f"/incidents/{iid}").get_json()
    assert body["age_band"] == "10_15"
    assert body["children"][0]["ethnicity"] == "asian_pakistani"
    assert admin.get(f"/app/doncaster/incidents/{iid}/children/3").status_code == 404


def test_the_notification_summary_page_and_its_text_export(admin, app):
    iid = add_incident(app)
    agency = app.extensions["cspr.plugins"].policy("doncaster").agencies[0]
    response = admin.submit(f"/app/doncaster/incidents/{iid}/details", {
        "agencies_involved": [agency["key"]], "police_investigating": "yes"})
    assert response.status_code == 302, response.get_data(as_text=True)
    html = admin.get(f"/app/doncaster/incidents/{iid}/panel-notification").get_data(as_text=True)
    assert "Notification to the Panel" in html and agency["name"] in html
    export = admin.get(f"/app/doncaster/incidents/{iid}/panel-notification.txt")
    assert export.headers["Content-Disposition"].startswith("attachment; filename=\"DSCP-")
    text = export.get_data(as_text=True)
    assert "Are the police investigating?: Yes" in text and "Child 1" in text


def test_the_rapid_review_downloads_as_a_word_document(admin, app):
    iid = add_incident(app)
    admin.submit(f"/app/doncaster/incidents/{iid}/notification", {"sent_on": date("2026-03-05")})
    response = admin.get(f"/app/doncaster/incidents/{iid}/rapid-review.docx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('-rapid-review.docx"')
    document = Document(io.BytesIO(response.get_data()))
    assert document.paragraphs[1].text.startswith("Rapid review: Child K")


def test_a_viewer_reads_the_summary_but_adds_no_child(app, client):
    viewer = signed_in(app, client, "doncaster", Role.VIEWER)
    iid = add_incident(app)
    assert viewer.get(f"/app/doncaster/incidents/{iid}/panel-notification").status_code == 200
    assert viewer.get(f"/app/doncaster/incidents/{iid}/add-child").status_code == 403


def test_the_api_takes_four_children_and_refuses_a_fifth(app):
    api = Api(app.test_client(), make_member(app, "doncaster", Role.ADMIN))
    iid = add_incident(app)
    for name in ("Child L", "Child M", "Child N"):
        assert api.post(f"/incidents/{iid}/children", {**CHILD, "pseudonym": name}).status_code == 201
    fifth = api.post(f"/incidents/{iid}/children", {**CHILD, "pseudonym": "Child O"})
    assert fifth.status_code == 409 and "up to 4 children" in fifth.get_json()["message"]
    assert api.patch(f"/incidents/{iid}/children/2", {"sex": "female"}).get_json()["children"][1]["sex"] == \
        "female"
    removed = api.delete(f"/incidents/{iid}/children/3").get_json()
    assert [c["pseudonym"] for c in removed["children"]] == ["Child K", "Child L", "Child N"]
    summary = api.get(f"/incidents/{iid}/panel-notification").get_json()
    assert [s["title"] for s in summary["sections"]] == ["The incident", "Child 1", "Child 2", "Child 3"]


def test_the_api_refuses_a_child_with_a_name_field_or_a_bad_ethnicity(app):
    api = Api(app.test_client(), make_member(app, "doncaster", Role.ADMIN))
    iid = add_incident(app)
    response = api.post(f"/incidents/{iid}/children", {**CHILD, "name": "Jamie Smith",
                                                        "ethnicity": "martian"})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["json"]) >= {"name", "ethnicity"}
