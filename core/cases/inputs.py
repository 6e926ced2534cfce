"""What a case takes: the incident and its correction, the Panel notification, the rapid review."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, missing, validate

from cspr.cases.models import AgeBand, Harm, PanelResponse, RapidReviewDecision
from cspr.services.inputs import area, choice, date, flag, one_of, reason, text

AGE_LABELS = {"under_1": "Under 1", "1_4": "1 to 4", "5_9": "5 to 9", "10_15": "10 to 15",
              "16_17": "16 or 17", "18_24": "18 to 24 (care leaver)"}
HARM_LABELS = {"death": "The child died", "serious_harm": "The child was seriously harmed"}
DECISION_LABELS = {
    "local_cspr": "Hold a local child safeguarding practice review",
    "recommend_national": "Recommend a national review to the Panel",
    "no_review": "No review: the learning is addressed in other ways",
    "local_learning": "Hold another local learning review",
}
RESPONSE_LABELS = {"national_review": "The Panel will hold a national review",
                   "agrees": "The Panel agrees with the local decision",
                   "disagrees": "The Panel takes a different view"}


def areas(ctx: Any) -> list[tuple[str, str]]:
    """The partnership's local authority areas, for a select."""
    return [("", "Select an area")] + [(a, a) for a in ctx.policy.identity["areas"]]


KEEP = {"load_default": missing}  # a correction changes only what it names

# The incident's facts, declared once: recording takes them all, a correction any of them.
def _pseudonym(required: bool = True, **kw: Any) -> fields.String:
    return text("Pseudonym", max_length=100, required=required, meta={"example": "Child K"}, **kw,
                hint='How the child is known in the review, like "Child K". Never a real name.')


def _la_case_reference(required: bool = True, **kw: Any) -> fields.String:
    return text("Local authority case reference", max_length=64, required=required, **kw)


def _la_area(required: bool = True, **kw: Any) -> fields.String:
    return text("Local authority area", max_length=100, required=required, widget="select",
                message="Select the local authority area", meta={**one_of("areas"), "choices": areas}, **kw)


def _age_band(required: bool = True, **kw: Any) -> fields.Enum:
    return choice(AgeBand, "Age band", labels=AGE_LABELS, required=required, **kw)


def _harm(required: bool = True, **kw: Any) -> fields.Enum:
    return choice(Harm, "What happened", labels=HARM_LABELS, required=required,
                  message="Select what happened", **kw)


def _aware_on(required: bool = True, **kw: Any) -> fields.Date:
    return date("aware", required=required, hint="The 5 working days to notify the Panel count from here.",
                meta={"description": "The LA became aware."}, **kw)


class IncidentIn(Schema):
    """A serious incident to record. There is no field for a child's name: use a pseudonym."""

    pseudonym = _pseudonym()
    la_case_reference = _la_case_reference()
    la_area = _la_area()
    age_band = _age_band()
    harm = _harm()
    looked_after = flag("The child was looked after")
    care_leaver = flag("A care leaver (18 to 24)")
    incident_on = date("incident")
    aware_on = _aware_on()


class IncidentCorrection(Schema):
    """Corrected facts of an incident, with the reason."""

    pseudonym = _pseudonym(required=False, min_length=1, **KEEP)
    la_case_reference = _la_case_reference(required=False, min_length=1, **KEEP)
    la_area = _la_area(required=False, min_length=1, **KEEP)
    age_band = _age_band(required=False, **KEEP)
    harm = _harm(required=False, **KEEP)
    looked_after = flag("The child was looked after", **KEEP)
    care_leaver = flag("A care leaver (18 to 24)", **KEEP)
    incident_on = date("incident", required=False, **KEEP)
    aware_on = _aware_on(required=False, **KEEP)
    reason = reason()


def _panel_reference(**kw: Any) -> fields.String:
    return text("Panel reference", max_length=64, required=False, **kw)


def _ofsted_sos_notified_on(**kw: Any) -> fields.Date:
    return date("ofsted_sos_notified", required=False, hint="Only for the death of a looked-after child.",
                **kw)


class NotificationIn(Schema):
    """The notification to the Panel."""

    sent_on = date("notification")
    panel_reference = _panel_reference()
    ofsted_sos_notified_on = _ofsted_sos_notified_on()
    partners_told_on = date("partners_told", required=False)


class NotificationCorrection(Schema):
    """Corrected notification details, with the reason."""

    sent_on = date("notification", required=False, **KEEP)
    panel_reference = _panel_reference(**KEEP)
    ofsted_sos_notified_on = _ofsted_sos_notified_on(allow_none=True, **KEEP)
    partners_told_on = date("partners_told", required=False, allow_none=True, **KEEP)
    reason = reason()


class MeetingIn(Schema):
    """When the rapid review started and met."""

    started_on = date("rapid_review_started", required=False)
    meeting_on = date("rapid_review_meeting", required=False)


class DecisionIn(Schema):
    """The partners' decision, sent to the Panel with the rapid review."""

    decision = choice(RapidReviewDecision, "The partners' decision", labels=DECISION_LABELS,
                      message="Select the decision", meta=one_of("decisions"))
    sent_to_panel_on = date("rapid_review_sent")
    rationale = area("Why the partners decided this")
    meeting_on = date("rapid_review_meeting", required=False)
    review_title = text("Title of the review", max_length=200, required=False,
                        hint="If a review starts. Leave blank to use the pseudonym.")


class PanelResponseIn(Schema):
    """The Panel's response to the rapid review."""

    response = choice(PanelResponse, "The Panel's response", labels=RESPONSE_LABELS,
                      message="Select the response")
    received_on = date("panel_response")
    notes = area("Notes")


class IncidentQuery(Schema):
    """Filters for the incident list."""

    stage = fields.String(validate=validate.OneOf(("recorded", "notified", "decided", "panel_responded")))
