"""The deadline sweep: reminders for deadlines entering a stage of their schedule.

One reminder per (deadline, stage), unique in the database, with its messages
written to the outbox in the same transaction. A second sweep running at the
same moment, a second beat, or a retried task finds the row already there and
sends nothing more. A stage that passed while no sweep ran is caught up: only
the latest stage due is sent; earlier ones are recorded as superseded.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import insert, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from cspr.accounts.models import Membership, Role, User
from cspr.actions.models import Action
from cspr.calendar import FIRST_YEAR, CalendarRangeError, WorkingCalendar
from cspr.cases.models import Incident
from cspr.db.base import utcnow
from cspr.db.tenancy import NO_CASE_DATA, across_partnerships
from cspr.deadlines.models import Deadline, DeadlineState, Reminder
from cspr.deadlines.names import Side
from cspr.deadlines.services import clock, standing
from cspr.messaging.models import OutboxMessage, OutboxStatus
from cspr.partnerships.models import Partnership
from cspr.partnerships.settings import overlays
from cspr.plugins import PluginError, PluginRegistry, Policy
from cspr.proceedings.models import ExpectedDate, Proceeding
from cspr.returns.models import InformationRequest
from cspr.reviews.models import Review
from cspr.services.words import counted, spelt_out

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
    """Find deadlines whose next reminder stage has come and record it with its messages.

    On PostgreSQL one query finds only the deadlines with work to do (a stage come and not yet
    recorded, or one this sweep cannot judge in SQL); the reminders go in one INSERT ... ON
    CONFLICT DO NOTHING, their messages in one more. SQLite reads every due deadline and
    decides in Python, with the same inserts.
    """
    with across_partnerships(session, "deadline sweep", actor="system:clock", on_first_read=True):
        return sweep_across(session, registry, today, base_url)


def sweep_across(session: Session, registry: PluginRegistry, today: dt.date, base_url: str) -> SweepResult:
    """:func:`sweep`, in a session already looking across partnerships for the deadline sweep."""
    result = SweepResult()
    # each partnership's own settings (closure days, reminder recipients) over its plugin's values
    policies = overlays(session, registry.policies)
    leads = [-s["offset"] for p in policies.values() for sched in p.reminder_schedules.values()
             for s in sched if s["offset"] < 0]
    horizon = today + dt.timedelta(days=2 * max(leads, default=0) + LEAD_MARGIN_DAYS)
    due_rows = (select(Deadline).where(Deadline.state == DeadlineState.OPEN, Deadline.due_on <= horizon,
                                       Deadline.direction != "at_least")
                .order_by(Deadline.partnership_id, Deadline.due_on, Deadline.id))
    if session.get_bind().dialect.name == "postgresql":
        result.examined, work = _with_work(session, list(policies.values()), today, horizon)
        if not work:
            return result
        rows = session.scalars(due_rows.where(Deadline.id.in_(work))).all()
    else:
        rows = session.scalars(due_rows).all()
        result.examined = len(rows)
    if not rows:
        return result
    partnerships = {p.id: p for p in session.scalars(select(Partnership))}
    sent = defaultdict(set)
    for deadline_id, stage in session.execute(
        select(Reminder.deadline_id, Reminder.stage).where(
            Reminder.deadline_id.in_([d.id for d in rows]))):
        sent[deadline_id].add(stage)
    wanted: list[tuple[Deadline, dict, bool]] = []  # (deadline, stage, superseded), in order
    for deadline in rows:
        partnership = partnerships[deadline.partnership_id]
        policy = policies.get(partnership.slug)
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
        wanted.extend((deadline, stage, stage is not latest) for stage in due
                      if stage["key"] not in sent[deadline.id])
    if not wanted:
        return result
    claimed = _claim_all(session, wanted)  # what another sweep got first is not ours
    names = subjects(session, rows)
    people = _members(session, {d.partnership_id for d, _, _ in wanted})
    messages = []
    for deadline, stage, superseded in wanted:
        reminder_id = claimed.get((deadline.id, stage["key"]))
        if reminder_id is None:
            continue
        if superseded:
            result.superseded += 1
            continue
        result.reminders += 1
        partnership = partnerships[deadline.partnership_id]
        policy = policies[partnership.slug]
        recipients = _recipients(stage["recipients"], policy, people[deadline.partnership_id],
                                 deadline, names)
        messages += [_message(reminder_id, deadline, address, policy, partnership, names, today, base_url)
                     for address in recipients]
    if messages:
        _insert_messages(session, messages)
    result.messages = len(messages)
    return result


def _stage_on(cal: WorkingCalendar, due_on: dt.date, offset: int) -> dt.date:
    """The day a stage comes; a stage past the calendar's last year never comes (date.max)."""
    try:
        return cal.add(due_on, offset)
    except CalendarRangeError:
        return dt.date.max


