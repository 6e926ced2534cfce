"""The rules of parallel proceedings: recording and updating them, their expected dates, what they restrict.

Each expected date is a local deadline (kind ``proceeding_date``) that the sweep reminds about once
the date has passed without an update; recording an update, moving the date or concluding the
proceeding settles it. While a proceeding that is not over restricts publication, the one guarded
publish (:mod:`cspr.publication.publish`) is refused by :func:`refuse_if_restricted`, naming it,
and the review's delay is recorded as parallel proceedings for the figures.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select

from cspr.cases.models import Incident
from cspr.deadlines.models import Deadline, DeadlineState
from cspr.proceedings.models import (
    LIVE,
    DateState,
    ExpectedDate,
    Proceeding,
    ProceedingKind,
    ProceedingStatus,
)
from cspr.reviews.models import DelayReason, Review
from cspr.services.checks import Checker
from cspr.services.context import Context
from cspr.services.errors import InputError, KeptRefusal, NotFound, StepError

#: The deadline kind of an expected date (a local target: the sweep's default schedule for it
#: is one reminder, the working day after the date, to the partnership's admins).
PROCEEDING_DATE = "proceeding_date"

KIND_LABELS = {
    ProceedingKind.POLICE_INVESTIGATION: "Police investigation",
    ProceedingKind.CRIMINAL_TRIAL: "Criminal trial",
    ProceedingKind.INQUEST: "Inquest",
    ProceedingKind.FAMILY_COURT: "Family court proceedings",
    ProceedingKind.OTHER: "Other proceedings",
}
STATUS_LABELS = {
    ProceedingStatus.OPEN: "Open",
    ProceedingStatus.PENDING: "Pending",
    ProceedingStatus.CONCLUDED: "Concluded",
}


def name(proceeding: Proceeding) -> str:
    """How a proceeding is named to people: 'the criminal trial (Crown Court trial)'."""
    label = KIND_LABELS[proceeding.kind]
    text = f"the {label[0].lower()}{label[1:]}"
    return f"{text} ({proceeding.description})" if proceeding.description else text


def get(ctx: Context, proceeding_id: int) -> Proceeding:
    """A proceeding of this partnership, or NotFound."""
    row = ctx.session.get(Proceeding, proceeding_id)
    if row is None:
        raise NotFound(f"no proceeding {proceeding_id}")
    return row


def get_date(ctx: Context, proceeding: Proceeding, date_id: int) -> ExpectedDate:
    """One of the proceeding's expected dates, or NotFound."""
    row = ctx.session.get(ExpectedDate, date_id)
    if row is None or row.proceeding_id != proceeding.id:
        raise NotFound(f"no expected date {date_id}")
    return row


def of_case(ctx: Context, *, incident: Incident | None = None,
            review: Review | None = None) -> list[Proceeding]:
    """The proceedings of an incident (and its reviews), or of a review (and its incident)."""
    conditions = []
    if incident is not None:
        conditions.append(Proceeding.incident_id == incident.id)
        conditions.append(Proceeding.review_id.in_(
            select(Review.id).where(Review.incident_id == incident.id)))
    if review is not None:
        conditions.append(Proceeding.review_id == review.id)
        if review.incident_id is not None:
            conditions.append(Proceeding.incident_id == review.incident_id)
    if not conditions:
        return []
    return list(ctx.session.scalars(select(Proceeding).where(or_(*conditions)).order_by(Proceeding.id)))


def restricting(ctx: Context, review: Review) -> list[Proceeding]:
    """The proceedings, not over, that restrict the review's publication (its own and its incident's)."""
    return [p for p in of_case(ctx, review=review) if p.restricts_publication and p.status in LIVE]


def _check(ctx: Context, kind: ProceedingKind, description: str | None) -> str | None:
    description = (description or "").strip() or None
    c = Checker(ctx)
    if kind == ProceedingKind.OTHER:
        c.require("description", description, "Enter what the proceedings are")
    c.done()
    return description


def record(ctx: Context, *, incident: Incident | None = None, review: Review | None = None,
           kind: ProceedingKind, status: ProceedingStatus, restricts_publication: bool = False,
           description: str | None = None, note: str | None = None) -> Proceeding:
    """Record a proceeding running alongside an incident's case or a review."""
    if incident is None and review is None:
        raise InputError({"case": "Say which case or review the proceedings are about"})
    kind, status = ProceedingKind(kind), ProceedingStatus(status)
    description = _check(ctx, kind, description)
    row = Proceeding(incident_id=incident.id if incident is not None else None,
                     review_id=review.id if review is not None else None, kind=kind,
                     description=description, status=status,
                     restricts_publication=bool(restricts_publication) and status in LIVE,
                     note=(note or "").strip() or None, updated_on=ctx.today)
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit("proceeding.recorded", row, kind=kind, status=status,
              restricts_publication=row.restricts_publication, incident_id=row.incident_id,
              review_id=row.review_id)
    return row


def update(ctx: Context, proceeding: Proceeding, *, status: ProceedingStatus,
           restricts_publication: bool = False, description: str | None = None,
           note: str | None = None) -> Proceeding:
    """Record an update: its status, whether it restricts publication, what has happened.

    The update settles every expected date that has come (the reminders about them stop); a
    concluded proceeding no longer expects its later dates, and restricts nothing.
    """
    status = ProceedingStatus(status)
    description = _check(ctx, proceeding.kind, description if description is not None
                         else proceeding.description)
    was = {"status": proceeding.status, "restricts_publication": proceeding.restricts_publication}
    proceeding.status = status
    proceeding.restricts_publication = bool(restricts_publication) and status in LIVE
    proceeding.description = description
    proceeding.note = (note or "").strip() or proceeding.note
    proceeding.updated_on = ctx.today
    for row in proceeding.dates:
        if row.state != DateState.EXPECTED:
            continue
        if row.expected_on <= ctx.today:
            _settle(ctx, row, DateState.UPDATED)
        elif status not in LIVE:
            _settle(ctx, row, DateState.CANCELLED)
    ctx.audit("proceeding.updated", proceeding, was=was, status=status,
              restricts_publication=proceeding.restricts_publication, note_given=bool(note))
    ctx.session.flush()
    return proceeding


