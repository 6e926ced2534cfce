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
import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from sqlalchemy import Select, TextClause, insert, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from cspr.accounts.models import Membership, Role, User
from cspr.actions.models import Action
from cspr.calendar import FIRST_YEAR, CalendarRangeError, WorkingCalendar
from cspr.cases.models import Incident
from cspr.db.base import utcnow
from cspr.db.tenancy import NO_CASE_DATA, access_recorded, across_partnerships
from cspr.deadlines.models import Deadline, DeadlineState, Reminder
from cspr.deadlines.names import Side
from cspr.deadlines.services import clock, standing
from cspr.messaging.models import OutboxMessage, OutboxStatus
from cspr.operations.job_runs import beat, upsert_sql
from cspr.partnerships.models import Partnership
from cspr.partnerships.settings import overlaid, overlays
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


def sweep_across(session: Session, registry: PluginRegistry, today: dt.date, base_url: str,
                 heartbeat: str | None = None) -> SweepResult:
    """:func:`sweep`, in a session already looking across partnerships for the deadline sweep.

    With ``heartbeat``, it also records that job's run with what it did: a sweep that finds no
    work does so in its first statement (PostgreSQL), committing without waiting for the disk, as
    it holds nothing else; one that read case data or recorded reminders waits for the disk.
    """
    found = _with_work(session, registry, today, heartbeat) if _on_postgresql(session) else None
    result = _sweep(session, registry, today, base_url, found)
    if heartbeat and not (found and found.beaten):
        beat(session, heartbeat, wait_for_disk=access_recorded(session), **asdict(result))
    return result


def _on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _sweep(session: Session, registry: PluginRegistry, today: dt.date, base_url: str,
           found: Found | None) -> SweepResult:
    result = SweepResult()
    if found is not None:  # PostgreSQL: the first statement found the deadlines with work
        result.examined = found.examined
        if found.work == []:
            return result
        # each partnership's own settings (closure days, reminder recipients) over its plugin's values
        policies = found.policies if found.policies is not None else overlays(session, registry.policies)
        due_rows = _due(found.horizon)
        if found.work is not None:
            due_rows = due_rows.where(Deadline.id.in_(found.work))
        rows = session.scalars(due_rows).all()
    else:
        policies = overlays(session, registry.policies)
        rows = session.scalars(_due(_horizon(policies.values(), today))).all()
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


def _due(horizon: dt.date) -> Select:
    """The open deadlines up to ``horizon`` that have reminders (an "at least" wait has none)."""
    return (select(Deadline).where(Deadline.state == DeadlineState.OPEN, Deadline.due_on <= horizon,
                                   Deadline.direction != "at_least")
            .order_by(Deadline.partnership_id, Deadline.due_on, Deadline.id))


def _horizon(policies: Iterable[Policy], today: dt.date) -> dt.date:
    """The last due date any stage of any schedule can have come for by ``today``."""
    leads = [-s["offset"] for p in policies for sched in p.reminder_schedules.values()
             for s in sched if s["offset"] < 0]
    return today + dt.timedelta(days=2 * max(leads, default=0) + LEAD_MARGIN_DAYS)


@dataclass(frozen=True)
class StageTable:
    """A day's stage table for the sweep's SQL, and the partnerships' closure days it was counted with.

    ``kinds`` maps each partnership's (by id) kinds to a schedule (a group number): (id, kind, group);
    ``stages`` gives, per group and clock (statutory or local), the due dates for which each stage is
    the latest come, ``lo < due_on <= hi``: (group, statutory, lo, hi, stage). The day's statement
    holds both as ``VALUES`` lists, with the day's dates: PostgreSQL plans it once, and reads no
    parameter each sweep.
    """

    fingerprint: str  # the partnerships' ids, slugs, whether enabled and closure days, hashed
    horizon: dt.date
    kinds: tuple[tuple[int, str, int], ...]
    stages: tuple[tuple[int, bool, dt.date | None, dt.date, str], ...]
    statement: TextClause = field(init=False, compare=False)

    def __post_init__(self) -> None:
        kinds = _values([(int(p), _string(k), int(g)) for p, k, g in self.kinds], _KM_NONE)
        stages = _values([(int(g), "true" if c else "false", _date(lo), _date(hi), _string(key))
                          for g, c, lo, hi, key in self.stages], _ST_NONE)
        object.__setattr__(self, "statement", text(_WITH_WORK.format(
            kinds=kinds, stages=stages, open=DeadlineState.OPEN.value, horizon=self.horizon.isoformat(),
            first_year_end=dt.date(FIRST_YEAR + 1, 1, 1).isoformat())))


