"""Steps 5 to 9 for a review: terms, reviewer, drafts, final report, Panel, publication, archive.

Reviews also start without an incident (thematic and local learning reviews), and legacy
serious case reviews are entered for the record, already published.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from cspr.accounts.models import Membership, Role
from cspr.calendar import FIRST_YEAR, LAST_YEAR, add_months
from cspr.deadlines import services as deadlines
from cspr.deadlines.facts import case_facts
from cspr.deadlines.names import Anchor
from cspr.reviews import dates as publication_dates
from cspr.reviews.models import ArchiveOutcome, DelayReason, Draft, PublicationForm, Review, ReviewKind
from cspr.services.checks import Checker
from cspr.services.context import Context
from cspr.services.errors import InputError, NotFound, StepError

ORDER = ("decided", "terms_agreed", "reviewer_commissioned", "drafting", "final_agreed",
         "sent_to_panel", "published", "archived")
STARTABLE = (ReviewKind.LOCAL_CSPR, ReviewKind.LOCAL_LEARNING, ReviewKind.THEMATIC,
             ReviewKind.JOINT_DHR, ReviewKind.JOINT_SAR)


def get(ctx: Context, review_id: int) -> Review:
    """A review of this partnership, or NotFound."""
    review = ctx.session.get(Review, review_id)
    if review is None:
        raise NotFound(f"no review {review_id}")
    return review


def stage_of(review: Review) -> str:
    """The furthest step the review has reached."""
    if review.archived_on:
        return "archived"
    if review.published_on:
        return "published"
    if review.sent_to_panel_on:
        return "sent_to_panel"
    if review.final_report_agreed_on:
        return "final_agreed"
    if review.drafts:
        return "drafting"
    if review.reviewer_commissioned_on:
        return "reviewer_commissioned"
    if review.terms_of_reference_on:
        return "terms_agreed"
    return "decided"


def _after(ctx: Context, review: Review, step: str, reason: str | None = None) -> Review:
    review.stage = stage_of(review)
    ctx.session.flush()
    deadlines.sync_case(ctx, review=review, reason=reason)
    return review


def _open(review: Review) -> None:
    if review.legacy:
        raise StepError("A legacy review is kept for the record; its steps cannot change.")
    if review.published_on:
        raise StepError("The review is published; its earlier steps cannot change now.")


def _kind(ctx: Context, kind: ReviewKind, allowed: tuple[ReviewKind, ...]) -> ReviewKind:
    kind = ReviewKind(kind)
    if kind not in allowed:
        raise InputError({"kind": f"use one of {', '.join(k.value for k in allowed)}"})
    if kind.value not in ctx.policy.review_kinds:
        raise InputError({"kind": f"this partnership does not hold {kind.value} reviews "
                                  f"(it holds {', '.join(ctx.policy.review_kinds)})"})
    return kind


def start(ctx: Context, *, kind: ReviewKind, title: str, decided_on: dt.date,
          pseudonym: str | None = None) -> Review:
    """Start a review that no incident led to: thematic, local learning, or a local CSPR."""
    kind = _kind(ctx, kind, STARTABLE)
    c = Checker(ctx)
    c.require("title", (title or "").strip(), "Enter the title of the review")
    c.date("decided_on", decided_on, Anchor.DECISION)
    c.done()
    review = Review(kind=kind, title=title.strip(), pseudonym=(pseudonym or "").strip() or None,
                    stage="decided", decided_on=decided_on, themes=[])
    ctx.session.add(review)
    ctx.session.flush()
    ctx.audit("review.started", review, kind=kind, decided_on=decided_on)
    return _after(ctx, review, "start")


def record_legacy(ctx: Context, *, kind: ReviewKind, title: str, published_on: dt.date | str,
                  pseudonym: str | None = None,
                  publication_form: PublicationForm = PublicationForm.FULL,
                  publication_note: str | None = None, summary: str | None = None,
                  themes: list[str] = (), report_url: str | None = None,
                  authors: list[str] = (), publisher: str | None = None,
                  co_publisher: str | None = None) -> Review:
    """Enter a review published before the platform, for the record (no clocks).

    Its date is as precise as it is known (a day, a month, a year, or "before" a year): see
    :mod:`cspr.reviews.dates`; nothing that is not known is made up.
    """
    kind = _kind(ctx, kind, tuple(ReviewKind))
    held = ctx.policy.kind(kind.value)  # its frameworks and co-publisher, as publishing stamps them
    c = Checker(ctx)
    c.require("title", (title or "").strip(), "Enter the title of the review")
    try:
        when = publication_dates.parse(published_on, ctx.today)
    except ValueError as exc:
        raise InputError({"published_on": f"Date of publication: {exc}"}) from None
    if when.precision == publication_dates.DatePrecision.DAY:
        c.date("published_on", when.on, Anchor.PUBLISHED)
    else:  # the period it was published in has begun
        start = when.on.replace(day=1) if when.precision == "month" else when.on.replace(month=1, day=1)
        c.check("published_on", start <= ctx.today, "Date of publication must be in the past")
    _check_publication(c, ctx, PublicationForm(publication_form), publication_note, themes)
    c.done()
    review = Review(kind=kind, title=title.strip(), pseudonym=pseudonym, legacy=True,
                    stage="published", published_on=when.on,
                    published_precision=None if when.precision == "day" else when.precision,
                    publication_form=PublicationForm(publication_form),
                    publication_note=publication_note, summary=summary, themes=list(themes),
                    report_url=report_url, authors=[a.strip() for a in authors if a.strip()],
                    publisher=(publisher or "").strip() or held["publication"]["publisher"],
                    co_publisher=(co_publisher or "").strip() or held["publication"]["co_publisher"],
                    frameworks=list(held["frameworks"]))
    ctx.session.add(review)
    ctx.session.flush()
    ctx.audit("review.legacy_recorded", review, kind=kind, published=when.iso(), report_url=report_url)
    return review


def agree_terms(ctx: Context, review: Review, *, agreed_on: dt.date) -> Review:
    """The terms of reference are agreed."""
    _open(review)
    c = Checker(ctx)
    c.date("agreed_on", agreed_on, Anchor.TERMS_OF_REFERENCE)
    c.not_before("agreed_on", agreed_on, review.decided_on, "the decision to hold the review")
    c.done()
    review.terms_of_reference_on = agreed_on
    ctx.audit("review.terms_agreed", review, agreed_on=agreed_on)
    return _after(ctx, review, "terms")


def commission_reviewer(ctx: Context, review: Review, *, commissioned_on: dt.date,
                        reviewer_name: str, reviewer_user_id: int | None = None) -> Review:
    """The independent reviewer is commissioned (and, if they have an account, assigned)."""
    _open(review)
    c = Checker(ctx)
    c.require("reviewer_name", (reviewer_name or "").strip(), "Enter the reviewer's name")
    c.date("commissioned_on", commissioned_on, Anchor.REVIEWER_COMMISSIONED)
    c.not_before("commissioned_on", commissioned_on, review.decided_on,
                 "the decision to hold the review")
    if reviewer_user_id is not None:
        member = ctx.session.scalar(select(Membership).where(Membership.user_id == reviewer_user_id))
        c.check("reviewer_user_id", member is not None and member.role == Role.REVIEWER,
                "must be a member of this partnership with the reviewer role")
    c.done()
    review.reviewer_commissioned_on = commissioned_on
    review.reviewer_name = reviewer_name.strip()
    review.reviewer_id = reviewer_user_id
    ctx.audit("review.reviewer_commissioned", review, commissioned_on=commissioned_on,
              reviewer_user_id=reviewer_user_id)
    return _after(ctx, review, "reviewer")


def receive_draft(ctx: Context, review: Review, *, received_on: dt.date,
                  note: str | None = None) -> Draft:
    """A draft report arrives from the reviewer."""
    _open(review)
    if review.reviewer_commissioned_on is None:
        raise StepError("Commission the reviewer first.")
    if review.final_report_agreed_on is not None:
        raise StepError("The final report is already agreed.")
    c = Checker(ctx)
    c.date("received_on", received_on, "draft")
    c.not_before("received_on", received_on, review.reviewer_commissioned_on,
                 "the reviewer's commissioning")
    if review.drafts:
        c.not_before("received_on", received_on, review.drafts[-1].received_on, "the last draft")
    c.done()
    draft = Draft(review_id=review.id, version=len(review.drafts) + 1, received_on=received_on,
                  note=(note or "").strip() or None)
    ctx.session.add(draft)
    review.drafts.append(draft)
    ctx.session.flush()
    ctx.audit("review.draft_received", review, version=draft.version, received_on=received_on)
    _after(ctx, review, "draft")
    return draft


#: The kinds of safeguarding partner named in law (Children Act 2004 s.16E): all three must agree.
STATUTORY_TYPES = ("local_authority", "health", "police")


def statutory_partners(ctx: Context) -> dict[str, str]:
    """The partnership's statutory safeguarding partners: agency key to name."""
    return {a["key"]: a["name"] for a in ctx.policy.partners["safeguarding_partners"]
            if a["type"] in STATUTORY_TYPES}


