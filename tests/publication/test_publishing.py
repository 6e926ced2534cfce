"""Publishing: a partner's sign-off, a real PDF, the 7-working-day gap, and the anonymisation guard."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from sqlalchemy import select

from cspr.accounts.models import Role
from cspr.audit.models import AuditEvent
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.partnerships import services as partnerships
from cspr.publication.briefings import render_pdf
from cspr.reviews import services as reviews
from cspr.services.context import Context
from tests.web_kit import date, signed_in

D = dt.date


def report_pdf(app, text: str) -> bytes:
    fmt = {"key": "r", "name": "Report", "sections": [{"key": "body", "title": "Findings"}]}
    with app.test_request_context():
        return render_pdf(fmt, "Local child safeguarding practice review", {"body": text}, "Doncaster")


@pytest.fixture
def ready(app, client):
    """A local CSPR whose final report went to the Panel on 20 August 2026, and a signed-in admin."""
    admin = signed_in(app, client, "doncaster", Role.ADMIN)
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            ctx = Context(session, row, app.extensions["cspr.plugins"].policy("doncaster"), actor="test")
            review = reviews.start(ctx, kind="local_cspr", title="Child P", decided_on=D(2026, 3, 2))
            reviews.agree_terms(ctx, review, agreed_on=D(2026, 3, 20))
            reviews.commission_reviewer(ctx, review, commissioned_on=D(2026, 3, 25), reviewer_name="R")
            partners = [a["key"] for a in ctx.policy.partners["safeguarding_partners"]]
            reviews.agree_final_report(ctx, review, agreed_on=D(2026, 8, 3), agreed_by=partners)
            reviews.plan_publication(ctx, review, planned_on=D(2026, 9, 1))
            reviews.send_report(ctx, review, sent_on=D(2026, 8, 20))
            return admin, review.id, partners[0]


def publish(admin, rid, **fields):
    from io import BytesIO

    data = {"published_on": date("2026-09-01"), "publication_form": "full", "summary": "What we learned.",
            "signed_off_by": fields.pop("signed_off_by"), "identifying_terms": "Jamie Smith\nOak Street Primary"}
    report = fields.pop("report", None)
    data.update(fields)
    if report is not None:
        data["report"] = (BytesIO(report), "cspr-child-p.pdf")
    page = admin.client.get(f"/app/doncaster/reviews/{rid}/publish").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    url = f"/app/doncaster/reviews/{rid}/publish"
    answered = admin.client.post(url, data={"csrf_token": token, **data}, content_type="multipart/form-data",
                                 follow_redirects=True)
    if answered.status_code == 200 and "Check your answers" in answered.get_data(as_text=True):
        return admin.confirm(url, answered, follow=True)  # nothing is published until the confirm
    return answered


def test_a_report_with_a_planted_name_is_refused_with_where_it_was_found(app, ready):
    admin, rid, partner = ready
    pdf = report_pdf(app, "The practitioners met Jamie Smith's mother twice before the incident.")
    response = publish(admin, rid, report=pdf, signed_off_by=partner)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was published" in html and "“Jamie Smith” in the report, page 1" in html
    assert "Child P" not in admin.client.get("/doncaster/").get_data(as_text=True)


def test_a_term_in_the_summary_is_found_too(app, ready):
    admin, rid, partner = ready
    response = publish(admin, rid, report=report_pdf(app, "Agencies did not share information."),
                       signed_off_by=partner, summary="A child at Oak Street Primary was harmed.")
    assert "“Oak Street Primary” in the summary" in response.get_data(as_text=True)


def test_publishing_before_the_seven_working_day_gap_is_refused(app, ready):
    admin, rid, partner = ready
    response = publish(admin, rid, report=report_pdf(app, "Clean text."), signed_off_by=partner,
                       published_on=date("2026-08-28"))
    assert response.status_code == 400
    assert "publish on or after 1 September 2026" in response.get_data(as_text=True)


@pytest.mark.parametrize("upload, message", [
    (b"GIF89a not a pdf", "The selected file must be a PDF"),
    (b"%PDF-1.7 but broken", "not a PDF that can be read"),
])
def test_only_a_real_pdf_is_accepted(app, ready, upload, message):
    admin, rid, partner = ready
    response = publish(admin, rid, report=upload, signed_off_by=partner)
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_a_partners_sign_off_and_the_terms_are_required(app, ready):
    admin, rid, _ = ready
    response = publish(admin, rid, report=report_pdf(app, "Clean."), signed_off_by="", identifying_terms="")
    html = response.get_data(as_text=True)
    assert "Select the partner who signed it off" in html
    assert "Enter the names and places that identify the child and family" in html


def test_a_clean_report_is_published_and_served_by_a_random_key(app, ready, client):
    admin, rid, partner = ready
    pdf = report_pdf(app, "Agencies did not share information about the family.")
    response = publish(admin, rid, report=pdf, signed_off_by=partner)
    assert "The review is published" in response.get_data(as_text=True)
    page = client.get("/doncaster/").get_data(as_text=True)
    link = re.search(r'href="(/doncaster/reports/([0-9a-f]{32})\.pdf)"', page)
    assert link, "the public page links the report"
    served = client.get(link.group(1))
    assert served.status_code == 200 and hashlib.sha256(served.data).digest() == hashlib.sha256(pdf).digest()
    assert client.get("/doncaster/reports/1.pdf").status_code == 404
    assert client.get(f"/york/reports/{link.group(2)}.pdf").status_code == 404
    with app.app_context(), get_db().sessionmaker() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            event = session.scalar(select(AuditEvent).where(AuditEvent.action == "publication.signed_off"))
    assert event.detail["terms_checked"] == 2 and event.detail["signed_off_by"] == partner
    assert "Jamie" not in str(event.detail)  # the terms are not stored in clear


def test_a_briefing_is_written_in_the_partnerships_format_and_published_with_the_review(app, ready, client):
    admin, rid, partner = ready
    form = admin.client.get(f"/app/doncaster/reviews/{rid}/briefings/new").get_data(as_text=True)
    fmt = app.extensions["cspr.plugins"].policy("doncaster").briefing_formats[0]
    for section in fmt["sections"]:
        assert section["title"].replace("'", "&#39;") in form
    data = {"title": "Child P: 2 minute briefing"}
    data.update({f"section_{s['key']}": f"Text for {s['title']}" for s in fmt["sections"]})
    saved = admin.submit(f"/app/doncaster/reviews/{rid}/briefings/new", data, follow=True)
    assert "is saved" in saved.get_data(as_text=True)
    assert "Child P: 2 minute briefing" not in client.get("/doncaster/").get_data(as_text=True)  # not yet public
    publish(admin, rid, report=report_pdf(app, "Clean report."), signed_off_by=partner)
    page = client.get("/doncaster/").get_data(as_text=True)
    link = re.search(r'href="(/doncaster/briefings/\d+)">Child P: 2 minute briefing', page).group(1)
    assert f"Text for {fmt['sections'][0]['title']}" in client.get(link).get_data(as_text=True)


def test_the_guard_also_reads_the_briefings(app, ready):
    admin, rid, partner = ready
    fmt = app.extensions["cspr.plugins"].policy("doncaster").briefing_formats[0]
    data = {"title": "Briefing", f"section_{fmt['sections'][0]['key']}": "Jamie Smith was known to services."}
    admin.submit(f"/app/doncaster/reviews/{rid}/briefings/new", data)
    response = publish(admin, rid, report=report_pdf(app, "Clean report."), signed_off_by=partner)
    assert "“Jamie Smith” in the briefing “Briefing”" in response.get_data(as_text=True)
