"""The statutory defaults for England: the built-in plugin every partnership starts from.

Registered before any partnership plugin and marked ``trylast``, so a
partnership's own answer to a ``firstresult`` hook wins and its items come
first in a list hook. The statutory deadline table lives here; plugins may
tighten it through ``cspr_deadline_rules`` but the core refuses any relaxation.
"""

from __future__ import annotations

import copy
from typing import Any

from cspr.deadlines.names import Anchor, Fact
from cspr.hookspecs import hookimpl

#: The clock set by law and statutory guidance (see DOMAIN.md for each source).
STATUTORY_RULES: dict[str, dict[str, Any]] = {
    "notify_panel": {
        "label": "Notify the Child Safeguarding Practice Review Panel",
        "anchor": Anchor.AWARE, "period": 5, "unit": "working_days", "direction": "within",
        "statutory": True, "met_by": Fact.NOTIFICATION,
        "source": "Children Act 2004 s16C; Working Together 2023",
    },
    "notify_ofsted_sos": {
        "label": "Notify the Secretary of State and Ofsted (death of a looked-after child)",
        "anchor": Anchor.AWARE, "period": 5, "unit": "working_days", "direction": "within",
        "statutory": True, "met_by": Fact.OFSTED_SOS_NOTIFIED,
        "source": "Working Together 2023",
    },
    "rapid_review": {
        "label": "Complete the rapid review and send it to the Panel",
        "anchor": Anchor.NOTIFICATION, "period": 15, "unit": "working_days", "direction": "within",
        "statutory": True, "met_by": Fact.RAPID_REVIEW_SENT,
        "source": "Working Together 2023; Panel guidance",
    },
    "publication": {
        "label": "Publish the local child safeguarding practice review",
        "anchor": Anchor.DECISION, "period": 6, "unit": "months", "direction": "within",
        "statutory": True, "met_by": Fact.PUBLISHED,
        "source": "Working Together 2018 and 2023",
    },
    "report_to_panel": {
        "label": "Send the final report to the Panel and the Secretary of State",
        "anchor": Anchor.PLANNED_PUBLICATION, "period": 7, "unit": "working_days",
        "direction": "before", "statutory": True, "met_by": Fact.REPORT_SENT,
        "source": "Working Together 2018",
    },
    "public_period": {
        "label": "Keep the report publicly available",
        "anchor": Anchor.PUBLISHED, "period": 12, "unit": "months", "direction": "at_least",
        "statutory": True, "met_by": Fact.ARCHIVED,
        "source": "Working Together 2018 and 2023",
    },
}

#: Anchors a plugin may move a statutory rule to, because they come no later.
STRICTER_ANCHORS: dict[str, set[str]] = {"rapid_review": {Anchor.AWARE}}

#: Every statutory deadline that is chased (all but the "at least" public period) keeps a
#: reminder on or before its due day and an escalation within this many working days after
#: it. A plugin may add stages and choose their recipients; it may not silence the law.
ESCALATE_WITHIN = 5

DEFAULT_REMINDERS: list[dict[str, Any]] = [
    {"key": "upcoming", "offset": -3, "recipients": ["admin"]},
    {"key": "due", "offset": 0, "recipients": ["admin", "partner"]},
    {"key": "overdue", "offset": 1, "recipients": ["admin", "partner"]},
    {"key": "escalated", "offset": 5, "recipients": ["admin", "partner", "chair"]},
]

#: An agency's information request (cspr.returns): the agency's contributors are reminded before and
#: on the due day and chased the working day after; two working days later the admins are told.
INFORMATION_REQUEST_REMINDERS: list[dict[str, Any]] = [
    {"key": "upcoming", "offset": -2, "recipients": ["contributor"]},
    {"key": "due", "offset": 0, "recipients": ["contributor"]},
    {"key": "chased", "offset": 1, "recipients": ["contributor"]},
    {"key": "escalated", "offset": 3, "recipients": ["contributor", "admin"]},
]

#: An expected date of parallel proceedings (cspr.proceedings): one reminder, the working day after
#: the date, if it passed without an update. A local target, so a plugin may choose otherwise.
PROCEEDING_DATE_REMINDERS: list[dict[str, Any]] = [
    {"key": "passed", "offset": 1, "recipients": ["admin"]},
]