def must_all_agree(ctx: Context, agreed_by: list[str]) -> list[str]:
    """The names of the statutory partners not among ``agreed_by`` (empty: all three agree)."""
    return [name for key, name in statutory_partners(ctx).items() if key not in agreed_by]


def agree_final_report(ctx: Context, review: Review, *, agreed_on: dt.date,
                       agreed_by: list[str]) -> Review:
    """The three safeguarding partners agree the final report."""
    _open(review)
    missing = [step for step, done in (("agree the terms of reference", review.terms_of_reference_on),
                                       ("commission the reviewer", review.reviewer_commissioned_on))
               if not done]
    if missing:
        raise StepError(f"First {' and '.join(missing)}.")
    partners = {a["key"]: a for a in ctx.policy.partners["safeguarding_partners"]}
    c = Checker(ctx)
    c.date("agreed_on", agreed_on, Anchor.FINAL_REPORT_AGREED)
    c.not_before("agreed_on", agreed_on, review.reviewer_commissioned_on, "the reviewer's commissioning")
    if review.drafts:
        c.not_before("agreed_on", agreed_on, review.drafts[-1].received_on, "the last draft")
    unknown = [k for k in agreed_by if k not in partners]
    c.check("agreed_by", not unknown, f"not safeguarding partners here: {', '.join(unknown)}")
    absent = must_all_agree(ctx, agreed_by)
    c.check("agreed_by", not absent, f"all three partners must agree; missing {', '.join(absent)}")
    c.done()
    review.final_report_agreed_on = agreed_on
    review.final_report_agreed_by = sorted(set(agreed_by))
    ctx.audit("review.final_agreed", review, agreed_on=agreed_on, agreed_by=sorted(set(agreed_by)))
    return _after(ctx, review, "final")


