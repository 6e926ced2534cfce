"""Deadline rules applied to a case: materialised rows, recomputed when a fact changes.

Each rule of the partnership's table (the statutory ones, made stricter or not, and
its local targets) becomes at most one row per case: due once its anchor date is
known, met once its ``met_by`` event has happened, cancelled when it stops
applying. Every change of a due date is an audit event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, or_, select

from cspr.actions.models import Action, Rag
from cspr.calendar import (
    ENGLAND,
    FIRST_YEAR,
    LAST_YEAR,
    CalendarRangeError,
    WorkingCalendar,
    add_months,
    check_year,
)
from cspr.cases.models import Incident
from cspr.db.base import utcnow
from cspr.deadlines.facts import Facts, case_facts, incident_side_facts, linked, reviews_of
from cspr.deadlines.models import Deadline, DeadlineState, Reminder
from cspr.deadlines.names import Anchor, Side
from cspr.messaging.models import OutboxMessage, OutboxStatus
from cspr.reviews.models import Review, ReviewKind
from cspr.services.context import Context
from cspr.services.errors import InputError

#: Kinds of review the statutory publication rules apply to (local CSPRs, joint ones included).
PUBLISHED_BY_LAW = frozenset({ReviewKind.LOCAL_CSPR, ReviewKind.JOINT_DHR, ReviewKind.JOINT_SAR})
ACTION_DUE = "action_due"
#: The input field that gives each anchor date, to name it when the calendar cannot count from it.
ANCHOR_FIELDS = {Anchor.INCIDENT: "incident_on", Anchor.AWARE: "aware_on", Anchor.NOTIFICATION: "sent_on",
                 Anchor.DECISION: "decided_on", Anchor.PLANNED_PUBLICATION: "planned_on",
                 Anchor.PUBLISHED: "published_on", Anchor.REPORT_SENT: "sent_on"}


def clock(statutory: bool, calendar: WorkingCalendar) -> WorkingCalendar:
    """The calendar a deadline counts by: England's bank holidays alone for a statutory one.

    A partnership's closure days (``calendar``) move only its local targets: an office
    closing is not a non-working day in law, and the statutory duties are not its own.
    """
    return ENGLAND if statutory else calendar


def due_date(rule: dict[str, Any], anchor: dt.date, calendar: WorkingCalendar) -> dt.date:
    """The date a rule gives for an anchor date (statutory rules by England's calendar)."""
    cal = clock(rule["statutory"], calendar)
    if rule["unit"] == "working_days":
        if rule["direction"] == "before":
            return cal.latest_before(anchor, rule["period"])
        return cal.add(anchor, rule["period"])
    sign = -1 if rule["direction"] == "before" else 1
    return add_months(anchor, sign * rule["period"])


def report_in_time(sent_on: dt.date, publish_on: dt.date, gap: int) -> bool:
    """True if a report sent on ``sent_on`` went at least ``gap`` working days before ``publish_on``.

    The same function as the ``report_to_panel`` due date (:meth:`WorkingCalendar.latest_before`):
    a report sent on its due day never blocks the planned publication.
    """
    return ENGLAND.in_time_before(sent_on, publish_on, gap)


def earliest_publication(sent_on: dt.date, gap: int) -> dt.date:
    """The first day a review may be published when its report went on ``sent_on``."""
    return ENGLAND.add(sent_on, gap)


def _applies(kind: str, incident: Incident | None, review: Review | None,
             rule: dict[str, Any] | None = None) -> bool:
    if rule is not None and rule.get("kinds"):  # a kind's own clock: its reviews only, legacy ones never
        return bool(review and review.kind.value in rule["kinds"] and not review.legacy)
    if kind == "notify_ofsted_sos":
        return bool(incident and incident.looked_after_death())
    if kind == "rapid_review":
        # a care leaver's death is notified, but no rapid review follows unless the
        # criteria for a child are met (they are not: a care leaver is an adult)
        return bool(incident and not incident.care_leaver)
    if kind in ("publication", "report_to_panel"):
        return bool(review and review.kind in PUBLISHED_BY_LAW and not review.legacy)
    if kind == "public_period":
        return bool(review and not review.legacy)
    return True


def sync_case(ctx: Context, incident: Incident | None = None, review: Review | None = None,
              reason: str | None = None) -> list[Deadline]:
    """Create, recompute, meet or cancel the case's deadlines from its current facts.

    Given a review, its own deadlines follow (and its incident's, which may be met by one of
    its events); given an incident, the incident's deadlines and every one of its reviews'.
    """
    incident, reviews = linked(incident, review)
    touched: list[Deadline] = []
    if incident is not None:
        facts = incident_side_facts(incident, reviews_of(incident))
        touched += _sync_subject(ctx, Side.INCIDENT, incident, incident, None, facts, reason)
    for one in reviews:
        facts = case_facts(incident, one)
        touched += _sync_subject(ctx, Side.REVIEW, one, incident, one, facts, reason)
    ctx.session.flush()
    return touched


def _sync_subject(ctx: Context, side: Side, record: Incident | Review, incident: Incident | None,
                  review: Review | None, facts: Facts, reason: str | None) -> list[Deadline]:
    """The deadlines of one incident or one review: the rules whose anchor is on its side."""
    subject = f"{side}:{record.id}"
    existing = {d.kind: d for d in ctx.session.scalars(select(Deadline).where(Deadline.subject == subject))}
    touched = []
    for kind, rule in ctx.policy.deadline_rules.items():
        if Anchor(rule["anchor"]).side != side:
            continue
        row = existing.get(kind)
        anchor = facts.get(rule["anchor"])
        if anchor is None or not _applies(kind, incident, review, rule):
            if row is not None and row.state != DeadlineState.CANCELLED:
                row.state = DeadlineState.CANCELLED
                ctx.audit("deadline.cancelled", row, kind=kind, reason=reason)
            continue
        try:  # every deadline, months-based too, must be countable: its standing counts working days
            check_year(anchor.year)
            due = due_date(rule, anchor, ctx.calendar)
            check_year(due.year)
        except CalendarRangeError as exc:  # a date the calendar cannot count from: the input's fault
            raise InputError({ANCHOR_FIELDS.get(rule["anchor"], rule["anchor"]):
                              f"must be between {FIRST_YEAR} and {LAST_YEAR}, and its deadline "
                              f"too: the working-day calendar knows the bank holidays of those "
                              f"years only"}) from exc
        if row is None:
            row = Deadline(
                kind=kind, label=rule["label"], subject=subject, due_on=due,
                statutory=rule["statutory"], direction=rule["direction"],
                incident_id=record.id if side == Side.INCIDENT else None,
                review_id=record.id if side == Side.REVIEW else None,
            )
            ctx.session.add(row)
            ctx.session.flush()
            ctx.audit("deadline.set", row, kind=kind, due_on=due)
        elif row.due_on != due:
            ctx.audit("deadline.recomputed", row, kind=kind, was=row.due_on, now=due, reason=reason)
            row.due_on = due
        _meet(ctx, row, facts.get(rule["met_by"]))
        touched.append(row)
    return touched


def _meet(ctx: Context, row: Deadline, met_on: dt.date | None) -> None:
    if met_on is not None:
        if row.state != DeadlineState.MET or row.met_on != met_on:
            row.state, row.met_on = DeadlineState.MET, met_on
            ctx.audit("deadline.met", row, kind=row.kind, met_on=met_on, due_on=row.due_on)
    elif row.state != DeadlineState.OPEN:
        row.state, row.met_on = DeadlineState.OPEN, None


def sync_action(ctx: Context, action: Action) -> Deadline:
    """The deadline of an action: due on its due date, met when it is complete."""
    subject = f"action:{action.id}"
    row = ctx.session.scalar(
        select(Deadline).where(Deadline.subject == subject, Deadline.kind == ACTION_DUE)
    )
    label = f"Action: {action.description[:150]}"
    if row is None:
        row = Deadline(kind=ACTION_DUE, label=label, subject=subject, due_on=action.due_on,
                       statutory=False, direction="within", action_id=action.id)
        ctx.session.add(row)
        ctx.session.flush()
        ctx.audit("deadline.set", row, kind=ACTION_DUE, due_on=action.due_on)
    elif row.due_on != action.due_on:
        ctx.audit("deadline.recomputed", row, kind=ACTION_DUE, was=row.due_on, now=action.due_on)
        row.due_on = action.due_on
    row.label = label
    _meet(ctx, row, action.completed_on if action.rag == Rag.COMPLETE else None)
    ctx.session.flush()
    return row


def cancel_action(ctx: Context, action: Action, reason: str) -> None:
    """An action withdrawn: its deadline is cancelled, so it is neither reminded of nor overdue."""
    row = ctx.session.scalar(
        select(Deadline).where(Deadline.subject == f"action:{action.id}", Deadline.kind == ACTION_DUE))
    if row is not None and row.state != DeadlineState.CANCELLED:
        row.state = DeadlineState.CANCELLED
        unsent = _drop_unsent_reminders(ctx, row)
        ctx.audit("deadline.cancelled", row, kind=ACTION_DUE, reason=reason, unsent_reminders=unsent)
        ctx.session.flush()


def _drop_unsent_reminders(ctx: Context, row: Deadline) -> int:
    """Remove the reminder e-mails of a cancelled deadline still waiting in the outbox; how many.

    One statement with the relay's own condition: a message a relay has claimed (it may be on
    the wire) is left to it, and one removed here is never claimed.
    """
    result = ctx.session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.reminder_id.in_(select(Reminder.id).where(Reminder.deadline_id == row.id)),
               OutboxMessage.status == OutboxStatus.PENDING,
               or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < utcnow()))
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