#: How long records are kept: local policy defaults, not law, and long on purpose.
#: No statute sets a retention period for a partnership's review records. The IRMS
#: Records Management Toolkit for Local Authorities and its Toolkit for Schools keep
#: child protection files until the child's date of birth + 25 years (longer where a
#: case is complex); the platform holds no date of birth, so it counts 25 years from
#: the case's closure, which always ends after "DOB + 25" for a child. Inquiries (e.g.
#: IICSA) have told councils to suspend destruction: that is a legal hold, not a rule.
#: A partnership's plugin replaces any of these, never below the floor just below; a kind
#: without a rule is kept forever.
#:
#: The shortest a plugin's rule may keep each kind (years; a plugin may only lengthen it),
#: with its source. See docs/plugins.md (cspr_retention_rules).
RETENTION_FLOORS: dict[str, tuple[int, str]] = {
    # IRMS toolkits: child protection files until the child's date of birth + 25 years; with no
    # date of birth held, only 25 years from closure is sure to reach it for a child of any age
    "case_records": (25, "IRMS Records Management Toolkit: child protection files are kept until "
                         "date of birth + 25 years, and no date of birth is held"),
    # drafts are part of the same case file (what the review saw and changed)
    "review_drafts": (25, "part of the child protection file (IRMS: date of birth + 25 years)"),
    # the deposit package is the published record of a statutory review
    "archive_deposits": (25, "the record of a statutory review: kept as long as its case file"),
    # copies of reminders a deadline already records: long enough to answer for a year's reminders
    "outbox_messages": (1, "a year of reminders, to answer a complaint about a missed deadline"),
    # revoked token hashes: long enough to look into misuse
    "api_tokens": (1, "a year, to look into misuse of a revoked token"),
}

DEFAULT_RETENTION: list[dict[str, Any]] = [
    # an incident and everything under it (notification, rapid review, reviews, their
    # documents, briefings, recommendations, actions, deadlines), from the case's closure
    {"kind": "case_records", "keep_for_years": 25, "counted_from": "closure", "action": "delete"},
    # drafts and unpublished working documents of a published review: as long as the case
    {"kind": "review_drafts", "keep_for_years": 25, "counted_from": "published", "action": "delete"},
    # the deposit package is the published record: it goes only with its case
    {"kind": "archive_deposits", "keep_for_years": None, "counted_from": "deposited", "action": "keep"},
    # reminder e-mails (a copy of what a deadline already records): short
    {"kind": "outbox_messages", "keep_for_years": 2, "counted_from": "sent", "action": "delete"},
    # revoked API and feed tokens (hashes only): long enough to look into misuse
    {"kind": "api_tokens", "keep_for_years": 2, "counted_from": "revoked", "action": "delete"},
    # the audit log is append-only: the database refuses to delete from it
    {"kind": "audit_events", "keep_for_years": None, "counted_from": "occurred", "action": "keep"},
]

SEVEN_MINUTE_BRIEFING: dict[str, Any] = {
    "key": "seven-minute",
    "name": "7 minute briefing",
    "description": "Seven short points a team can read and discuss in seven minutes.",
    "sections": [
        {"key": "background", "title": "Background", "prompt": "The case in brief."},
        {"key": "why-it-matters", "title": "Why it matters", "prompt": ""},
        {"key": "information-1", "title": "Key information (1)", "prompt": ""},
        {"key": "information-2", "title": "Key information (2)", "prompt": ""},
        {"key": "information-3", "title": "Key information (3)", "prompt": ""},
        {"key": "things-to-note", "title": "Things to note", "prompt": ""},
        {"key": "what-to-do", "title": "What to do", "prompt": "Including questions to reflect on."},
    ],
}

NATIONAL_THEMES = [
    "Adolescents and exploitation",
    "Child sexual abuse",
    "Children with disabilities",
    "Domestic abuse",
    "Education and missing education",
    "Fathers and men in the household",
    "Information sharing",
    "Multi-agency working",
    "Neglect",
    "Non-accidental injury",
    "Online harm",
    "Parental mental health",
    "Parental substance misuse",
    "Professional curiosity",
    "Race, culture and identity",
    "Safer sleeping",
    "Suicide and self-harm",
    "Voice of the child",
]


@hookimpl(trylast=True)
def cspr_briefing_formats() -> list[dict[str, Any]]:
    """Offer the seven-minute briefing to every partnership."""
    return [copy.deepcopy(SEVEN_MINUTE_BRIEFING)]


@hookimpl(trylast=True)
def cspr_archive_rule() -> dict[str, Any]:
    """Twelve months on the public page, then the NSPCC repository."""
    return {"public_months": 12, "then": "nspcc", "request_contact": None}


@hookimpl(trylast=True)
def cspr_closure_days(year: int) -> list[Any]:
    """No closure days beyond the bank holidays."""
    return []