#: The reasons for a delay past the publication target, as people read them.
DELAY_REASONS = {
    DelayReason.PARALLEL_PROCEEDINGS: "Parallel proceedings (criminal, family, an inquest)",
    DelayReason.FAMILY_INVOLVEMENT: "Family involvement",
    DelayReason.AUTHOR_AVAILABILITY: "Author availability",
    DelayReason.AGENCY_RETURNS: "Agency returns",
    DelayReason.OTHER: "Other",
}


def publication_target(ctx: Context, review: Review) -> dt.date | None:
    """The date the review should be published by (6 months from the decision, or stricter).

    None where no publication target applies (a review the law does not require published).
    """
    rule = ctx.policy.deadline_rules.get("publication")
    anchor = case_facts(None, review).get(rule["anchor"]) if rule else None
    if anchor is None or review.kind not in deadlines.PUBLISHED_BY_LAW or review.legacy:
        return None
    return deadlines.due_date(rule, anchor, ctx.calendar)


def plan_publication(ctx: Context, review: Review, *, planned_on: dt.date,
                     reason: str | None = None, delay_reason: DelayReason | str | None = None,
                     delay_detail: str | None = None) -> Review:
    """Set (or move) the planned publication date; the report-to-Panel date follows from it.

    A date past the publication target needs the reason for the delay, from the list
    (``DELAY_REASONS``), with words of its own for "other"; it is stored for the figures.
    """
    _open(review)
    c = Checker(ctx)
    c.require("planned_on", planned_on, "Enter the planned publication date")
    c.date("planned_on", planned_on, Anchor.PLANNED_PUBLICATION)
    c.not_before("planned_on", planned_on, review.decided_on, "the decision to hold the review")
    detail = (delay_detail or "").strip() or None
    try:
        delay = DelayReason(delay_reason) if delay_reason else None
    except ValueError:
        delay = None
        c.check("delay_reason", False, "Select the reason for the delay from the list")
    target = publication_target(ctx, review)
    late = target is not None and planned_on is not None and planned_on > target
    if late:
        c.require("delay_reason", delay,
                  f"Select the reason for the delay: the planned publication date is after the "
                  f"target of {target:%-d %B %Y}")
        if delay == DelayReason.OTHER:
            c.require("delay_detail", detail, "Enter what is delaying the publication")
    c.check("delay_detail", detail is None or len(detail) <= 2000,
            "The details of the delay must be 2000 characters or fewer")
    if (review.sent_to_panel_on is not None and planned_on is not None
            and _countable(c, "planned_on", planned_on)):
        earliest = deadlines.earliest_publication(review.sent_to_panel_on, _gap(ctx))
        c.check("planned_on", deadlines.report_in_time(review.sent_to_panel_on, planned_on, _gap(ctx)),
                f"the report went to the Panel on {review.sent_to_panel_on:%-d %B %Y}; "
                f"publish on or after {earliest:%-d %B %Y}")
    c.done()
    was = review.planned_publication_on
    review.planned_publication_on = planned_on
    review.publication_delay_reason = delay if late else None
    review.publication_delay_detail = detail if late else None
    ctx.audit("review.publication_planned", review, planned_on=planned_on, was=was, reason=reason,
              target=target, delay_reason=review.publication_delay_reason,
              delay_detail=review.publication_delay_detail)
    return _after(ctx, review, "plan", reason)


