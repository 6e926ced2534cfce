"""Step 3: the rapid review, the partners' decision, and step 4: the Panel's response."""

from __future__ import annotations

import datetime as dt

from cspr.cases.models import Incident, PanelResponse, RapidReview, RapidReviewDecision
from cspr.deadlines import services as deadlines
from cspr.deadlines.names import Anchor
from cspr.reviews.inputs import KIND_LABELS
from cspr.reviews.models import Review, ReviewKind
from cspr.services.checks import Checker
from cspr.services.context import Context
from cspr.services.errors import StepError

#: The review a decision starts, if any.
STARTS = {
    RapidReviewDecision.LOCAL_CSPR: ReviewKind.LOCAL_CSPR,
    RapidReviewDecision.LOCAL_LEARNING: ReviewKind.LOCAL_LEARNING,
}


def _rapid(ctx: Context, incident: Incident) -> RapidReview:
    if incident.notification is None:
        raise StepError("Record the Panel notification first.")
    if incident.care_leaver:
        raise StepError("A care leaver's death is notified, but no rapid review is held for it.")
    rapid = incident.rapid_review
    if rapid is None:
        rapid = RapidReview(incident_id=incident.id)
        ctx.session.add(rapid)
        incident.rapid_review = rapid
        ctx.session.flush()
    return rapid


def record_meeting(ctx: Context, incident: Incident, *, started_on: dt.date | None = None,
                   meeting_on: dt.date | None = None, themes: list[str] | None = None) -> RapidReview:
    """Record when the rapid review started and when the partners met."""
    rapid = _rapid(ctx, incident)
    if rapid.decision is not None:
        raise StepError("The rapid review's decision is already recorded.")
    c = Checker(ctx)
    c.check("meeting_on", bool(started_on or meeting_on or themes),
            "Enter the date of the rapid review meeting, the date the rapid review started, or the case's "
            "learning themes")  # an empty form records nothing: say so rather than accept it
    sent = incident.notification.sent_on
    for name, value, fact in (("started_on", started_on, "rapid_review_started"),
                              ("meeting_on", meeting_on, "rapid_review_meeting")):
        c.date(name, value, fact)
        c.not_before(name, value, incident.aware_on, "the date the local authority became aware")
    c.not_before("meeting_on", meeting_on, started_on, "the start of the rapid review")
    unknown = [t for t in themes or [] if t not in ctx.policy.themes]
    c.check("themes", not unknown,
            f"Select the themes from the partnership's list; not on it: {', '.join(unknown)}")
    c.done()
    rapid.started_on = started_on or rapid.started_on
    rapid.meeting_on = meeting_on or rapid.meeting_on
    if themes:  # none ticked: the themes recorded before stay
        rapid.themes = list(dict.fromkeys(themes))
    ctx.audit("rapid_review.meeting", rapid, incident=incident.reference, notified_on=sent,
              started_on=rapid.started_on, meeting_on=rapid.meeting_on, themes=rapid.themes)
    return rapid


def decide(ctx: Context, incident: Incident, *, decision: RapidReviewDecision,
           sent_to_panel_on: dt.date, rationale: str | None = None, immediate_actions: str | None = None,
           meeting_on: dt.date | None = None, review_title: str | None = None) -> RapidReview:
    """The partners' decision, sent to the Panel with the rapid review: the 15-day clock stops.

    A decision to hold a local CSPR or another local learning review starts that review,
    with the decision's date as the date of the decision to hold it.
    """
    rapid = _rapid(ctx, incident)
    if rapid.decision is not None:
        raise StepError("The rapid review's decision is already recorded.")
    decision = RapidReviewDecision(decision)
    c = Checker(ctx)
    c.require("sent_to_panel_on", sent_to_panel_on, "Enter the date the rapid review was sent to the Panel")
    c.date("sent_to_panel_on", sent_to_panel_on, Anchor.RAPID_REVIEW_SENT)
    c.not_before("sent_to_panel_on", sent_to_panel_on, incident.notification.sent_on,
                 "the notification to the Panel")
    c.date("meeting_on", meeting_on, "rapid_review_meeting")
    c.not_before("meeting_on", meeting_on, incident.aware_on, "the date the local authority became aware")
    c.not_before("sent_to_panel_on", sent_to_panel_on, meeting_on or rapid.meeting_on,
                 "the rapid review meeting")
    kind = STARTS.get(decision)
    if kind is not None:
        held = KIND_LABELS.get(kind.value, "review of this kind").lower()
        c.check("decision", kind.value in ctx.policy.review_kinds, f"This partnership does not hold a {held}")
    c.done()
    rapid.decision = decision
    rapid.rationale = (rationale or "").strip() or None
    rapid.immediate_actions = (immediate_actions or "").strip() or None
    rapid.sent_to_panel_on = sent_to_panel_on
    rapid.meeting_on = meeting_on or rapid.meeting_on
    incident.stage = "decided"
    ctx.audit("rapid_review.decided", rapid, incident=incident.reference, decision=decision,
              sent_to_panel_on=sent_to_panel_on)
    if kind is not None:
        review = Review(
            kind=kind, title=(review_title or "").strip() or incident.pseudonym,
            pseudonym=incident.pseudonym, incident_id=incident.id, stage="decided",
            decided_on=sent_to_panel_on, themes=[],
        )
        ctx.session.add(review)
        ctx.session.flush()
        ctx.audit("review.started", review, kind=kind, decided_on=sent_to_panel_on,
                  incident=incident.reference)
        ctx.session.expire(incident, ["reviews"])
    deadlines.sync_case(ctx, incident=incident)
    return rapid


def record_panel_response(ctx: Context, incident: Incident, *, response: PanelResponse,
                          received_on: dt.date, notes: str | None = None) -> RapidReview:
    """The Panel's answer; a national review is recorded as a review the Panel holds."""
    rapid = incident.rapid_review
    if rapid is None or rapid.sent_to_panel_on is None:
        raise StepError("Send the rapid review and the partners' decision to the Panel first.")
    if rapid.panel_response is not None:
        raise StepError("The Panel's response is already recorded.")
    response = PanelResponse(response)
    c = Checker(ctx)
    c.date("received_on", received_on, Anchor.PANEL_RESPONSE)
    c.not_before("received_on", received_on, rapid.sent_to_panel_on, "the rapid review went to the Panel")
    c.done()
    rapid.panel_response, rapid.panel_response_on = response, received_on
    rapid.panel_response_notes = (notes or "").strip() or None
    incident.stage = "panel_responded"
    ctx.audit("rapid_review.panel_response", rapid, incident=incident.reference, response=response)
    if response == PanelResponse.NATIONAL_REVIEW:
        review = Review(kind=ReviewKind.NATIONAL, title=f"National review: {incident.pseudonym}",
                        pseudonym=incident.pseudonym, incident_id=incident.id, stage="decided",
                        decided_on=received_on, themes=[])
        ctx.session.add(review)
        ctx.session.flush()
        ctx.audit("review.started", review, kind=ReviewKind.NATIONAL, by="the Panel")
        ctx.session.expire(incident, ["reviews"])
    deadlines.sync_case(ctx, incident=incident)
    return rapid
