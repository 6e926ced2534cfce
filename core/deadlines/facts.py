"""The dated facts of a case: what the deadline rules count from and what meets them."""

from __future__ import annotations

import datetime as dt

from cspr.cases.models import Incident
from cspr.reviews.models import Review

INCIDENT_FACTS = frozenset({
    "incident", "aware", "notification", "ofsted_sos_notified", "rapid_review_sent",
    "panel_response",
})


def linked(incident: Incident | None, review: Review | None) -> tuple[Incident | None, Review | None]:
    """The incident and its local review, given either."""
    if review is not None and incident is None:
        incident = review.incident
    if incident is not None and review is None:
        reviews = [r for r in incident.reviews if not r.legacy]
        review = reviews[0] if reviews else None
    return incident, review


def case_facts(incident: Incident | None, review: Review | None) -> dict[str, dt.date | None]:
    """Every date of the case by its name in the rules (None where it has not happened)."""
    facts: dict[str, dt.date | None] = {}
    if incident is not None:
        notification = incident.notification
        rapid = incident.rapid_review
        facts.update(
            incident=incident.incident_on,
            aware=incident.aware_on,
            notification=notification.sent_on if notification else None,
            ofsted_sos_notified=notification.ofsted_sos_notified_on if notification else None,
            rapid_review_sent=rapid.sent_to_panel_on if rapid else None,
            panel_response=rapid.panel_response_on if rapid else None,
        )
    if review is not None:
        drafts = [d.received_on for d in review.drafts]
        facts.update(
            decision=review.decided_on,
            terms_of_reference=review.terms_of_reference_on,
            reviewer_commissioned=review.reviewer_commissioned_on,
            first_draft=min(drafts) if drafts else None,
            final_report_agreed=review.final_report_agreed_on,
            report_sent=review.sent_to_panel_on,
            planned_publication=review.planned_publication_on,
            published=review.published_on,
            archived=review.archived_on,
        )
    return facts
