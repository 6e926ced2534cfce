"""What a review takes: starting one (or entering a legacy one), each of its steps, corrections, filters."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from cspr.accounts.models import Membership, Role, User
from cspr.reviews.dates import HINT as PUBLISHED_HINT
from cspr.reviews.dates import PATTERN as PUBLISHED_PATTERN
from cspr.reviews.models import ArchiveOutcome, DelayReason, FamilyResponse, PublicationForm, ReviewKind
from cspr.reviews.services import DELAY_REASONS
from cspr.services.inputs import (
    MAX_ID,
    NOT_BLANK,
    area,
    choice,
    date,
    each_once,
    enum,
    many,
    one_of,
    reason,
    text,
)

KIND_LABELS = {"local_cspr": "Local child safeguarding practice review", "national": "National review",
               "local_learning": "Local learning review", "thematic": "Thematic review",
               "scr": "Serious case review", "joint_dhr": "Joint review with a domestic homicide review",
               "joint_sar": "Joint review with a safeguarding adults review"}
FORM_LABELS = {"full": "The full report", "summary": "A summary with the lessons",
               "redacted": "A redacted report or executive summary",
               "nspcc": "Published anonymously through the NSPCC (too sensitive to publish here)"}
ARCHIVE_LABELS = {"kept": "Kept on the platform, off the public page",
                  "nspcc": "Deposited with the NSPCC National Case Review Repository",
                  "on_request": "Filed: available on request"}


def startable_kinds(ctx: Any) -> list[tuple[str, str]]:
    """The kinds of review the partnership holds that can be started without an incident."""
    return [(k, KIND_LABELS[k]) for k in ctx.policy.review_kinds if k != "scr"]


def review_kinds(ctx: Any) -> list[tuple[str, str]]:
    """Every kind of review the partnership holds."""
    return [(k, KIND_LABELS[k]) for k in ctx.policy.review_kinds]


def themes(ctx: Any) -> list[tuple[str, str]]:
    """The partnership's learning themes."""
    return [(t, t) for t in ctx.policy.themes]


def partners(ctx: Any) -> list[tuple[str, str]]:
    """The partnership's safeguarding partners."""
    return [(a["key"], a["name"]) for a in ctx.policy.partners["safeguarding_partners"]]


def reviewers(ctx: Any) -> list[tuple[str, str]]:
    """The partnership's members with the reviewer role, for a select."""
    rows = ctx.session.execute(select(User.id, User.name).join(Membership, Membership.user_id == User.id)
                               .where(Membership.role == Role.REVIEWER).order_by(User.name)).all()
    return [("", "No account")] + [(str(i), n) for i, n in rows]


def kind(startable: bool) -> fields.Enum:
    """The kind of review (one the partnership holds)."""
    return choice(ReviewKind, "Kind of review", labels=startable_kinds if startable else review_kinds,
                  meta=one_of("startable_kinds" if startable else "review_kinds"))


def title() -> fields.String:
    """A review's title."""
    return text("Title", max_length=200, meta=NOT_BLANK)


def pseudonym() -> fields.String:
    """How the child is known in the review, if it is about one."""
    return text("Pseudonym", max_length=100, required=False)


def publication_form(label: str) -> fields.Enum:
    """What is (or was) published: the full report, a summary or a redacted version."""
    return choice(PublicationForm, label, labels=FORM_LABELS, required=False,
                  load_default=PublicationForm.FULL)


def publication_note() -> fields.String:
    """Why only a summary or a redacted version is published."""
    return area("Why only a summary or a redacted version")


def learning_themes() -> fields.List:
    """The review's learning themes, from the partnership's vocabulary."""
    return many("Learning themes", item=fields.String(metadata=one_of("themes")), meta={"choices": themes})


class ReviewIn(Schema):
    """A review that no incident led to (thematic, local learning, local CSPR)."""

    kind = kind(startable=True)
    title = title()
    pseudonym = pseudonym()
    decided_on = date("decision")


def published_as_known() -> fields.String:
    """A legacy review's publication date, as precise as it is known (never a made-up day)."""
    return text("Date of publication", max_length=16, widget="publication_date",
                hint="As precise as it is known: leave the day, or the day and month, empty when you do "
                     "not know them. Nothing is made up.",
                message="Enter the date of publication, or the month and year, or the year",
                meta={"pattern": PUBLISHED_PATTERN, "description": PUBLISHED_HINT})


def people(label: str, hint: str) -> fields.List:
    """Names of people or organisations, one a line (authors of a report)."""
    return fields.List(fields.String(validate=validate.Length(min=1, max=200)), load_default=list,
                       validate=validate.Length(max=10, error=f"Give at most 10 {label.lower()}"),
                       metadata={"label": label, "hint": hint, "widget": "textarea"})


#: A web address as the API's document declares it (and the one rule that checks it).
WEB_ADDRESS = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s]*)?$"


def link(label: str, hint: str) -> fields.String:
    """A web address (https or http) where something is published."""
    return fields.String(load_default=None, allow_none=True, validate=[
        validate.Length(max=500, error=f"{label} must be 500 characters or fewer"),
        validate.Regexp(WEB_ADDRESS, error=f"Enter {label.lower()} as a web address, like "
                                           "https://library.nspcc.org.uk/...")],
        metadata={"label": label, "hint": hint, "widget": "text", "pattern": WEB_ADDRESS})


