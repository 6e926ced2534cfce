"""The dated facts of a case: what the deadline rules count from and what meets them.

An incident has its own facts (awareness, the notification, the rapid review) and may lead
to several reviews (a local CSPR and a national review, say), each with its own facts. A
review's deadlines count from, and are met by, its own facts and its incident's; an
incident's deadlines count from the incident's facts, and one met by a review's event is
met by the first review to reach it (with one review: that review's).
"""

from __future__ import annotations

import datetime as dt

from cspr.cases.models import Incident
from cspr.deadlines.names import Anchor, Side
from cspr.reviews.models import Review

Facts = dict[Anchor, dt.date | None]


def reviews_of(incident: Incident) -> list[Review]:
    """The incident's reviews that run clocks (legacy ones are kept for the record), oldest first."""
    return sorted((r for r in incident.reviews if not r.legacy), key=lambda r: r.id)


def linked(incident: Incident | None, review: Review | None) -> tuple[Incident | None, list[Review]]:
    """The incident and the reviews whose deadlines follow a change, given either.

    A change to a review touches that review alone; a change to the incident touches each
    of its reviews.
    """
    if review is not None:
        return (incident if incident is not None else review.incident), [review]
    return incident, reviews_of(incident) if incident is not None else []


def incident_facts(incident: Incident) -> Facts:
    """The incident's own dates, by their name in the rules (None where not yet happened)."""
    notification = incident.notification
    rapid = incident.rapid_review
    return {
        Anchor.INCIDENT: incident.incident_on,
        Anchor.AWARE: incident.aware_on,
        Anchor.NOTIFICATION: notification.sent_on if notification else None,
        Anchor.OFSTED_SOS_NOTIFIED: notification.ofsted_sos_notified_on if notification else None,
        Anchor.RAPID_REVIEW_SENT: rapid.sent_to_panel_on if rapid else None,
        Anchor.PANEL_RESPONSE: rapid.panel_response_on if rapid else None,
    }


def review_facts(review: Review) -> Facts:
    """One review's own dates, by their name in the rules."""
    drafts = [d.received_on for d in review.drafts]
    return {
        Anchor.DECISION: review.decided_on,
        Anchor.TERMS_OF_REFERENCE: review.terms_of_reference_on,
        Anchor.REVIEWER_COMMISSIONED: review.reviewer_commissioned_on,
        Anchor.FIRST_DRAFT: min(drafts) if drafts else None,
        Anchor.FINAL_REPORT_AGREED: review.final_report_agreed_on,
        Anchor.REPORT_SENT: review.sent_to_panel_on,
        Anchor.PLANNED_PUBLICATION: review.planned_publication_on,
        Anchor.PUBLISHED: review.published_on,
        Anchor.ARCHIVED: review.archived_on,
    }


def earliest(reviews: list[Review]) -> Facts:
    """Each review fact at the first review to reach it (the facts of one review: its own)."""
    found: Facts = {a: None for a in Anchor if a.side == Side.REVIEW}
    for review in reviews:
        for name, day in review_facts(review).items():
            if day is not None and (found[name] is None or day < found[name]):
                found[name] = day
    return found


def case_facts(incident: Incident | None, review: Review | None) -> Facts:
    """Every date a review's deadlines see: its incident's and its own (None where not yet)."""
    facts: Facts = {}
    if incident is not None:
        facts.update(incident_facts(incident))
    if review is not None:
        facts.update(review_facts(review))
    return facts


def incident_side_facts(incident: Incident, reviews: list[Review]) -> Facts:
    """Every date an incident's deadlines see: its own, and its reviews' at the earliest."""
    return {**incident_facts(incident), **earliest(reviews)}