def _countable(c: Checker, field: str, day: dt.date) -> bool:
    """The working-day calendar can count to ``day`` (else a field error, not a server error)."""
    ok = FIRST_YEAR <= day.year <= LAST_YEAR
    c.check(field, ok, f"must be between {FIRST_YEAR} and {LAST_YEAR}: the working-day calendar knows "
                       "the bank holidays of those years only")
    return ok


def _gap(ctx: Context) -> int:
    return ctx.policy.deadline_rules["report_to_panel"]["period"]


def send_report(ctx: Context, review: Review, *, sent_on: dt.date) -> Review:
    """The final report goes to the Panel and the Secretary of State."""
    _open(review)
    if review.final_report_agreed_on is None:
        raise StepError("The partners must agree the final report first.")
    if review.planned_publication_on is None:
        raise StepError("Plan the publication date first: the report must go at least "
                        f"{_gap(ctx)} working days before it.")
    c = Checker(ctx)
    c.date("sent_on", sent_on, Anchor.REPORT_SENT)
    c.not_before("sent_on", sent_on, review.final_report_agreed_on, "the final report's agreement")
    c.done()
    review.sent_to_panel_on = sent_on
    ctx.audit("review.report_sent", review, sent_on=sent_on)
    return _after(ctx, review, "sent")


