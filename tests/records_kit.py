"""A case built through the workflow from incident to archive, with its files, for retention and export."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from cspr.actions import services as actions
from cspr.archive import services as archive
from cspr.cases import incidents, notifications, rapid_reviews
from cspr.cases.models import Incident, PanelResponse, RapidReviewDecision
from cspr.publication.models import Briefing
from cspr.reviews import documents
from cspr.reviews import services as reviews
from cspr.reviews.models import Review
from cspr.services.context import Context
from tests.publish_kit import blank_pdf, publish

D = dt.date
ARCHIVED_ON = D(2027, 9, 20)  # 12 months and a few days after publication


pdf = blank_pdf  # a small, real PDF (distinct bytes per marker)


def archived_case(ctx: Context, documents_dir: Path, archive_dir: Path, pseudonym: str = "Child K") -> Review:
    """A local CSPR from the incident to its archive deposit: every table of a case gets rows.

    ``ctx.today`` must be on or after ARCHIVED_ON (steps refuse future dates).
    """
    incident = incidents.record(ctx, pseudonym=pseudonym, la_case_reference="LA-77", la_area=ctx.policy.identity["areas"][0],
                                age_band="1_4", harm="serious_harm", incident_on=D(2026, 3, 2),
                                aware_on=D(2026, 3, 3))
    notifications.record(ctx, incident, sent_on=D(2026, 3, 5), panel_reference="P-1")
    rapid_reviews.record_meeting(ctx, incident, started_on=D(2026, 3, 6), meeting_on=D(2026, 3, 18))
    rapid_reviews.decide(ctx, incident, decision=RapidReviewDecision.LOCAL_CSPR,
                         sent_to_panel_on=D(2026, 3, 20), rationale="Two agencies working together")
    rapid_reviews.record_panel_response(ctx, incident, response=PanelResponse.AGREES, received_on=D(2026, 4, 2))
    review = ctx.session.scalars(select(Review).where(Review.incident_id == incident.id)).one()
    reviews.agree_terms(ctx, review, agreed_on=D(2026, 4, 1))
    reviews.commission_reviewer(ctx, review, commissioned_on=D(2026, 4, 8), reviewer_name="A Reviewer")
    reviews.receive_draft(ctx, review, received_on=D(2026, 6, 1), note="first draft")
    documents.store(ctx, review, pdf(f"draft of {pseudonym}"), "draft.pdf", "draft", False, documents_dir)
    partners = [a["key"] for a in ctx.policy.partners["safeguarding_partners"]]
    reviews.agree_final_report(ctx, review, agreed_on=D(2026, 7, 1), agreed_by=partners)
    rec = actions.add_recommendation(ctx, review, text="Share information earlier", response="Agreed")
    actions.add_action(ctx, rec, description="Update the protocol", owner_agency=partners[0],
                       due_on=ctx.today + dt.timedelta(days=30))  # not before the day it is recorded
    reviews.plan_publication(ctx, review, planned_on=D(2026, 9, 14))
    reviews.send_report(ctx, review, sent_on=D(2026, 9, 4))
    publish(ctx, review, published_on=D(2026, 9, 15), themes=["Neglect"], summary="Learning",
            report=pdf(f"report of {pseudonym}"), documents_dir=documents_dir)
    ctx.session.add(Briefing(review_id=review.id, format_key="seven-minute", title=f"{pseudonym} briefing",
                             sections={"background": "The case in brief."}, published_on=D(2026, 9, 15)))
    ctx.session.flush()
    today = ctx.today
    ctx.today = ARCHIVED_ON
    try:
        archive.archive_one(ctx, review, ARCHIVED_ON, archive_dir, documents_dir)
    finally:
        ctx.today = today
    return review


def incident_of(ctx: Context, review: Review) -> Incident:
    """The review's incident."""
    return ctx.session.get(Incident, review.incident_id)