class LegacyReviewIn(Schema):
    """A review published before the platform, entered for the record."""

    kind = kind(startable=False)
    title = title()
    pseudonym = pseudonym()
    published_on = published_as_known()
    publication_form = publication_form("What was published")
    publication_note = publication_note()
    summary = area("Summary")
    themes = learning_themes()
    report_url = link("Link to the report", "Where the report is published elsewhere: the NSPCC "
                      "repository or an old website.")
    authors = people("Authors", "The report's author or authors, one a line.")
    publisher = text("Publisher", required=False, max_length=200,
                     hint="Who published it, if not the partnership (for example the former board).")


class TermsIn(Schema):
    """The terms of reference are agreed."""

    agreed_on = date("terms_of_reference")


class ReviewerIn(Schema):
    """The independent reviewer is commissioned."""

    reviewer_name = text("Reviewer's name", max_length=200, meta=NOT_BLANK)
    reviewer_user_id = fields.Integer(
        load_default=None, validate=validate.Range(min=1, max=MAX_ID),
        error_messages={"invalid": "Select the reviewer's account from the list"},
        metadata={"description": "The reviewer's account, if they have one.", "label": "Reviewer's account",
                  "widget": "select", "hint": "Give them access to this review only.", "choices": reviewers})
    commissioned_on = date("reviewer_commissioned")


class DraftIn(Schema):
    """A draft report received."""

    received_on = date("draft")
    note = area("Note")


class FinalReportIn(Schema):
    """The partners agree the final report."""

    agreed_by = many("Partners who agreed the final report", item=fields.String(metadata=one_of("partners")),
                     required=True, validate=each_once, message="Select the partners who agreed",
                     meta={"description": "Keys of all the safeguarding partners, each once.",
                           "uniqueItems": True, "x-cspr-all-of": "partners", "choices": partners})
    agreed_on = date("final_report_agreed")


class PlanIn(Schema):
    """The planned publication date."""

    planned_on = date("planned_publication",
                      hint="The final report must reach the Panel 7 working days before.")
    reason = text("Reason for a change", max_length=500, required=False)
    delay_reason = choice(DelayReason, "Reason for the delay", labels=DELAY_REASONS, required=False,
                          allow_none=True, hint="Needed when the date is after the publication target "
                                                "(6 months from the decision to hold the review).",
                          meta={"description": "Required when planned_on is after the publication target "
                                               "(6 months from the decision, or the partnership's "
                                               "stricter target)."})
    delay_detail = area("Details of the delay", allow_none=True,
                        hint="Needed for other. Say what is holding the publication up.",
                        meta={"description": "What is delaying it; required for other."})


class ReportSentIn(Schema):
    """The final report went to the Panel and the Secretary of State."""

    sent_on = date("report_sent")


class ArchiveIn(Schema):
    """The review leaves the public page."""

    archived_on = date("archived")
    outcome = choice(ArchiveOutcome, "Where it goes", labels=ARCHIVE_LABELS, required=False,
                     hint="Leave it to follow the partnership's archive rule.")


class DecisionDateCorrection(Schema):
    """A corrected date of the decision to hold the review."""

    decided_on = date("Corrected date of the decision to hold the review")
    reason = reason()


class ReviewQuery(Schema):
    """Filters for the review list."""

    stage = fields.String()
    kind = enum(ReviewKind)


def agencies(ctx: Any) -> list[tuple[str, str]]:
    """The partnership's safeguarding partners and relevant agencies."""
    return [(a["key"], a["name"]) for a in ctx.policy.agencies]


FAMILY_LABELS = {"awaiting": "Offered, no answer yet", "accepted": "Accepted", "declined": "Declined"}


class LearningEventIn(Schema):
    """A practitioners' learning event held for the review."""

    held_on = date("Date of the learning event")
    agencies = many("Agencies taking part", item=fields.String(metadata=one_of("agencies")),
                    required=True, message="Select the agencies taking part",
                    validate=[validate.Length(min=1, error="Select the agencies taking part"), each_once],
                    meta={"choices": agencies, "uniqueItems": True,
                          "description": "Keys of the partnership's agencies, each once."})
    attended = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=1000,
                                                            error="How many attended must be between 1 and "
                                                                  "1,000"),
        error_messages={"required": "Enter how many attended", "null": "Enter how many attended",
                        "invalid": "How many attended must be a whole number, like 12"},
        metadata={"label": "How many attended", "widget": "text", "hint": "Practitioners, not names."})
    note = area("Note", max_length=2000, hint="Never a name: practitioners and family are pseudonymous.")


class FamilyInvolvementIn(Schema):
    """The offer to a family member to take part in the review, and their answer."""

    member = text("Family member", max_length=100, meta={"example": "Mother"},
                  hint='Their relationship to the child, like "Mother" or "Grandfather". Never a name.')
    offered_on = date("Date the involvement was offered")
    response = choice(FamilyResponse, "Their answer", labels=FAMILY_LABELS, message="Select their answer")
    responded_on = date("Date they answered", required=False,
                        hint="Leave blank if they have not answered yet.")
    note = area("Note", max_length=2000)


class FamilyAnswerIn(Schema):
    """A family member's answer to the offer."""

    response = choice(FamilyResponse, "Their answer", labels=FAMILY_LABELS, message="Select their answer")
    responded_on = date("Date they answered", required=False,
                        hint="Leave blank if they have not answered yet.")
    note = area("Note", max_length=2000)