def _check_publication(c: Checker, ctx: Context, form: PublicationForm, note: str | None,
                       themes: list[str] | tuple[str, ...]) -> None:
    if form == PublicationForm.NSPCC:
        c.require("publication_note", (note or "").strip(),
                  "say why the report is too sensitive to publish here (it is kept with the record, "
                  "not shown on the page)")
    elif form != PublicationForm.FULL:
        c.require("publication_note", (note or "").strip(),
                  "say why only a summary or a redacted version is published")
    unknown = [t for t in themes if t not in ctx.policy.themes]
    c.check("themes", not unknown, f"not in the themes vocabulary: {', '.join(unknown)}")


def archive(ctx: Context, review: Review, *, archived_on: dt.date,
            outcome: ArchiveOutcome | None = None) -> Review:
    """Take a published review off the public page, as the partnership's archive rule says."""
    if review.published_on is None:
        raise StepError("Only a published review can be archived.")
    if review.archived_on is not None:
        raise StepError("The review is already archived.")
    rule = ctx.policy.archive_rule_for(review.kind.value, review.legacy)
    outcome = ArchiveOutcome(outcome or {"keep": "kept"}.get(rule["then"], rule["then"]))
    earliest = add_months(review.published_on, rule["public_months"])
    c = Checker(ctx)
    c.date("archived_on", archived_on, Anchor.ARCHIVED)
    c.not_before("archived_on", archived_on, review.published_on, "the publication")
    if outcome != ArchiveOutcome.KEPT:
        c.check("archived_on", archived_on >= earliest,
                f"published {review.published_as_known}, it must stay public until "
                f"{earliest:%-d %B %Y} ({rule['public_months']} months)")
    c.done()
    review.archived_on = archived_on
    review.archive_outcome = outcome
    ctx.audit("review.archived", review, archived_on=archived_on, outcome=outcome)
    return _after(ctx, review, "archived")


def correct_decision_date(ctx: Context, review: Review, *, decided_on: dt.date, reason: str) -> Review:
    """Correct the date of the decision to hold the review; the 6-month clock follows."""
    _open(review)
    if not reason or not reason.strip():
        raise InputError({"reason": "say why the record is being corrected"})
    c = Checker(ctx)
    c.date("decided_on", decided_on, Anchor.DECISION)
    for name, value in (("terms of reference", review.terms_of_reference_on),
                        ("reviewer's commissioning", review.reviewer_commissioned_on)):
        if value is not None:
            c.check("decided_on", decided_on <= value, f"must be on or before the {name}")
    c.done()
    was, review.decided_on = review.decided_on, decided_on
    ctx.audit("review.corrected", review, field="decided_on", was=was, now=decided_on, reason=reason)
    return _after(ctx, review, "correct", reason.strip())


def reviews_for(ctx: Context):  # noqa: ANN201
    """The reviews this context may see: all of them, a reviewer's own, or a scrutineer's published ones."""
    query = select(Review)
    if ctx.role == Role.REVIEWER:
        query = query.where(Review.reviewer_id == ctx.user_id)
    elif ctx.role == Role.SCRUTINEER:
        query = query.where(Review.published_on.is_not(None))
    return query


def visible(ctx: Context, review: Review) -> Review:
    """The review if this context may see it, else NotFound."""
    if ctx.role == Role.REVIEWER and review.reviewer_id != ctx.user_id:
        raise NotFound(f"no review {review.id}")
    if ctx.role == Role.SCRUTINEER and review.published_on is None:
        raise NotFound(f"no review {review.id}")
    return review


__all__ = ["DELAY_REASONS", "ORDER", "agree_final_report", "agree_terms", "archive",
           "commission_reviewer", "correct_decision_date", "get", "must_all_agree", "plan_publication",
           "publication_target", "receive_draft", "record_legacy", "reviews_for",
           "send_report", "stage_of", "start", "statutory_partners", "visible"]
