"""'Check your answers' before recording an incident, the partners' decision and a publication.

Every answer in words with a Change link to its question, the answers kept through a change,
and nothing recorded until the confirm (against PostgreSQL, through the staff pages).
"""

from __future__ import annotations

import re
from html import unescape
from io import BytesIO

from sqlalchemy import func, select

from cspr.accounts.models import AnswerDraft, Role
from cspr.cases.models import Incident, RapidReview
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.partnerships import services as partnerships
from cspr.reviews.models import Review
from tests.publication.test_publishing import ready, report_pdf  # noqa: F401 (the fixture)
from tests.web.test_staff import INCIDENT, add_incident
from tests.web_kit import csrf_of, date, signed_in

NEW = "/app/doncaster/incidents/new"


def count(app, model, *where) -> int:
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            return session.scalar(select(func.count()).select_from(model).where(*where))


def answers(html: str) -> dict[str, str]:
    """The summary list as {question: answer}."""
    found = re.findall(r'<dt class="govuk-summary-list__key">\s*(.*?)\s*</dt>\s*'
                       r'<dd class="govuk-summary-list__value">\s*(.*?)\s*</dd>', html, re.S)
    return {unescape(k): unescape(re.sub(r"<br>", "\n", v)) for k, v in found}


def change_links(html: str) -> dict[str, str]:
    """Each Change link's hidden words (the question) -> its address."""
    return {unescape(name): unescape(href) for href, name in re.findall(
        r'<a class="govuk-link" href="([^"]+)">Change<span class="govuk-visually-hidden"> (.*?)</span></a>', html)}


def test_an_incident_is_checked_changed_and_recorded_once_on_the_confirm(app, client):
    admin = signed_in(app, client, "doncaster", Role.ADMIN)
    page = admin.submit(NEW, INCIDENT)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Check your answers before you record a serious incident" in html
    assert answers(html) == {
        "Pseudonym": "Child K", "Local authority case reference": "LA-77", "Local authority area": "Doncaster",
        "Age band": "1 to 4", "What happened": "The child was seriously harmed",
        "The child was looked after": "No", "A care leaver (18 to 24)": "No",
        "Date of the incident": "2 March 2026", "Date the local authority became aware": "3 March 2026"}
    links = change_links(html)
    assert links["pseudonym"] == f"{NEW}?change=1#pseudonym"
    assert links["date the local authority became aware"] == f"{NEW}?change=1#aware_on-day"
    assert count(app, Incident) == 0  # nothing is recorded before the confirm

    # a Change link goes back to the question with every answer kept
    form = admin.get(links["pseudonym"]).get_data(as_text=True)
    assert 'value="Child K"' in form and 'value="LA-77"' in form and 'value="2026"' in form
    changed = admin.submit(links["pseudonym"], {**INCIDENT, "pseudonym": "Child J"})
    assert answers(changed.get_data(as_text=True))["Pseudonym"] == "Child J"
    assert count(app, Incident) == 0

    done = admin.confirm(NEW, changed, follow=True)
    assert "Incident DSCP-2026-001 is recorded" in done.get_data(as_text=True)
    assert count(app, Incident) == 1 and count(app, Incident, Incident.pseudonym == "Child J") == 1
    assert count(app, AnswerDraft) == 0  # the kept answers went with the confirm

    # the same confirm again (a second tab, a double click) records nothing more
    replay = admin.confirm(NEW, changed, follow=True)
    assert "Your answers were not kept" in replay.get_data(as_text=True)
    assert count(app, Incident) == 1


def test_the_services_own_checks_are_on_the_form_before_the_check_page(app, client):
    admin = signed_in(app, client, "doncaster", Role.ADMIN)
    refused = admin.submit(NEW, {**INCIDENT, "aware_on": date("2026-03-01")})  # before the incident
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Check your answers" not in html
    assert "must be on or after the incident" in html
    assert count(app, Incident) == 0 and count(app, AnswerDraft) == 0


def test_a_page_opened_anew_forgets_answers_left_unchecked(app, client):
    admin = signed_in(app, client, "doncaster", Role.ADMIN)
    admin.submit(NEW, INCIDENT)
    assert count(app, AnswerDraft) == 1
    fresh = admin.get(NEW).get_data(as_text=True)
    assert 'value="Child K"' not in fresh and count(app, AnswerDraft) == 0