# -- reading deadlines ------------------------------------------------------------

@dataclass(frozen=True)
class Standing:
    """Where a deadline stands on a day: a status word and working days late, if any."""

    status: str  # met, met_late, overdue, due_today, open, not_before, cancelled
    working_days_late: int | None
    working_days_left: int | None


def standing(deadline: Deadline, calendar: WorkingCalendar, today: dt.date) -> Standing:
    """The status of a deadline on ``today`` by its clock (England's for a statutory one).

    A row from before the calendar had its range (a date it cannot count across) gets its
    status without the working-day counts rather than an error.
    """
    try:
        return _standing(deadline, clock(deadline.statutory, calendar), today)
    except CalendarRangeError:  # only the met, overdue and open cases count working days
        if deadline.state == DeadlineState.MET:
            return Standing("met_late" if deadline.met_on > deadline.due_on else "met", None, None)
        status = "overdue" if today > deadline.due_on else "due_today" if today == deadline.due_on else "open"
        return Standing(status, None, None)


def _standing(deadline: Deadline, calendar: WorkingCalendar, today: dt.date) -> Standing:
    if deadline.state == DeadlineState.CANCELLED:
        return Standing("cancelled", None, None)
    if deadline.direction == "at_least":
        done = deadline.state == DeadlineState.MET
        return Standing("met" if done else "not_before", None, None)
    if deadline.state == DeadlineState.MET:
        late = calendar.between(deadline.due_on, deadline.met_on) if deadline.met_on > deadline.due_on else 0
        return Standing("met_late" if late else "met", late or None, None)
    if today > deadline.due_on:
        return Standing("overdue", calendar.between(deadline.due_on, today), None)
    if today == deadline.due_on:
        return Standing("due_today", None, 0)
    return Standing("open", None, calendar.between(today, deadline.due_on))


#: How far ahead the dashboard looks: working days, like every other count of the clocks.
SOON_WORKING_DAYS = 7


def soon_until(calendar: WorkingCalendar, today: dt.date, days: int = SOON_WORKING_DAYS) -> dt.date:
    """The last day of the next ``days`` working days after ``today`` (by the partnership's calendar).

    From a Thursday, 7 working days run to the Monday week after next; a bank holiday or a closure
    day in between adds a day, as it does to every deadline.
    """
    return calendar.add(today, days)


def due_or_overdue(until: dt.date) -> Select:
    """Open deadlines due on or before ``until`` (overdue ones included), soonest first.

    Served by the (partnership, state, due_on) index: it costs what is due, not what exists.
    """
    return (
        select(Deadline)
        .where(Deadline.state == DeadlineState.OPEN, Deadline.due_on <= until,
               Deadline.direction != "at_least")
        .order_by(Deadline.due_on, Deadline.id)
    )
