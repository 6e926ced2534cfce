"""The date rules: the plausible range of every date a person enters, and its name in messages.

One place for every range, so the staff forms and the API refuse the same dates with the
same words (the services apply these through ``Checker.date``):

- a date something *happened* (the incident, the local authority becoming aware, a
  notification, a meeting, a decision, a response, a report sent, a publication) is today or
  in the past, and not before ``FLOOR``: the platform's earliest records are legacy serious
  case reviews published from 2011 (York's), so 1 January 2000 leaves room for any older one
  without letting a mistyped year such as 1926 or 2101 through;
- a *planned* date (the planned publication) is at most ``PLANNING_YEARS`` years from today;
- a *due* date (an action's) is not before the day it is recorded and at most
  ``PLANNING_YEARS`` years from today.

The order the law implies between dates (awareness not before the incident, the notification
not before awareness, the rapid review not before the notification, ...) is checked by each
step with ``Checker.not_before``, naming both dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from cspr.calendar import add_months
from cspr.deadlines.names import Anchor

#: The earliest date the platform accepts for anything that happened.
FLOOR = dt.date(2000, 1, 1)
#: How far ahead a planned or due date may be.
PLANNING_YEARS = 5


class Kind(StrEnum):
    """What a date is: something that happened, something planned, something due."""

    PAST = "past"
    PLANNED = "planned"
    DUE = "due"


@dataclass(frozen=True)
class DateRule:
    """A date input: its name in messages (as the form labels it) and what kind of date it is."""

    label: str
    kind: Kind = Kind.PAST


#: Every date input of the lifecycle, by the fact it records (a deadline's anchors by their
#: :class:`~cspr.deadlines.names.Anchor`; the label names the date in forms, messages and pages).
RULES: dict[str, DateRule] = {
    Anchor.INCIDENT: DateRule("Date of the incident"),
    Anchor.AWARE: DateRule("Date the local authority became aware"),
    Anchor.NOTIFICATION: DateRule("Date the Panel was notified"),
    Anchor.OFSTED_SOS_NOTIFIED: DateRule("Date Ofsted and the Secretary of State were told"),
    "partners_told": DateRule("Date the safeguarding partners were told"),
    "rapid_review_started": DateRule("Date the rapid review started"),
    "rapid_review_meeting": DateRule("Date of the rapid review meeting"),
    Anchor.RAPID_REVIEW_SENT: DateRule("Date the rapid review went to the Panel"),
    Anchor.PANEL_RESPONSE: DateRule("Date the Panel's response arrived"),
    Anchor.DECISION: DateRule("Date of the decision to hold the review"),
    Anchor.TERMS_OF_REFERENCE: DateRule("Date the terms of reference were agreed"),
    Anchor.REVIEWER_COMMISSIONED: DateRule("Date the reviewer was commissioned"),
    "draft": DateRule("Date the draft arrived"),
    Anchor.FIRST_DRAFT: DateRule("Date the first draft arrived"),
    Anchor.FINAL_REPORT_AGREED: DateRule("Date the final report was agreed"),
    Anchor.REPORT_SENT: DateRule("Date the final report went to the Panel and the Secretary of State"),
    Anchor.PLANNED_PUBLICATION: DateRule("Planned publication date", Kind.PLANNED),
    Anchor.PUBLISHED: DateRule("Publication date"),
    Anchor.ARCHIVED: DateRule("Date it left the public page"),
    "action_due": DateRule("Due date", Kind.DUE),
    # an action plan brought in from before the platform: a due date already past stays (overdue)
    "action_due_imported": DateRule("Due date", Kind.PLANNED),
    "action_completed": DateRule("Date completed"),
    "assured": DateRule("Date of the sign-off"),
    "proceeding_expected": DateRule("Expected date", Kind.PLANNED),
}


def label(fact: str) -> str:
    """The name of a date input in forms and messages."""
    return RULES[fact].label


def latest(today: dt.date, rule: DateRule) -> dt.date:
    """The latest date the rule accepts on ``today``."""
    return today if rule.kind == Kind.PAST else add_months(today, 12 * PLANNING_YEARS)


def earliest(today: dt.date, rule: DateRule) -> dt.date:
    """The earliest date the rule accepts on ``today`` (a due date is not before it is recorded)."""
    return today if rule.kind == Kind.DUE else FLOOR


def problem(fact: str, value: dt.date, today: dt.date) -> str | None:
    """Why ``value`` cannot be the date of ``fact`` on ``today``, in GOV.UK words, or None."""
    rule = RULES[fact]
    low, high = earliest(today, rule), latest(today, rule)
    if value > high:
        if rule.kind == Kind.PAST:
            return f"{rule.label} must be today or in the past"
        return (f"{rule.label} must be within {PLANNING_YEARS} years from today: "
                f"on or before {high:%-d %B %Y}")
    if value < low:
        if rule.kind == Kind.DUE:
            return f"{rule.label} must be today or in the future"
        return f"{rule.label} must be on or after {low:%-d %B %Y}"
    return None