# The stage table's rows written into the day's statement: numbers, dates and plugins' kind and
# stage names, each string quoted as SQL quotes it (a quote doubled; backslashes are plain).
_KM_NONE = "SELECT NULL::int, NULL::text, NULL::int WHERE false"
_ST_NONE = "SELECT NULL::int, NULL::boolean, NULL::date, NULL::date, NULL::text WHERE false"


def _string(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _date(value: dt.date | None) -> str:
    return "NULL::date" if value is None else f"DATE '{value.isoformat()}'"


def _values(rows: list[tuple], none: str) -> str:
    if not rows:
        return none
    return "VALUES " + ", ".join(f"({', '.join(str(v) for v in row)})" for row in rows)


@dataclass(frozen=True)
class Found:
    """What the sweep's first statement found: how many deadlines are due, and which have work.

    ``work`` is None when every due deadline is to be judged in Python; ``policies`` are the
    partnerships' policies with their settings when the statement needed them read.
    """

    examined: int
    work: list[int] | None
    horizon: dt.date
    policies: dict[str, Policy] | None
    beaten: bool  # it recorded the heartbeat (it found no work)


#: Each plugin registry's stage table for the day, by the schedules it knows (a worker counts it
#: once a day, and again only when an admin changes a partnership's closure days).
_TABLES: weakref.WeakKeyDictionary[PluginRegistry, dict[tuple, StageTable]] = weakref.WeakKeyDictionary()


def stage_table(policies: dict[str, Policy], ids: dict[str, int], today: dt.date,
                fingerprint: str) -> StageTable:
    """Each partnership's kinds by schedule, and each schedule's stages as due-date ranges by clock.

    ``policies`` and their partnerships' ``ids`` by slug: the enabled partnerships only, so a
    disabled one's deadlines are judged (and skipped) in Python.

    Stages are taken latest first (by offset, then as listed): a stage is the latest come for the
    due dates after the later stage's last one up to its own (a stage's last due date never
    moves later as its offset grows). A schedule whose days cannot be counted here is left out, so
    its deadlines are judged one by one in Python, as every deadline once was.
    """
    kinds: list[tuple[int, str, int]] = []
    stages: list[tuple[int, bool, dt.date | None, dt.date, str]] = []
    last: dict[tuple[int, int], dt.date] = {}

    def threshold(cal: WorkingCalendar, offset: int) -> dt.date:
        key = (id(cal), offset)
        if key not in last:
            last[key] = _last_due_on(cal, offset, today)
        return last[key]

    group = 0
    for policy in policies.values():
        groups: dict[tuple, list[str]] = defaultdict(list)
        for kind, schedule in policy.reminder_schedules.items():
            groups[tuple((s["key"], s["offset"]) for s in schedule)].append(kind)
        for schedule, members in groups.items():
            group += 1
            latest_first = sorted(schedule, key=lambda stage: -stage[1])  # stable: as listed within an offset
            try:
                rows = []
                for statutory in (True, False):
                    cal, lo = clock(statutory, policy.calendar), None
                    for key, offset in latest_first:
                        hi = threshold(cal, offset)
                        if lo is None or hi > lo:
                            rows.append((group, statutory, lo, hi, key))
                            lo = hi
            except (CalendarRangeError, PluginError):
                continue
            stages += rows
            kinds += [(ids[policy.slug], kind, group) for kind in members]
    return StageTable(fingerprint, _horizon(policies.values(), today), tuple(kinds), tuple(stages))


# The partnerships as the stage table sees them (id, slug, enabled, closure days), as one hash: a
# table counted when they were otherwise is counted again.
_FINGERPRINT = """(SELECT md5(string_agg(concat_ws(':', p.id, p.slug, p.enabled, s.value), ';' ORDER BY p.id))
   FROM partnerships p
   LEFT JOIN partnership_settings s ON s.partnership_id = p.id AND s.key = 'closure_days')"""

_PARTNERSHIPS = text(f"""
SELECT f.fingerprint, p.id, p.slug, p.enabled, s.key, s.value FROM (SELECT {_FINGERPRINT} AS fingerprint) AS f
LEFT JOIN partnerships p ON true
LEFT JOIN partnership_settings s ON s.partnership_id = p.id
""")

# A sweep that found no work (by a table that still holds) records its heartbeat in the same
# statement, and commits without waiting for the disk: its detail is SweepResult(examined=...).
_IDLE_DETAIL = ("json_build_object('examined', idle.examined, 'reminders', 0, 'superseded', 0, "
                "'messages', 0, 'skipped_partnerships', json_build_array())")

# The day's dates and stage table are written into the statement (dates, ids and the plugins' kind
# and stage names, quoted: never input), so PostgreSQL plans the day's statement once (a prepared
# statement with a generic plan) and reads nothing but the fingerprint and heartbeat each sweep.
_WITH_WORK = f"""
WITH km (p, k, g) AS (
  {{kinds}}
), st (g, c, lo, hi, key) AS (
  {{stages}}
), found AS MATERIALIZED (
  SELECT count(*) AS examined, {_FINGERPRINT} AS fingerprint,
         array_agg(d.id) FILTER (WHERE km.g IS NULL OR d.due_on < DATE '{{first_year_end}}'
                                    OR (st.key IS NOT NULL AND NOT EXISTS (
                                          SELECT 1 FROM reminders r
                                          WHERE r.deadline_id = d.id AND r.stage = st.key))) AS work
  FROM deadlines d
  LEFT JOIN km ON km.p = d.partnership_id AND km.k = d.kind
  LEFT JOIN st ON st.g = km.g AND st.c = d.statutory
    AND (st.lo IS NULL OR d.due_on > st.lo) AND d.due_on <= st.hi
  WHERE d.state = '{{open}}' AND d.due_on <= DATE '{{horizon}}' AND d.direction <> 'at_least'
), idle AS MATERIALIZED (
  SELECT examined, set_config('synchronous_commit', 'off', true) AS setting FROM found
  WHERE work IS NULL AND fingerprint = :fingerprint AND CAST(:name AS text) IS NOT NULL
), beat AS (
  {upsert_sql(_IDLE_DETAIL, "idle")}
  RETURNING 1
)
SELECT examined, fingerprint, work, (SELECT count(*) FROM beat) AS beaten FROM found
"""


def _policies(session: Session, registry: PluginRegistry) -> tuple[dict[str, Policy], dict[str, int], str]:
    """Each partnership's policy with its own settings, enabled partnerships' ids, the table's hash.

    One query: the hash is of what the stage table depends on, read in the same snapshot.
    """
    rows = session.execute(_PARTNERSHIPS, execution_options=NO_CASE_DATA).all()  # one row at least
    values: dict[str, dict] = defaultdict(dict)
    enabled: dict[str, int] = {}
    for row in rows:
        if row.slug is not None and row.enabled:
            enabled[row.slug] = row.id
        if row.key is not None:
            values[row.slug][row.key] = row.value
    return overlaid(session, registry.policies, values), enabled, rows[0].fingerprint or ""


def _with_work(session: Session, registry: PluginRegistry, today: dt.date, heartbeat: str | None) -> Found:
    """How many deadlines are due, and those with work (PostgreSQL, one statement a sweep).

    It reads no case data (a count and deadline ids), so it does not write the sweep's
    cross-partnership access record: the sweep's next statement, which reads the rows, does.

    A deadline has work when the latest stage it has come to is not recorded yet; one whose
    partnership or kind the stage table does not know (a disabled partnership, a kind asked
    of its plugin for the first time) is returned too, for the sweep to judge as before. The
    stage table is the day's, kept between sweeps; the statement also returns the hash of the
    partnerships' state the table depends on (which are enabled, their closure days), and a table
    counted when that was otherwise is counted again.
    """
    tables = _TABLES.setdefault(registry, {})
    key = (today, tuple((slug, len(p.reminder_schedules)) for slug, p in registry.policies.items()))
    table, policies = tables.get(key), None
    for _ in range(3):
        if table is None:
            policies, enabled, fingerprint = _policies(session, registry)
            table = stage_table({slug: p for slug, p in policies.items() if slug in enabled},
                                enabled, today, fingerprint)
        # a count and ids: the rows are read (and the access recorded) after
        row = session.execute(table.statement, {
            "fingerprint": table.fingerprint,
            "name": heartbeat, "now": utcnow()}, execution_options=NO_CASE_DATA).one()
        if (row.fingerprint or "") == table.fingerprint:
            if key not in tables:
                tables.clear()  # one day's table is kept
                tables[key] = table
            return Found(row.examined, row.work or [], table.horizon, policies, bool(row.beaten))
        table = None  # an admin changed closure days (or a partnership was enabled) since it was counted
    log.warning("partnerships' closure days kept changing during the sweep: every due deadline is judged")
    return Found(row.examined, None, _horizon(registry.policies.values(), today), None, False)


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
    if _on_postgresql(session):
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
