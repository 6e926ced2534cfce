"""Case documents through the API and the staff pages: a document versioned and signed off, comments against a
version, sign-off reset by a new version, the reviewer kept to their review, audited downloads, publishing
refused until every statutory partner signed the final report's latest version."""

from __future__ import annotations

import base64
import io

import pytest

from cspr.accounts.models import Role
from tests.api_kit import Api, make_member
from tests.documents.test_checks import docx, xlsx
from tests.proceedings.test_proceedings import PUBLISH, events, ok, ready_review
from tests.publish_kit import blank_pdf
from tests.web_kit import signed_in

SLUG = "doncaster"


@pytest.fixture
def api(app, client):
    return Api(client, make_member(app, SLUG, Role.ADMIN, "admin@doncaster.example.org"))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def partner_keys(api: Api) -> list[str]:
    policy = api.client.application.extensions["cspr.plugins"].policy(SLUG)
    return [p["key"] for p in policy.partners["safeguarding_partners"]
            if p["type"] in ("local_authority", "health", "police")]


def final_report(api: Api, rid: int) -> int:
    doc = ok(api.post(f"/reviews/{rid}/documents", {"kind": "final_report", "title": "Final report"}), 201)
    ok(api.post(f"/documents/{doc['id']}/versions", {"file": b64(blank_pdf("v1")), "filename": "final.pdf"}), 201)
    return doc["id"]


def test_a_document_versioned_commented_and_signed_off(app, api):
    rid = ready_review(api)
    did = final_report(api, rid)
    ok(api.post(f"/documents/{did}/versions/1/comments", {"body": "Page 3 needs the dates."}), 201)
    second = ok(api.post(f"/documents/{did}/versions", {"file": b64(docx("Second")), "filename": "final.docx"}), 201)
    assert second["number"] == 2 and second["media_type"].endswith("wordprocessingml.document")

    versions = ok(api.get(f"/documents/{did}/versions"))
    assert [v["number"] for v in versions] == [1, 2]  # the earlier version is kept
    assert versions[0]["sha256"] != versions[1]["sha256"]
    (comment,) = ok(api.get(f"/documents/{did}/comments"))
    assert comment["version"] == 1 and comment["body"] == "Page 3 needs the dates."

    # signing version 1 is refused: it is not the latest
    old = api.post(f"/documents/{did}/versions/1/sign-off", {"partner": partner_keys(api)[0]})
    assert old.status_code == 409 and "not the latest" in old.get_json()["message"]
    for key in partner_keys(api):
        shown = ok(api.post(f"/documents/{did}/versions/2/sign-off", {"partner": key}))
    assert shown["awaiting_sign_off_from"] == [] and sorted(shown["signed_off_by"]) == sorted(partner_keys(api))
    assert len(events(app, "case_document.signed_off")) == 3

    # a new version needs everyone's sign-off again
    ok(api.post(f"/documents/{did}/versions", {"file": b64(blank_pdf("v3")), "filename": "final.pdf"}), 201)
    shown = ok(api.get(f"/documents/{did}"))
    assert shown["signed_off_by"] == [] and len(shown["awaiting_sign_off_from"]) == 3


def test_publishing_is_refused_until_every_partner_signed_the_latest_final_report(app, api):
    rid = ready_review(api)
    did = final_report(api, rid)
    keys = partner_keys(api)
    ok(api.post(f"/documents/{did}/versions/1/sign-off", {"partner": keys[0]}))
    refused = api.post(f"/reviews/{rid}/publication", PUBLISH)
    assert refused.status_code == 409
    message = refused.get_json()["message"]
    assert message.startswith("Nothing was published:") and "must sign off version 1 of the final report" in message
    assert ok(api.get(f"/reviews/{rid}"))["published_on"] is None
    (event,) = events(app, "publication.refused")  # the refusal is kept in the audit trail, naming who is missing
    assert event.detail["reason"] == "final report not signed off" and event.detail["version"] == 1
    assert len(event.detail["partners_missing"]) == len(keys) - 1
    for key in keys[1:]:
        ok(api.post(f"/documents/{did}/versions/1/sign-off", {"partner": key}))
    assert ok(api.post(f"/reviews/{rid}/publication", PUBLISH))["published_on"] == "2026-09-01"