def test_the_partners_decision_is_checked_in_words_and_recorded_on_the_confirm(app, client):
    admin = signed_in(app, client, "doncaster", Role.ADMIN)
    iid = add_incident(app)
    admin.submit(f"/app/doncaster/incidents/{iid}/notification", {"sent_on": date("2026-03-09")})
    url = f"/app/doncaster/incidents/{iid}/decision"
    page = admin.submit(url, {"decision": "local_cspr", "sent_to_panel_on": date("2026-03-27"),
                              "rationale": "Two agencies did not share\ninformation"})
    html = page.get_data(as_text=True)
    shown = answers(html)
    assert shown["The partners' decision"] == "Hold a local child safeguarding practice review"
    assert shown["Why the partners decided this"] == "Two agencies did not share\ninformation"
    assert shown["Immediate actions taken"] == "Not given"
    assert not [a for a in shown.values() if "local_cspr" in a or "_" in a]  # words, never codes
    assert "the partners' decision" in change_links(html)
    assert count(app, RapidReview, RapidReview.decision.is_not(None)) == 0 and count(app, Review) == 0
    done = admin.confirm(url, page, follow=True)
    assert "The decision is recorded" in done.get_data(as_text=True)
    assert count(app, RapidReview, RapidReview.decision.is_not(None)) == 1 and count(app, Review) == 1


def test_publishing_is_checked_the_report_kept_through_a_change_and_the_terms_never_stored(app, ready, client):  # noqa: F811
    admin, rid, partner = ready
    url = f"/app/doncaster/reviews/{rid}/publish"
    token = csrf_of(admin.get(url).get_data(as_text=True))
    pdf = report_pdf(app, "Agencies did not share information about the family.")
    fields = {"published_on": date("2026-09-01"), "publication_form": "full", "summary": "What we learned.",
              "signed_off_by": partner, "identifying_terms": "Jamie Smith\nOak Street Primary"}
    page = admin.client.post(url, data={"csrf_token": token, **fields, "report": (BytesIO(pdf), "child-p.pdf")},
                             content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    shown = answers(html)
    assert shown["The report (PDF)"] == "child-p.pdf" and shown["Publication date"] == "1 September 2026"
    assert shown["Names and places that identify the child and family"].startswith("2 lines given")
    assert shown["What is published"] == "The full report" and shown["Learning themes"] == "None"
    assert "Jamie Smith" not in shown.values()
    with app.app_context(), get_db().session_scope() as session:
        kept = session.scalars(select(AnswerDraft.answers)).all()
    assert kept and "Jamie" not in str(kept)  # the terms are not kept, not even until the confirm
    assert "Published" not in admin.get(f"/app/doncaster/reviews/{rid}").get_data(as_text=True)

    # change the summary: the report stays, the terms are asked again
    form = admin.get(change_links(html)["summary for the public page"]).get_data(as_text=True)
    assert "The file child-p.pdf is kept" in form and "Jamie" not in form
    again = admin.client.post(url, data={"csrf_token": csrf_of(form), **fields, "summary": "What was learnt."},
                              content_type="multipart/form-data")
    shown = answers(again.get_data(as_text=True))
    assert shown["The report (PDF)"] == "child-p.pdf" and shown["Summary for the public page"] == "What was learnt."
    done = admin.confirm(url, again, follow=True)
    assert "The review is published" in done.get_data(as_text=True)
    assert "What was learnt." in client.get("/doncaster/").get_data(as_text=True)
    assert count(app, AnswerDraft) == 0


def test_answers_left_by_a_session_that_ended_are_removed(app, client):
    first = signed_in(app, client, "doncaster", Role.ADMIN)
    first.submit(NEW, INCIDENT)
    first.sign_out()
    assert count(app, AnswerDraft) == 1
    second = signed_in(app, app.test_client(), "doncaster", Role.ADMIN, email="second-admin@doncaster.example.org")
    second.submit(NEW, {**INCIDENT, "pseudonym": "Child Q"})
    with app.app_context(), get_db().session_scope() as session:
        kept = session.scalars(select(AnswerDraft.answers)).all()
    assert [a["pseudonym"] for a in kept] == [["Child Q"]]  # the ended session's answers are gone