def _last_due_on(cal: WorkingCalendar, offset: int, today: dt.date) -> dt.date:
    """The latest due date whose stage at ``offset`` has come by ``today``.

    A stage's day never moves back as the due date moves on (working days are counted the
    same way from each), so a stage has come exactly for the due dates up to this one.
    """
    day = today - dt.timedelta(days=offset * 7 // 5)
    if _stage_on(cal, day, offset) <= today:
        for _ in range(_WALK):
            if _stage_on(cal, day + _ONE, offset) > today:
                return day
            day += _ONE
    else:
        for _ in range(_WALK):
            day -= _ONE
            if _stage_on(cal, day, offset) <= today:
                return day
    raise CalendarRangeError(day.year)


_ONE = dt.timedelta(days=1)
_WALK = 1000


def _stage_table(policies: list[Policy], today: dt.date) -> tuple[list[dict], list[dict]]:
    """Each partnership's kinds by schedule, and each schedule's stages with the last due date
    each stage has come for by the two clocks (statutory: England's; local: the partnership's).

    A schedule whose days cannot be counted here is left out, so its deadlines are judged one
    by one in Python, as every deadline once was.
    """
    kinds: list[dict] = []
    stages: list[dict] = []
    last: dict[tuple[int, int], dt.date] = {}

    def threshold(cal: WorkingCalendar, offset: int) -> str:
        key = (id(cal), offset)
        if key not in last:
            last[key] = _last_due_on(cal, offset, today)
        return last[key].isoformat()

    for policy in policies:
        groups: dict[tuple, list[str]] = defaultdict(list)
        for kind, schedule in policy.reminder_schedules.items():
            groups[tuple((s["key"], s["offset"]) for s in schedule)].append(kind)
        for schedule, members in groups.items():
            group = len(stages) + 1  # any number no other group has
            try:
                rows = [{"g": group, "key": key, "o": offset, "i": i,
                         "ts": threshold(clock(True, policy.calendar), offset),
                         "tl": threshold(clock(False, policy.calendar), offset)}
                        for i, (key, offset) in enumerate(schedule)]
            except (CalendarRangeError, PluginError):
                continue
            stages += rows
            kinds += [{"s": policy.slug, "k": kind, "g": group} for kind in members]
    return kinds, stages


_WITH_WORK = text("""
WITH km AS (
  SELECT * FROM jsonb_to_recordset(CAST(:kinds AS jsonb)) AS km(s text, k text, g int)
), st AS MATERIALIZED (
  SELECT * FROM jsonb_to_recordset(CAST(:stages AS jsonb))
    AS st(g int, key text, o int, i int, ts date, tl date)
), due AS (
  SELECT d.id, d.due_on, d.statutory, p.enabled, km.g
  FROM deadlines d JOIN partnerships p ON p.id = d.partnership_id
  LEFT JOIN km ON km.s = p.slug AND km.k = d.kind
  WHERE d.state = :open AND d.due_on <= :horizon AND d.direction <> 'at_least'
)
SELECT (SELECT count(*) FROM due) AS examined, w.id FROM (SELECT 1) AS one LEFT JOIN (
  SELECT due.id FROM due
  LEFT JOIN LATERAL (
    SELECT st.key FROM st
    WHERE st.g = due.g AND due.due_on <= CASE WHEN due.statutory THEN st.ts ELSE st.tl END
    ORDER BY st.o DESC, st.i LIMIT 1) AS latest ON true
  WHERE due.g IS NULL OR NOT due.enabled OR due.due_on < :first_year_end
     OR (latest.key IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM reminders r WHERE r.deadline_id = due.id AND r.stage = latest.key))
) AS w ON true
""")


def _with_work(session: Session, policies: list[Policy], today: dt.date,
               horizon: dt.date) -> tuple[int, list[int]]:
    """How many deadlines are due, and those with work (PostgreSQL, one statement).

    It reads no case data (a count and deadline ids), so it does not write the sweep's
    cross-partnership access record: the sweep's next statement, which reads the rows, does.

    A deadline has work when the latest stage it has come to is not recorded yet; one whose
    partnership or kind the stage table does not know (a disabled partnership, a kind asked
    of its plugin for the first time) is returned too, for the sweep to judge as before.
    """
    kinds, stages = _stage_table(policies, today)
    rows = session.execute(_WITH_WORK, {
        "kinds": json.dumps(kinds), "stages": json.dumps(stages), "open": DeadlineState.OPEN.value,
        "horizon": horizon, "first_year_end": dt.date(FIRST_YEAR + 1, 1, 1)},
        execution_options=NO_CASE_DATA).all()  # a count and ids: the rows are read (and recorded) after
    return rows[0].examined, [r.id for r in rows if r.id is not None]


_CLAIM_PG = text("""
INSERT INTO reminders (deadline_id, stage, superseded, partnership_id, created_at)
SELECT u.d, u.s, u.sup, u.p, :now
FROM unnest(CAST(:d AS int[]), CAST(:s AS text[]), CAST(:sup AS bool[]), CAST(:p AS int[]))
  WITH ORDINALITY AS u(d, s, sup, p, n)
ORDER BY u.n
ON CONFLICT (deadline_id, stage) DO NOTHING
RETURNING id, deadline_id, stage
""")

_MESSAGES_PG = text("""
INSERT INTO outbox (partnership_id, reminder_id, channel, idempotency_key, recipient, subject, body,
                    status, attempts, next_attempt_at, created_at)
SELECT u.p, u.r, u.c, u.k, u.rc, u.sj, u.b, :pending, 0, :now, :now
FROM unnest(CAST(:p AS int[]), CAST(:r AS int[]), CAST(:c AS text[]), CAST(:k AS text[]),
            CAST(:rc AS text[]), CAST(:sj AS text[]), CAST(:b AS text[]))
  WITH ORDINALITY AS u(p, r, c, k, rc, sj, b, n)
ORDER BY u.n
""")


def _claim_all(session: Session, wanted: list[tuple[Deadline, dict, bool]]) -> dict[tuple[int, str], int]:
    """Insert every (deadline, stage) row in one statement; the ids of those this sweep inserted.

    The unique (deadline, stage) decides: a row another sweep inserted first (committed, or
    committed while this one waited on it) is passed by, ON CONFLICT DO NOTHING. PostgreSQL
    takes the rows as arrays (one short statement however many); SQLite as a multi-row insert.
    """
    if session.get_bind().dialect.name == "postgresql":
        found = session.execute(_CLAIM_PG, {
            "d": [d.id for d, _, _ in wanted], "s": [stage["key"] for _, stage, _ in wanted],
            "sup": [superseded for _, _, superseded in wanted],
            "p": [d.partnership_id for d, _, _ in wanted], "now": utcnow()})
    else:
        table = Reminder.__table__
        statement = sqlite.insert(table).on_conflict_do_nothing(
            index_elements=["deadline_id", "stage"]).returning(table.c.id, table.c.deadline_id, table.c.stage)
        found = session.execute(statement, [
            {"deadline_id": d.id, "stage": stage["key"], "superseded": superseded,
             "partnership_id": d.partnership_id} for d, stage, superseded in wanted])
    return {(row.deadline_id, row.stage): row.id for row in found}


def _insert_messages(session: Session, messages: list[dict]) -> None:
    """The outbox rows, in one statement (arrays on PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_MESSAGES_PG, {
            "p": [m["partnership_id"] for m in messages], "r": [m["reminder_id"] for m in messages],
            "c": [m["channel"] for m in messages], "k": [m["idempotency_key"] for m in messages],
            "rc": [m["recipient"] for m in messages], "sj": [m["subject"] for m in messages],
            "b": [m["body"] for m in messages], "pending": OutboxStatus.PENDING.value, "now": utcnow()})
    else:
        session.execute(insert(OutboxMessage.__table__), messages)


def _members(session: Session, partnership_ids: set[int]) -> dict[int, dict[str, list[tuple[int, str]]]]:
    out: dict[int, dict[str, list[tuple[int, str]]]] = {pid: defaultdict(list) for pid in partnership_ids}
    rows = session.execute(
        select(Membership.partnership_id, Membership.role, Membership.agency, User.id, User.email)
        .join(User, User.id == Membership.user_id)
        .where(Membership.partnership_id.in_(partnership_ids), User.active.is_(True))
    ).all()
    for pid, role, agency, user_id, email in rows:
        out[pid][f"contributor:{agency}" if role == Role.CONTRIBUTOR else role.value].append((user_id, email))
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
        elif item == "contributor":  # the contributors of the agency an information request went to
            agency = names.get(deadline.subject, {}).get("agency")
            found.extend(email for _, email in people.get(f"contributor:{agency}", []))
        elif item == Role.REVIEWER.value:
            reviewer_id = names.get(deadline.subject, {}).get("reviewer_id")
            found.extend(email for uid, email in people.get("reviewer", []) if uid == reviewer_id)
        else:
            found.extend(email for _, email in people.get(item, []))
    return sorted(set(a.lower() for a in found))


def subjects(session: Session, rows: list[Deadline]) -> dict[str, dict]:
    """What each deadline is about: its name in words, its page's path under /app/<slug>/ (and more)."""
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
    if ids["information_request"]:
        rows_ = session.execute(select(InformationRequest.id, InformationRequest.agency, Incident.pseudonym,
                                       Incident.reference, Review.title)
                                .outerjoin(Incident, Incident.id == InformationRequest.incident_id)
                                .outerjoin(Review, Review.id == InformationRequest.review_id)
                                .where(InformationRequest.id.in_(ids["information_request"]))).all()
        for request_id, agency, pseudonym, reference, title in rows_:
            case = title or (f"{pseudonym} ({reference})" if pseudonym else "")
            names[f"information_request:{request_id}"] = {"name": case, "agency": agency,
                                                          "path": f"information-requests/{request_id}"}
    return names


def _message(reminder_id: int, deadline: Deadline, address: str, policy: Policy,
             partnership: Partnership, names: dict[str, dict], today: dt.date,
             base_url: str) -> dict:
    # never the subject's code ('incident:12') in an e-mail: what the reminder is about, in words
    unnamed = {"name": spelt_out(deadline.subject.partition(":")[0]), "path": ""}
    subject_info = names.get(deadline.subject, unnamed)
    where = standing(deadline, policy.calendar, today)
    if deadline.kind == "proceeding_date":  # a date expected in parallel proceedings (cspr.proceedings)
        when = (f"It was expected on {deadline.due_on:%-d %B %Y} and no update has been recorded since. "
                "Record what happened, or the new date if it moved: the review's publication may "
                "depend on it.")
        headline = "Expected date passed"
    elif deadline.kind == "information_request" and where.status == "overdue":  # cspr.returns: a chaser
        when = (f"The return was due on {deadline.due_on:%-d %B %Y} and is "
                f"{counted(where.working_days_late, 'working day')} late. Upload it, or tell the "
                "partnership when it will come.")
        headline = "Return overdue"
    elif where.status == "overdue":
        when = (f"It was due on {deadline.due_on:%-d %B %Y} and is "
                f"{counted(where.working_days_late, 'working day')} late.")
        headline = "Overdue"
    elif where.status == "due_today":
        when, headline = "It is due today.", "Due today"
    else:
        when = (f"It is due on {deadline.due_on:%-d %B %Y}, in "
                f"{counted(where.working_days_left, 'working day')}.")
        headline = "Coming up"
    link = f"{base_url.rstrip('/')}/app/{partnership.slug}/{subject_info['path']}"
    body = (
        f"{deadline.label}\n\nCase: {subject_info['name']}\n{when}\n\n"
        f"{'This is a statutory deadline.' if deadline.statutory else 'This is a local target.'}\n\n"
        f"Open it: {link}\n\n"
        f"{policy.name}. You receive this as a member of the partnership on the Child "
        "Safeguarding Practice Reviews platform.\n"
    )
    return {
        "partnership_id": deadline.partnership_id, "reminder_id": reminder_id,
        "channel": policy.channel["channel"], "idempotency_key": f"reminder-{reminder_id}-{address}",
        "recipient": address, "subject": f"{headline}: {deadline.label} – {subject_info['name']}",
        "body": body,
    }
