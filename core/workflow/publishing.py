"""Step 7: publication as a deliberate act, with a partner's sign-off and the anonymisation guard."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from cspr import anonymisation, documents
from cspr.models import Briefing, PublicationForm, Review
from cspr.workflow import reviews
from cspr.workflow.checks import Checker
from cspr.workflow.context import Context
from cspr.workflow.errors import InputError


def publish(ctx: Context, review: Review, *, published_on: dt.date, signed_off_by: str,
            identifying_terms: str, documents_dir: Path, secret_key: str,
            publication_form: PublicationForm = PublicationForm.FULL,
            publication_note: str | None = None, summary: str | None = None,
            themes: list[str] = (), report: bytes | None = None,
            report_filename: str = "report.pdf") -> Review:
    """Publish: checks, the guard over every text going public, then the review and its report."""
    publication_form = PublicationForm(publication_form)
    partners = {a["key"]: a["name"] for a in ctx.policy.partners["safeguarding_partners"]}
    terms = anonymisation.parse_terms(identifying_terms or "")
    c = Checker(ctx)
    c.date("published_on", published_on, "published")
    c.check("signed_off_by", signed_off_by in partners,
            "Select the safeguarding partner who signed off the publication")
    c.require("identifying_terms", terms, "Enter the names and places that identify the child and "
                                          "family, so the platform can check nothing public contains them")
    if publication_form == PublicationForm.FULL:
        c.require("report", report, "Select the report to publish")
    c.done()
    texts: dict[str, str] = {}
    if report:
        # One bounded read: refuses active content, HTML and files too large or slow to check.
        for number, text in enumerate(documents.pdf_text(report), start=1):
            texts[f"the report, page {number}"] = text
    texts["the summary"] = summary or ""
    for briefing in ctx.session.scalars(select(Briefing).where(Briefing.review_id == review.id)):
        for key, text in (briefing.sections or {}).items():
            texts[f"the briefing “{briefing.title}” ({key})"] = text or ""
    found = anonymisation.find(terms, texts)
    if found:
        places = "; ".join(f"“{f.term}” in {f.where}: …{f.context}…" for f in found[:8])
        more = f" and {len(found) - 8} more" if len(found) > 8 else ""
        raise InputError({"identifying_terms": f"Nothing was published. Identifying terms were found: "
                                               f"{places}{more}"})
    reviews.publish(ctx, review, published_on=published_on, publication_form=publication_form,
                    publication_note=publication_note, summary=summary, themes=list(themes))
    if report:
        documents.store(ctx, review, report, report_filename, "report", True, documents_dir)
    ctx.audit("publication.signed_off", review, signed_off_by=signed_off_by,
              partner=partners[signed_off_by], terms_checked=len(terms),
              fingerprints=anonymisation.fingerprints(terms, secret_key),
              texts_checked=len(texts))
    return review