def test_a_download_is_an_audited_attachment_with_a_meaningful_name(app, api):
    rid = ready_review(api)
    did = final_report(api, rid)
    response = api.get(f"/documents/{did}/versions/1/file")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "final-report-v1-" in disposition and ".pdf" in disposition
    (event,) = events(app, "case_document.downloaded")
    assert event.detail["version"] == 1


def test_hostile_uploads_get_a_clear_message_naming_the_field(app, api):
    rid = ready_review(api)
    doc = ok(api.post(f"/reviews/{rid}/documents", {"kind": "agency_return", "title": "Police return"}), 201)
    for data, words in ((b"<html><script>alert(1)</script></html>", "must be a PDF"),
                        (xlsx(formula=True), "formulas")):
        refused = api.post(f"/documents/{doc['id']}/versions", {"file": b64(data), "filename": "return.pdf"})
        assert refused.status_code == 422, refused.get_data(as_text=True)
        assert words in str(refused.get_json()["errors"])
    not_base64 = api.post(f"/documents/{doc['id']}/versions", {"file": "%%%"})
    assert not_base64.status_code == 422
    assert ok(api.get(f"/documents/{doc['id']}/versions")) == []


def test_a_25_mb_file_in_base64_fits_and_a_larger_one_is_refused_in_words(app, api):
    rid = ready_review(api)
    doc = ok(api.post(f"/reviews/{rid}/documents", {"kind": "other", "title": "Large"}), 201)
    big = b"%PDF-1.7\n" + b"0" * (25 * 1024 * 1024 - 100)
    fits = api.post(f"/documents/{doc['id']}/versions", {"file": b64(big)})
    assert fits.status_code == 422 and "413" not in fits.get_data(as_text=True)  # read, then refused as no PDF
    too_big = api.post(f"/documents/{doc['id']}/versions", {"file": b64(big + b"0" * (2 * 1024 * 1024))})
    assert too_big.status_code in (413, 422)
    assert too_big.get_json()["message"]


def test_a_reviewer_sees_only_their_own_reviews_documents(app, api, client):
    reviewer = make_member(app, SLUG, Role.REVIEWER, "reviewer@doncaster.example.org")
    mine, theirs = ready_review(api), ready_review(api)
    ok(api.post(f"/reviews/{mine}/reviewer", {"commissioned_on": "2026-03-25", "reviewer_name": "R",
                                              "reviewer_user_id": reviewer.user_id}))
    own = final_report(api, mine)
    other = final_report(api, theirs)
    as_reviewer = Api(client, reviewer)
    assert [d["id"] for d in ok(as_reviewer.get(f"/reviews/{mine}/documents"))] == [own]
    assert as_reviewer.get(f"/documents/{other}").status_code == 404
    assert as_reviewer.get(f"/documents/{other}/versions/1/file").status_code == 404
    assert as_reviewer.get(f"/reviews/{theirs}/documents").status_code == 404
    # a reviewer uploads and comments, but does not sign off
    ok(as_reviewer.post(f"/documents/{own}/versions", {"file": b64(docx()), "filename": "d.docx"}), 201)
    ok(as_reviewer.post(f"/documents/{own}/versions/2/comments", {"body": "Revised."}), 201)
    assert as_reviewer.post(f"/documents/{own}/versions/2/sign-off",
                            {"partner": partner_keys(api)[0]}).status_code == 403


def test_the_staff_pages_list_show_and_upload_a_document(app, api, client):
    rid = ready_review(api)
    did = final_report(api, rid)
    page = signed_in(app, client, SLUG, Role.ADMIN, "staff-admin@doncaster.example.org")
    review = page.get(f"/app/{SLUG}/reviews/{rid}")
    assert review.status_code == 200 and "Final report" in review.get_data(as_text=True)
    shown = page.get(f"/app/{SLUG}/documents/{did}").get_data(as_text=True)
    assert "Versions" in shown and "final.pdf" in shown and "not yet signed off" in shown
    assert "final_report" not in shown
    # an upload that is not a document: the error names the field, GOV.UK style
    url = f"/app/{SLUG}/documents/{did}/versions/new"
    refused = page.submit(url, {"file": (io.BytesIO(b"<html></html>"), "report.pdf")})
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "govuk-error-summary" in text and "The selected file must be a PDF" in text
    done = page.submit(url, {"file": (io.BytesIO(docx("v2")), "final.docx")})
    assert done.status_code == 302
    assert [v["number"] for v in ok(api.get(f"/documents/{did}/versions"))] == [1, 2]