@hookimpl(trylast=True)
def cspr_deadline_rules(statutory: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The statutory table as it is."""
    return statutory


@hookimpl(trylast=True)
def cspr_reminder_schedule(kind: str) -> list[dict[str, Any]]:
    """A few working days before, on the day, overdue, then escalated to the chair.

    A proceeding's expected date: once, the working day after it, if no update came. An agency's
    information request: its contributors before and on the day, a chaser, then the admins.
    """
    if kind == "proceeding_date":
        return copy.deepcopy(PROCEEDING_DATE_REMINDERS)
    if kind == "information_request":
        return copy.deepcopy(INFORMATION_REQUEST_REMINDERS)
    return copy.deepcopy(DEFAULT_REMINDERS)


#: Working days an agency has to answer an information request (a local target).
INFORMATION_REQUEST_DAYS = 5


@hookimpl(trylast=True)
def cspr_information_request_days() -> int:
    """Five working days to answer an information request."""
    return INFORMATION_REQUEST_DAYS


#: The month the reporting year begins: April, so it runs from 1 April to 31 March.
REPORTING_YEAR_START = 4


@hookimpl(trylast=True)
def cspr_reporting_year_start() -> int:
    """The reporting year runs from April to March."""
    return REPORTING_YEAR_START


#: The kinds of review every partnership holds; a plugin adds to them, never removes one.
STATUTORY_REVIEW_KINDS = ["local_cspr", "local_learning", "thematic"]

#: The steps a review goes through on the platform, in order (cspr.reviews.services.ORDER).
STAGES: dict[str, str] = {
    "decided": "Decision to hold the review",
    "terms_agreed": "Terms of reference agreed",
    "reviewer_commissioned": "Reviewer commissioned",
    "drafting": "Drafts received",
    "final_agreed": "Final report agreed by the partners",
    "sent_to_panel": "Final report sent to the Panel and the Secretary of State",
    "published": "Publication",
    "archived": "Archival",
}
ALL_STAGES = list(STAGES)
NOT_TO_THE_PANEL = [s for s in ALL_STAGES if s != "sent_to_panel"]

#: The statutory frameworks a review can be held under, with the law that sets each up.
FRAMEWORKS: dict[str, str] = {
    "cspr": "child safeguarding practice review (Children Act 2004 s16F)",
    "dhr": "domestic homicide review (Domestic Violence, Crime and Victims Act 2004 s9)",
    "sar": "safeguarding adults review (Care Act 2014 s44)",
}

#: Each kind of review as the core defines it: its name, stages, frameworks and publication forms.
#: ``fixed`` kinds (a local CSPR, a national review: the law defines them) stay exactly so: a
#: plugin may offer them but never change them. Their clocks are the statutory table's. No kind
#: has a statutory clock of its own for its DHR or SAR part, because no source this platform
#: cites sets one (the Care Act 2014 s44 sets no time limit for a SAR): a plugin sets local
#: targets for them (``clocks`` in ``cspr_review_kinds``). A joint review's CSPR part keeps the
#: statutory CSPR clocks (cspr.deadlines.services.PUBLISHED_BY_LAW).
CORE_KINDS: dict[str, dict[str, Any]] = {
    "local_cspr": {"name": "Local child safeguarding practice review", "fixed": True,
                   "stages": ALL_STAGES, "frameworks": ["cspr"]},
    "national": {"name": "National review", "fixed": True, "stages": ALL_STAGES,
                 "frameworks": ["cspr"]},
    "local_learning": {"name": "Local learning review", "fixed": False, "stages": NOT_TO_THE_PANEL,
                       "frameworks": []},
    "thematic": {"name": "Thematic review", "fixed": False, "stages": NOT_TO_THE_PANEL,
                 "frameworks": []},
    "scr": {"name": "Serious case review", "fixed": False, "stages": ["published", "archived"],
            "frameworks": []},
    "joint_dhr": {"name": "Joint review with a domestic homicide review", "fixed": False,
                  "stages": ALL_STAGES, "frameworks": ["cspr", "dhr"]},
    "joint_sar": {"name": "Joint review with a safeguarding adults review", "fixed": False,
                  "stages": ALL_STAGES, "frameworks": ["cspr", "sar"]},
}


@hookimpl(trylast=True)
def cspr_review_kinds() -> list[str]:
    """The kinds of review every partnership holds."""
    return list(STATUTORY_REVIEW_KINDS)


@hookimpl(trylast=True)
def cspr_themes() -> list[str]:
    """The national learning themes."""
    return list(NATIONAL_THEMES)


@hookimpl(trylast=True)
def cspr_public_page_blocks() -> list[dict[str, Any]]:
    """No extra blocks."""
    return []


@hookimpl(trylast=True)
def cspr_demo_content() -> dict[str, Any]:
    """No demo data."""
    return {"reviews": [], "briefings": []}


@hookimpl(trylast=True)
def cspr_notification_channel() -> dict[str, Any]:
    """E-mail through the platform's SMTP server."""
    return {"channel": "email"}


@hookimpl(trylast=True)
def cspr_single_sign_on() -> dict[str, Any] | None:
    """No single sign-on: e-mail and password."""
    return None


@hookimpl(trylast=True)
def cspr_retention_rules() -> list[dict[str, Any]]:
    """Long retention for case records, short for sent e-mails, the audit log kept for ever."""
    return copy.deepcopy(DEFAULT_RETENTION)
