"""Step 7: publication as a deliberate act, with a partner's sign-off and the anonymisation guard.

``publish`` is the one way a review becomes public: the staff app, the API, the demo and the CLI all
call it. ``guard_briefing`` runs the same guard over a briefing written or changed after publication.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import select

from cspr.deadlines import services as deadlines
from cspr.deadlines.names import Anchor
from cspr.documents import services as case_documents
from cspr.proceedings import services as proceedings
from cspr.publication import anonymisation
from cspr.publication.models import Briefing
from cspr.reviews import documents
from cspr.reviews import services as steps
from cspr.reviews.models import PublicationForm, Review
from cspr.services.checks import Checker
from cspr.services.context import Context
from cspr.services.errors import InputError, StepError
from cspr.services.inputs import Upload

#: Each publication form in words, for messages.
FORM_WORDS = {"full": "the full report", "summary": "a summary with the lessons",
              "redacted": "a redacted version", "nspcc": "anonymously through the NSPCC"}
TERMS_REQUIRED = ("Enter the names and places that identify the child and family, so the platform can "
                  "check nothing public contains them")


def publish(ctx: Context, review: Review, *, published_on: dt.date, signed_off_by: str,
            identifying_terms: str, documents_dir: Path, secret_key: str,
            publication_form: PublicationForm = PublicationForm.FULL,
            publication_note: str | None = None, summary: str | None = None,
            themes: list[str] = (), report: bytes | None = None,
            report_filename: str = "report.pdf", authors: list[str] = (),
            co_publisher: str | None = None) -> Review:
    """Publish: checks, the guard over every text going public, then the review and its report.

    First of all, no proceeding may restrict it: while one does, the refusal names it and the
    review's delay is recorded as parallel proceedings (``proceedings.refuse_if_restricted``). A
    final-report document must have its latest version signed off by every statutory partner
    (``case_documents.refuse_unless_signed_off``).
    """
    proceedings.refuse_if_restricted(ctx, review)
    case_documents.refuse_unless_signed_off(ctx, review)
    publication_form = PublicationForm(publication_form)
    partners = {a["key"]: a["name"] for a in ctx.policy.partners["safeguarding_partners"]}
    terms = anonymisation.parse_terms(identifying_terms or "")
    c = Checker(ctx)
    c.date("published_on", published_on, Anchor.PUBLISHED)
    c.check("signed_off_by", signed_off_by in partners,
            "Select the safeguarding partner who signed off the publication")
    c.require("identifying_terms", terms, TERMS_REQUIRED)
    if publication_form in (PublicationForm.FULL, PublicationForm.NSPCC):
        c.require("report", report, "Select the report to publish" if publication_form == PublicationForm.FULL
                  else "Select the report: the NSPCC publishes it anonymously from the deposit")
    c.done()
    texts: dict[str, str] = {}
    if report:
        # One bounded read: refuses active content, HTML and files too large or slow to check.
        for number, text in enumerate(documents.pdf_text(report), start=1):
            texts[f"the report, page {number}"] = text
    texts["the summary"] = summary or ""
    for briefing in ctx.session.scalars(select(Briefing).where(Briefing.review_id == review.id)):
        texts.update(_briefing_texts(briefing.title, briefing.sections or {}))
    _refuse_found(terms, texts, "Nothing was published.")
    _mark_published(ctx, review, published_on=published_on, publication_form=publication_form,
                    publication_note=publication_note, summary=summary, themes=list(themes),
                    authors=list(authors), co_publisher=co_publisher)
    if report:
        # published anonymously through the NSPCC: the report goes in the deposit, never on the page
        documents.store(ctx, review, report, report_filename, "report",
                        publication_form != PublicationForm.NSPCC, documents_dir)
    ctx.audit("publication.signed_off", review, signed_off_by=signed_off_by,
              partner=partners[signed_off_by], terms_checked=len(terms),
              fingerprints=anonymisation.fingerprints(terms, secret_key),
              texts_checked=len(texts))
    return review


def publish_loaded(ctx: Context, review: Review, *, documents_dir: Path, secret_key: str,
                   report_pdf: Upload | None = None, **loaded: Any) -> Review:
    """Publish with what cspr.publication.inputs.PublicationIn loaded (from the staff page or the API)."""
    return publish(ctx, review, report=(report_pdf.content if report_pdf else None) or None,
                   report_filename=(report_pdf.filename if report_pdf else "") or "report.pdf",
                   documents_dir=documents_dir, secret_key=secret_key, **loaded)


def guard_briefing(ctx: Context, review: Review | None, *, title: str, sections: dict[str, str],
                   identifying_terms: str | None, secret_key: str) -> None:
    """A briefing of a published review goes public at once: the guard runs again before it is saved.

    The identifying terms are never stored, so they are asked for again with each change.
    """
    if review is None or review.published_on is None:
        return
    terms = anonymisation.parse_terms(identifying_terms or "")
    if not terms:
        raise InputError({"identifying_terms": "The review is published, so this briefing is public: "
                                               + TERMS_REQUIRED[0].lower() + TERMS_REQUIRED[1:]})
    texts = _briefing_texts(title, sections)
    _refuse_found(terms, texts, "The briefing was not saved.")
    ctx.audit("briefing.guard_checked", review, terms_checked=len(terms),
              fingerprints=anonymisation.fingerprints(terms, secret_key), texts_checked=len(texts))


def _briefing_texts(title: str, sections: dict[str, str]) -> dict[str, str]:
    texts = {f"the briefing “{title}” (title)": title or ""}
    for key, text in sections.items():
        texts[f"the briefing “{title}” ({key})"] = text or ""
    return texts


def _refuse_found(terms: list[str], texts: dict[str, str], outcome: str) -> None:
    found = anonymisation.find(terms, texts)
    if found:
        places = "; ".join(f"“{f.term}” in {f.where}: …{f.context}…" for f in found[:8])
        more = f" and {len(found) - 8} more" if len(found) > 8 else ""
        raise InputError({"identifying_terms": f"{outcome} Identifying terms were found: {places}{more}"})


def _mark_published(ctx: Context, review: Review, *, published_on: dt.date,
                    publication_form: PublicationForm, publication_note: str | None,
                    summary: str | None, themes: list[str], authors: list[str] = (),
                    co_publisher: str | None = None) -> Review:
    """The review's own checks and fields, once the guard has passed (only ``publish`` calls this)."""
    steps._open(review)
    if review.final_report_agreed_on is None:
        raise StepError("The partners must agree the final report first.")
    by_law = review.kind in deadlines.PUBLISHED_BY_LAW
    if by_law and review.sent_to_panel_on is None:
        raise StepError("Send the final report to the Panel and the Secretary of State first.")
    gap = steps._gap(ctx)
    c = Checker(ctx)
    c.date("published_on", published_on, Anchor.PUBLISHED)
    if by_law and published_on is not None and steps._countable(c, "published_on", published_on):
        earliest = deadlines.earliest_publication(review.sent_to_panel_on, gap)
        c.check("published_on", deadlines.report_in_time(review.sent_to_panel_on, published_on, gap),
                f"the report went to the Panel and the Secretary of State on "
                f"{review.sent_to_panel_on:%-d %B %Y}: publish on or after {earliest:%-d %B %Y} "
                f"({gap} working days later)")
    c.not_before("published_on", published_on, review.final_report_agreed_on,
                 "the final report's agreement")
    steps._check_publication(c, ctx, publication_form, publication_note, themes)
    kind = ctx.policy.kind(review.kind.value)
    forms = kind["publication"]["forms"]
    c.check("publication_form", publication_form.value in forms,
            f"{kind['name']}: the partnership publishes these as "
            + ", ".join(FORM_WORDS[f] for f in forms))
    c.done()
    # who wrote and who published it, as the NSPCC catalogue records them; a kind's co-publisher
    # (the community safety partnership of a DHR) unless another is given
    # the authors as given (the reviewer's name is not made public unless it is given as an author)
    review.authors = [a.strip() for a in authors if a.strip()] or list(review.authors or [])
    review.publisher = review.publisher or kind["publication"]["publisher"] or ctx.policy.name
    review.co_publisher = ((co_publisher or "").strip() or review.co_publisher
                           or kind["publication"]["co_publisher"])
    review.frameworks = list(kind["frameworks"])
    review.published_on = published_on
    review.publication_form = publication_form
    review.publication_note = (publication_note or "").strip() or None
    review.summary = (summary or "").strip() or review.summary
    review.themes = list(dict.fromkeys(themes))
    ctx.audit("review.published", review, published_on=published_on, form=publication_form,
              authors=review.authors, publisher=review.publisher, co_publisher=review.co_publisher)
    return steps._after(ctx, review, "published")
