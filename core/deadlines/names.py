"""The names of the dated facts the deadline rules count from and are met by, in one place."""

from __future__ import annotations

from enum import StrEnum


class Side(StrEnum):
    """Whose fact a date is: the incident's (one per case) or a review's (one per review)."""

    INCIDENT = "incident"
    REVIEW = "review"


class Anchor(StrEnum):
    """A date a deadline can count from: every :class:`Fact`, and three dates that meet none.

    The values are the strings plugins write in their rules (``"anchor": "aware"``).
    """

    INCIDENT = "incident"
    AWARE = "aware"
    NOTIFICATION = "notification"
    OFSTED_SOS_NOTIFIED = "ofsted_sos_notified"
    RAPID_REVIEW_SENT = "rapid_review_sent"
    PANEL_RESPONSE = "panel_response"
    DECISION = "decision"
    TERMS_OF_REFERENCE = "terms_of_reference"
    REVIEWER_COMMISSIONED = "reviewer_commissioned"
    FIRST_DRAFT = "first_draft"
    FINAL_REPORT_AGREED = "final_report_agreed"
    REPORT_SENT = "report_sent"
    PLANNED_PUBLICATION = "planned_publication"
    PUBLISHED = "published"
    ARCHIVED = "archived"

    @property
    def side(self) -> Side:
        """The incident's fact, or each review's own."""
        return Side.INCIDENT if self in INCIDENT_ANCHORS else Side.REVIEW


class Fact(StrEnum):
    """An event of a case that meets a deadline (``"met_by"``); each can also be counted from."""

    NOTIFICATION = Anchor.NOTIFICATION.value
    OFSTED_SOS_NOTIFIED = Anchor.OFSTED_SOS_NOTIFIED.value
    RAPID_REVIEW_SENT = Anchor.RAPID_REVIEW_SENT.value
    PANEL_RESPONSE = Anchor.PANEL_RESPONSE.value
    DECISION = Anchor.DECISION.value
    TERMS_OF_REFERENCE = Anchor.TERMS_OF_REFERENCE.value
    REVIEWER_COMMISSIONED = Anchor.REVIEWER_COMMISSIONED.value
    FIRST_DRAFT = Anchor.FIRST_DRAFT.value
    FINAL_REPORT_AGREED = Anchor.FINAL_REPORT_AGREED.value
    REPORT_SENT = Anchor.REPORT_SENT.value
    PUBLISHED = Anchor.PUBLISHED.value
    ARCHIVED = Anchor.ARCHIVED.value

    @property
    def side(self) -> Side:
        """The incident's fact, or each review's own."""
        return Anchor(self).side


#: The incident's own dates (the notification and the rapid review belong to the incident);
#: every other anchor is a date of each review.
INCIDENT_ANCHORS = frozenset({
    Anchor.INCIDENT, Anchor.AWARE, Anchor.NOTIFICATION, Anchor.OFSTED_SOS_NOTIFIED,
    Anchor.RAPID_REVIEW_SENT, Anchor.PANEL_RESPONSE,
})

#: The names as plugins write them, for checking a rule before it is loaded.
ANCHOR_NAMES = frozenset(a.value for a in Anchor)
FACT_NAMES = frozenset(f.value for f in Fact)
