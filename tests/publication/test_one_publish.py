"""One ``publish``: every caller goes through the guard, and briefings changed after publication too."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from cspr.audit.models import AuditEvent
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.partnerships import demo
from cspr.partnerships import services as partnerships
from cspr.publication import anonymisation
from cspr.publication.models import Briefing
from cspr.reviews import documents
from cspr.reviews import services as reviews
from cspr.reviews.models import Document, Review
from cspr.services.context import Context
from tests.publication.test_publishing import publish, ready, report_pdf  # noqa: F401 (the fixture)

CORE = Path(__file__).resolve().parents[2] / "core"


def test_exactly_one_publish_function_exists_in_core_outside_the_web_layer():
    found = [f"{path.relative_to(CORE)}:{number}"
             for path in CORE.rglob("*.py") if "web" not in path.relative_to(CORE).parts
             for number, line in enumerate(path.read_text().splitlines(), start=1)
             if re.match(r"\s*def publish\b", line)]
    assert len(found) == 1 and found[0].startswith("publication/publish.py:"), found
    assert not hasattr(reviews, "publish")  # the unguarded step is gone from the reviews module


def test_the_demos_published_example_went_through_the_guard_with_a_sign_off(app, tmp_path):
    with app.app_context(), get_db().session_scope() as session:
        registry = app.extensions["cspr.plugins"]
        row = next(p for p in partnerships.sync(session, registry) if p.slug == "doncaster")
        with acting_for(session, row.id):
            ctx = Context(session, row, registry.policy("doncaster"), actor="cli")
            review = demo.publish_example(ctx, documents_dir=tmp_path, secret_key="k")
            events = {e.action: e for e in session.scalars(
                select(AuditEvent).where(AuditEvent.object_id == str(review.id)))}
            report = session.scalar(select(Document).where(Document.review_id == review.id,
                                                           Document.kind == "report"))
            pages = documents.pdf_text((tmp_path / report.storage_key).read_bytes())
            partner = registry.policy("doncaster").partners["safeguarding_partners"][0]
            assert review.published_on is not None
            signed = events["publication.signed_off"]
            assert signed.detail["signed_off_by"] == partner["key"]
            terms = anonymisation.parse_terms(demo.DEMO_IDENTIFYING_TERMS)
            assert signed.detail["terms_checked"] == len(terms) >= 2
            assert signed.detail["texts_checked"] >= 2  # the report's page(s) and the summary
            assert "Agencies each held pieces of information" in " ".join(pages)  # a real PDF, read
            assert not anonymisation.find(terms, {"report": " ".join(pages), "summary": review.summary})


def test_every_published_demo_case_shows_a_sign_off(app, tmp_path):
    with app.app_context(), get_db().session_scope() as session:
        registry = app.extensions["cspr.plugins"]
        demo.load_cases(session, registry, per_partnership=1, documents_dir=tmp_path, secret_key="k")
        for row in partnerships.sync(session, registry):
            if row.slug not in registry.policies:
                continue
            with acting_for(session, row.id):
                published = session.scalars(select(Review).where(Review.published_on.is_not(None),
                                                                 Review.legacy.is_(False))).all()
                signed = set(session.scalars(select(AuditEvent.object_id).where(
                    AuditEvent.action == "publication.signed_off")))
                assert published and {str(r.id) for r in published} <= signed, row.slug


def _briefing_after_publication(app, ready):  # noqa: F811
    admin, rid, partner = ready
    fmt = app.extensions["cspr.plugins"].policy("doncaster").briefing_formats[0]
    key = fmt["sections"][0]["key"]
    admin.submit(f"/app/doncaster/reviews/{rid}/briefings/new", {"title": "Child P briefing",
                                                                   f"section_{key}": "Clean text."})
    published = publish(admin, rid, report=report_pdf(app, "Clean report."), signed_off_by=partner)
    assert "The review is published" in published.get_data(as_text=True)
    with app.app_context(), get_db().sessionmaker() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            bid = session.scalar(select(Briefing.id).where(Briefing.review_id == rid))
    return admin, bid, key


def _text_of(app, bid):
    with app.app_context(), get_db().sessionmaker() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            return session.get(Briefing, bid).sections


def test_an_edit_after_publication_naming_the_child_is_refused_saying_where(app, ready, client):  # noqa: F811
    admin, bid, key = _briefing_after_publication(app, ready)
    form = admin.client.get(f"/app/doncaster/briefings/{bid}").get_data(as_text=True)
    assert 'name="identifying_terms"' in form  # asked for again: the terms are never stored
    response = admin.submit(f"/app/doncaster/briefings/{bid}", {
        "title": "Child P briefing", f"section_{key}": "Jamie Smith was known to three agencies.",
        "identifying_terms": "Jamie Smith\nOak Street Primary"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "govuk-error-summary" in html
    assert "The briefing was not saved" in html and f"“Jamie Smith” in the briefing “Child P briefing” ({key})" in html
    assert _text_of(app, bid)[key] == "Clean text."
    assert "Jamie Smith" not in client.get("/doncaster/").get_data(as_text=True)


def test_an_edit_after_publication_without_the_terms_is_refused_with_a_form_error(app, ready):  # noqa: F811
    admin, bid, key = _briefing_after_publication(app, ready)
    response = admin.submit(f"/app/doncaster/briefings/{bid}", {
        "title": "Child P briefing", f"section_{key}": "Anything.", "identifying_terms": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "govuk-error-summary" in html
    assert "enter the names and places that identify the child and family" in html
    assert _text_of(app, bid)[key] == "Clean text."


def test_a_clean_edit_after_publication_is_saved(app, ready):  # noqa: F811
    admin, bid, key = _briefing_after_publication(app, ready)
    response = admin.submit(f"/app/doncaster/briefings/{bid}", {
        "title": "Child P briefing", f"section_{key}": "Agencies now share referrals within a day.",
        "identifying_terms": "Jamie Smith\nOak Street Primary"}, follow=True)
    assert "The briefing is saved" in response.get_data(as_text=True)
    assert _text_of(app, bid)[key] == "Agencies now share referrals within a day."
