"""What a case takes: the incident and its correction, the Panel notification, the rapid review."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, missing, validate

from cspr.cases.models import (
    AbuseKind,
    AgeBand,
    ChildStatus,
    Disability,
    Ethnicity,
    Harm,
    PanelResponse,
    PoliceInvestigation,
    RapidReviewDecision,
    Sex,
)
from cspr.services.inputs import area, choice, date, each_once, flag, many, one_of, reason, text

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


SEX_LABELS = {"female": "Female", "male": "Male", "not_known": "Not known"}
#: The GOV.UK list of ethnic groups, each under its heading.
ETHNICITY_LABELS = {
    "white_british": "White: English, Welsh, Scottish, Northern Irish or British",
    "white_irish": "White: Irish",
    "white_gypsy_traveller": "White: Gypsy or Irish Traveller",
    "white_roma": "White: Roma",
    "white_other": "White: any other White background",
    "mixed_white_black_caribbean": "Mixed or multiple ethnic groups: White and Black Caribbean",
    "mixed_white_black_african": "Mixed or multiple ethnic groups: White and Black African",
    "mixed_white_asian": "Mixed or multiple ethnic groups: White and Asian",
    "mixed_other": "Mixed or multiple ethnic groups: any other Mixed or multiple ethnic background",
    "asian_indian": "Asian or Asian British: Indian",
    "asian_pakistani": "Asian or Asian British: Pakistani",
    "asian_bangladeshi": "Asian or Asian British: Bangladeshi",
    "asian_chinese": "Asian or Asian British: Chinese",
    "asian_other": "Asian or Asian British: any other Asian background",
    "black_african": "Black, Black British, Caribbean or African: African",
    "black_caribbean": "Black, Black British, Caribbean or African: Caribbean",
    "black_other": "Black, Black British, Caribbean or African: any other Black, Black British or "
                   "Caribbean background",
    "other_arab": "Other ethnic group: Arab",
    "other_any": "Other ethnic group: any other ethnic group",
    "not_known": "Not known",
}
DISABILITY_LABELS = {"yes": "Yes", "no": "No", "not_known": "Not known"}
STATUS_LABELS = {"child_protection_plan": "Subject to a child protection plan",
                 "child_in_need": "A child in need", "looked_after": "Looked after",
                 "care_leaver": "A care leaver"}
ABUSE_LABELS = {"physical": "Physical abuse", "emotional": "Emotional abuse", "sexual": "Sexual abuse",
                "neglect": "Neglect", "sexual_exploitation": "Child sexual exploitation",
                "criminal_exploitation": "Child criminal exploitation"}
POLICE_LABELS = {"yes": "Yes", "no": "No", "not_known": "Not known yet"}


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
                meta={"description": "The day the local authority became aware."}, **kw)


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


def agencies(ctx: Any) -> list[tuple[str, str]]:
    """The partnership's safeguarding partners and relevant agencies."""
    return [(a["key"], a["name"]) for a in ctx.policy.agencies]


def _values(cls: type, label: str, labels: dict[str, str], keep: bool = False, **kw: Any) -> fields.List:
    """Several values of an enum, as checkboxes, each once (left out: none, or with ``keep`` unchanged)."""
    field = many(label, item=fields.Enum(cls, by_value=True), validate=each_once,
                 meta={"choices": labels, "uniqueItems": True}, **kw)
    if keep:
        field.load_default = missing
    return field


def _child_fields(required: bool) -> dict[str, fields.Field]:
    keep = {} if required else KEEP
    return {
        "pseudonym": _pseudonym(required=required, min_length=1, **keep),
        "sex": choice(Sex, "Sex", labels=SEX_LABELS, required=required, message="Select the child's sex",
                      **keep),
        "age_band": _age_band(required=required, **keep),
        "ethnicity": choice(Ethnicity, "Ethnicity", labels=ETHNICITY_LABELS, required=required,
                            widget="select", message="Select the child's ethnic group",
                            hint="The GOV.UK list of ethnic groups.", **keep),
        "disability": choice(Disability, "Does the child have a disability?", labels=DISABILITY_LABELS,
                             required=required, message="Select whether the child has a disability",
                             **keep),
        "harm": _harm(required=required, **keep),
        "statuses": _values(ChildStatus, "Status at the time of the incident", STATUS_LABELS,
                            hint="Select all that apply.", keep=not required),
        "abuse": _values(AbuseKind, "Abuse or neglect known or suspected", ABUSE_LABELS,
                         hint="Select all that apply.", keep=not required),
    }


#: A child the incident concerns, as the Panel's form asks (never a name, address or date of birth).
ChildIn = Schema.from_dict(_child_fields(required=True), name="ChildIn")
ChildIn.__doc__ = "A child the incident concerns, pseudonymous: there is no field for a name."
#: What changes about a child (only the fields named).
ChildChange = Schema.from_dict(_child_fields(required=False), name="ChildChange")
ChildChange.__doc__ = "What changes about a child the incident concerns."


class IncidentDetailsIn(Schema):
    """The incident's details the Panel's form asks for: the agencies involved and the police."""

    agencies_involved = many("Agencies involved", item=fields.String(metadata=one_of("agencies")),
                             validate=each_once,
                             meta={"choices": agencies, "uniqueItems": True,
                                   "description": "Keys of the partnership's agencies, each once."})
    police_investigating = choice(PoliceInvestigation, "Are the police investigating?",
                                  labels=POLICE_LABELS, message="Select whether the police are investigating")


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
    themes = many("Learning themes of the case", item=fields.String(metadata=one_of("themes")),
                  hint="The decision page shows the earlier reviews that share them, here and nationally.",
                  meta={"choices": lambda c: [(t, t) for t in c.policy.themes]})


class DecisionIn(Schema):
    """The partners' decision, sent to the Panel with the rapid review."""

    decision = choice(RapidReviewDecision, "The partners' decision", labels=DECISION_LABELS,
                      message="Select the decision", meta=one_of("decisions"))
    sent_to_panel_on = date("rapid_review_sent")
    rationale = area("Why the partners decided this")
    immediate_actions = area("Immediate actions taken",
                             hint="What the agencies did straight away to keep children safe")
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