def add_date(ctx: Context, proceeding: Proceeding, *, event: str, expected_on: dt.date) -> ExpectedDate:
    """A date expected in the proceeding; a reminder comes if it passes without an update."""
    if proceeding.status not in LIVE:
        raise StepError(f"{name(proceeding)[0].upper()}{name(proceeding)[1:]} has concluded: "
                        "it expects no more dates.")
    c = Checker(ctx)
    c.require("event", (event or "").strip(), "Enter what is expected")
    c.date("expected_on", expected_on, "proceeding_expected")
    c.done()
    row = ExpectedDate(proceeding_id=proceeding.id, event=event.strip(), expected_on=expected_on)
    ctx.session.add(row)
    proceeding.dates.append(row)
    ctx.session.flush()
    deadline = Deadline(kind=PROCEEDING_DATE, label=_label(proceeding, row), subject=_subject(row),
                        due_on=expected_on, statutory=False, direction="within",
                        incident_id=proceeding.incident_id, review_id=proceeding.review_id)
    ctx.session.add(deadline)
    ctx.session.flush()
    ctx.audit("proceeding.date_expected", proceeding, date_id=row.id, event=row.event,
              expected_on=expected_on)
    ctx.audit("deadline.set", deadline, kind=PROCEEDING_DATE, due_on=expected_on)
    return row


def move_date(ctx: Context, proceeding: Proceeding, row: ExpectedDate, *, expected_on: dt.date,
              reason: str | None = None) -> ExpectedDate:
    """The date moved (a trial relisted, a hearing adjourned): the old one settled, the new one expected."""
    if row.state != DateState.EXPECTED:
        raise StepError("That date is no longer expected: add a new expected date instead.")
    moved = add_date(ctx, proceeding, event=row.event, expected_on=expected_on)
    _settle(ctx, row, DateState.CANCELLED)
    proceeding.updated_on = ctx.today
    ctx.audit("proceeding.date_moved", proceeding, date_id=row.id, was=row.expected_on,
              now=expected_on, new_date_id=moved.id, reason=(reason or "").strip() or None)
    return moved


def _subject(row: ExpectedDate) -> str:
    return f"{PROCEEDING_DATE}:{row.id}"


def _label(proceeding: Proceeding, row: ExpectedDate) -> str:
    return f"{KIND_LABELS[proceeding.kind]}: {row.event} expected"[:200]


def _settle(ctx: Context, row: ExpectedDate, state: DateState) -> None:
    """The date is updated or no longer expected; its deadline is met or cancelled (no more reminders)."""
    row.state, row.updated_on = state, ctx.today
    deadline = ctx.session.scalar(select(Deadline).where(
        Deadline.subject == _subject(row), Deadline.kind == PROCEEDING_DATE))
    if deadline is None or deadline.state != DeadlineState.OPEN:
        return
    if state == DateState.UPDATED:
        deadline.state, deadline.met_on = DeadlineState.MET, ctx.today
        ctx.audit("deadline.met", deadline, kind=PROCEEDING_DATE, met_on=ctx.today, due_on=deadline.due_on)
    else:
        deadline.state = DeadlineState.CANCELLED
        ctx.audit("deadline.cancelled", deadline, kind=PROCEEDING_DATE, reason="no longer expected")


def refuse_if_restricted(ctx: Context, review: Review) -> None:
    """Refuse to publish while a proceeding restricts it, naming it; the delay's reason is kept.

    The review's delay is recorded as parallel proceedings (for the figures) and the refusal is
    audited; both are committed with the refusal (:class:`KeptRefusal`), nothing else is written.
    """
    held = restricting(ctx, review)
    if not held:
        return
    phrases = [f"{name(p)}, which is {STATUS_LABELS[p.status].lower()}" for p in held]
    names = phrases[0] if len(phrases) == 1 else f"{', '.join(phrases[:-1])}, and {phrases[-1]}"
    detail = f"Publication restricted by {names}."[:2000]
    was = (review.publication_delay_reason, review.publication_delay_detail)
    if was != (DelayReason.PARALLEL_PROCEEDINGS, detail):
        review.publication_delay_reason = DelayReason.PARALLEL_PROCEEDINGS
        review.publication_delay_detail = detail
        ctx.audit("review.publication_delayed", review, delay_reason=DelayReason.PARALLEL_PROCEEDINGS,
                  delay_detail=detail, was_reason=was[0], was_detail=was[1],
                  proceedings=[p.id for p in held])
    ctx.audit("publication.refused", review, reason="parallel proceedings restrict publication",
              proceedings=[p.id for p in held])
    ctx.session.flush()
    raise KeptRefusal(f"Nothing was published: {names}, {'restricts' if len(held) == 1 else 'restrict'} "
                      "publication. Record an update on the proceedings when they conclude or no "
                      "longer restrict publication.")


__all__ = ["KIND_LABELS", "PROCEEDING_DATE", "STATUS_LABELS", "add_date", "get", "get_date", "move_date",
           "name", "of_case", "record", "refuse_if_restricted", "restricting", "update"]
