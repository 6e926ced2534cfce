"""The deadline sweep: reminders for deadlines entering a stage of their schedule.

One reminder per (deadline, stage), unique in the database, with its messages
written to the outbox in the same transaction. A second sweep running at the
same moment, a second beat, or a retried task finds the row already there and
sends nothing more. A stage that passed while no sweep ran is caught up: only
the latest stage due is sent; earlier ones are recorded as superseded.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cspr.accounts.models import Membership, Role, User
from cspr.actions.models import Action
from cspr.calendar import CalendarRangeError, WorkingCalendar
from cspr.cases.models import Incident
from cspr.db.tenancy import across_partnerships
from cspr.deadlines.models import Deadline, DeadlineState, Reminder
from cspr.deadlines.names import Side
from cspr.deadlines.services import clock, standing
from cspr.messaging.models import OutboxMessage
from cspr.partnerships.models import Partnership
from cspr.plugins import PluginError, PluginRegistry, Policy
from cspr.proceedings.models import ExpectedDate, Proceeding
from cspr.reviews.models import Review

log = logging.getLogger(__name__)

LEAD_MARGIN_DAYS = 21  # calendar days beyond the longest lead, for weekends and closures


@dataclass
class SweepResult:
    """What one sweep did."""

    examined: int = 0
    reminders: int = 0
    superseded: int = 0
    messages: int = 0
    skipped_partnerships: list[str] = field(default_factory=list)


def _schedule(policy: Policy, kind: str) -> list[dict]:
    if kind not in policy.reminder_schedules:  # e.g. action_due: asked once, then kept
        policy.reminder_schedules[kind] = policy.reminder_schedule(kind)
    return policy.reminder_schedules[kind]


def sweep(session: Session, registry: PluginRegistry, today: dt.date, base_url: str) -> SweepResult:
    """Find deadlines whose next reminder stage has come and record it with its messages."""
    result = SweepResult()
    leads = [-s["offset"] for p in registry for sched in p.reminder_schedules.values()
             for s in sched if s["offset"] < 0]
    horizon = today + dt.timedelta(days=2 * max(leads, default=0) + LEAD_MARGIN_DAYS)
    with across_partnerships(session, "deadline sweep", actor="system:clock"):
        partnerships = {p.id: p for p in session.scalars(select(Partnership))}
        rows = session.scalars(
            select(Deadline).where(Deadline.state == DeadlineState.OPEN, Deadline.due_on <= horizon,
                                   Deadline.direction != "at_least")
            .order_by(Deadline.partnership_id, Deadline.due_on, Deadline.id)
        ).all()
        result.examined = len(rows)
        if not rows:
            return result
        sent = defaultdict(set)
        for deadline_id, stage in session.execute(
            select(Reminder.deadline_id, Reminder.stage).where(
                Reminder.deadline_id.in_([d.id for d in rows]))):
            sent[deadline_id].add(stage)
        names = _subject_names(session, rows)
        people = _members(session, {d.partnership_id for d in rows})
        for deadline in rows:
            partnership = partnerships[deadline.partnership_id]
            policy = registry.policies.get(partnership.slug)
            if policy is None or not partnership.enabled:
                if partnership.slug not in result.skipped_partnerships:
                    result.skipped_partnerships.append(partnership.slug)
                continue
            try:
                stages = _schedule(policy, deadline.kind)
                cal = clock(deadline.statutory, policy.calendar)  # closure days never delay the law's
                due = [s for s in stages if _stage_on(cal, deadline.due_on, s["offset"]) <= today]
            except PluginError as exc:  # one partnership's broken plugin stops only its own reminders
                log.error("reminders skipped: %s", exc, extra={"partnership": partnership.slug})
                continue
            if not due:
                continue
            latest = max(due, key=lambda s: s["offset"])
            if latest["key"] in sent[deadline.id]:
                continue
            for stage in due:
                if stage["key"] in sent[deadline.id]:
                    continue
                is_latest = stage is latest
                reminder = _claim(session, deadline, stage["key"], superseded=not is_latest)
                if reminder is None:  # another sweep got there first
                    break
                sent[deadline.id].add(stage["key"])
                if not is_latest:
                    result.superseded += 1
                    continue
                result.reminders += 1
                recipients = _recipients(stage["recipients"], policy, people[deadline.partnership_id],
                                         deadline, names)
                for address in recipients:
                    session.add(_message(reminder, deadline, address, policy, partnership, names,
                                         today, base_url))
                    result.messages += 1
        session.flush()
    return result


def _stage_on(cal: WorkingCalendar, due_on: dt.date, offset: int) -> dt.date:
    """The day a stage comes; a stage past the calendar's last year never comes (date.max)."""
    try:
        return cal.add(due_on, offset)
    except CalendarRangeError:
        return dt.date.max


def _claim(session: Session, deadline: Deadline, stage: str, superseded: bool) -> Reminder | None:
    """Insert the (deadline, stage) row; None if it exists already (the unique constraint says so)."""
    reminder = Reminder(deadline_id=deadline.id, stage=stage, superseded=superseded,
                        partnership_id=deadline.partnership_id)
    try:
        with session.begin_nested():
            session.add(reminder)
            session.flush()
    except IntegrityError:
        return None
    return reminder


