"""Prepare records for the API's schemas: deadlines with their standing, in constant queries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from cspr.cases.models import Incident
from cspr.deadlines import services as deadlines
from cspr.deadlines.models import Deadline
from cspr.reviews.models import Review
from cspr.services.context import Context


def deadline_dict(ctx: Context, d: Deadline) -> dict[str, Any]:
    """A deadline and where it stands today."""
    standing = deadlines.standing(d, ctx.calendar, ctx.today)
    return {
        "id": d.id, "kind": d.kind, "label": d.label, "subject": d.subject, "due_on": d.due_on,
        "statutory": d.statutory, "direction": d.direction, "state": d.state, "met_on": d.met_on,
        "status": standing.status, "working_days_late": standing.working_days_late,
        "working_days_left": standing.working_days_left,
    }


def attach_deadlines(ctx: Context, records: Iterable[Incident | Review], kind: str) -> None:
    """Give each record a ``deadlines`` list, in one query for all of them."""
    records = list(records)
    subjects = {f"{kind}:{r.id}": r for r in records}
    found: dict[str, list[dict[str, Any]]] = {s: [] for s in subjects}
    if subjects:
        query = select(Deadline).where(Deadline.subject.in_(subjects)).order_by(Deadline.due_on)
        for d in ctx.session.scalars(query):
            found[d.subject].append(deadline_dict(ctx, d))
    for subject, record in subjects.items():
        record.deadlines = found[subject]
        if isinstance(record, Incident):
            record.review_ids = [r.id for r in record.reviews]


def deadlines_by_kind(ctx: Context, subject: str) -> dict[str, dict[str, Any]]:
    """One case's or review's deadlines, by kind, with their standing."""
    rows = ctx.session.scalars(select(Deadline).where(Deadline.subject == subject))
    return {d.kind: deadline_dict(ctx, d) for d in rows}