def _members(session: Session, partnership_ids: set[int]) -> dict[int, dict[str, list[tuple[int, str]]]]:
    out: dict[int, dict[str, list[tuple[int, str]]]] = {pid: defaultdict(list) for pid in partnership_ids}
    rows = session.execute(
        select(Membership.partnership_id, Membership.role, User.id, User.email)
        .join(User, User.id == Membership.user_id)
        .where(Membership.partnership_id.in_(partnership_ids), User.active.is_(True))
    ).all()
    for pid, role, user_id, email in rows:
        out[pid][role.value].append((user_id, email))
    return out


def _recipients(wanted: list[str], policy: Policy, people: dict[str, list[tuple[int, str]]],
                deadline: Deadline, names: dict[str, dict]) -> list[str]:
    found: list[str] = []
    for item in wanted:
        if "@" in item:
            found.append(item)
        elif item == "chair":
            chair = policy.identity.get("chair") or {}
            found.append(chair.get("email") or policy.identity["contact"]["email"])
        elif item == Role.REVIEWER.value:
            reviewer_id = names.get(deadline.subject, {}).get("reviewer_id")
            found.extend(email for uid, email in people.get("reviewer", []) if uid == reviewer_id)
        else:
            found.extend(email for _, email in people.get(item, []))
    return sorted(set(a.lower() for a in found))


def _subject_names(session: Session, rows: list[Deadline]) -> dict[str, dict]:
    names: dict[str, dict] = {}
    ids = defaultdict(list)
    for d in rows:
        ids[d.subject_type].append(int(d.subject.split(":")[1]))
    if ids[Side.INCIDENT]:
        for i in session.scalars(select(Incident).where(Incident.id.in_(ids[Side.INCIDENT]))):
            names[f"incident:{i.id}"] = {"name": f"{i.pseudonym} ({i.reference})",
                                         "path": f"incidents/{i.id}"}
    if ids[Side.REVIEW]:
        for r in session.scalars(select(Review).where(Review.id.in_(ids[Side.REVIEW]))):
            names[f"review:{r.id}"] = {"name": r.title, "path": f"reviews/{r.id}",
                                       "reviewer_id": r.reviewer_id}
    if ids["action"]:
        rows_ = session.execute(select(Action.id, Review.id, Review.title, Review.reviewer_id)
                                .join(Action.recommendation).join(Review)
                                .where(Action.id.in_(ids["action"]))).all()
        for action_id, review_id, title, reviewer_id in rows_:
            names[f"action:{action_id}"] = {"name": f"the action plan of {title}",
                                            "path": f"reviews/{review_id}/plan",
                                            "reviewer_id": reviewer_id}
    if ids["proceeding_date"]:
        rows_ = session.execute(select(ExpectedDate.id, Proceeding.id, Incident.pseudonym, Incident.reference,
                                       Review.title)
                                .join(Proceeding, Proceeding.id == ExpectedDate.proceeding_id)
                                .outerjoin(Incident, Incident.id == Proceeding.incident_id)
                                .outerjoin(Review, Review.id == Proceeding.review_id)
                                .where(ExpectedDate.id.in_(ids["proceeding_date"]))).all()
        for date_id, proceeding_id, pseudonym, reference, title in rows_:
            case = title or (f"{pseudonym} ({reference})" if pseudonym else "")
            names[f"proceeding_date:{date_id}"] = {"name": case, "path": f"proceedings/{proceeding_id}"}
    return names


def _message(reminder: Reminder, deadline: Deadline, address: str, policy: Policy,
             partnership: Partnership, names: dict[str, dict], today: dt.date,
             base_url: str) -> OutboxMessage:
    subject_info = names.get(deadline.subject, {"name": deadline.subject, "path": ""})
    where = standing(deadline, policy.calendar, today)
    if deadline.kind == "proceeding_date":  # a date expected in parallel proceedings (cspr.proceedings)
        when = (f"It was expected on {deadline.due_on:%-d %B %Y} and no update has been recorded since. "
                "Record what happened, or the new date if it moved: the review's publication may "
                "depend on it.")
        headline = "Expected date passed"
    elif where.status == "overdue":
        when = (f"It was due on {deadline.due_on:%-d %B %Y} and is {where.working_days_late} "
                "working day(s) late.")
        headline = "Overdue"
    elif where.status == "due_today":
        when, headline = "It is due today.", "Due today"
    else:
        when = (f"It is due on {deadline.due_on:%-d %B %Y}, in {where.working_days_left} "
                "working day(s).")
        headline = "Coming up"
    link = f"{base_url.rstrip('/')}/app/{partnership.slug}/{subject_info['path']}"
    body = (
        f"{deadline.label}\n\nCase: {subject_info['name']}\n{when}\n\n"
        f"{'This is a statutory deadline.' if deadline.statutory else 'This is a local target.'}\n\n"
        f"Open it: {link}\n\n"
        f"{policy.name}. You receive this as a member of the partnership on the Child "
        "Safeguarding Practice Reviews platform.\n"
    )
    return OutboxMessage(
        partnership_id=deadline.partnership_id, reminder_id=reminder.id, channel=policy.channel["channel"],
        idempotency_key=f"reminder-{reminder.id}-{address}", recipient=address,
        subject=f"{headline}: {deadline.label} – {subject_info['name']}", body=body,
    )
