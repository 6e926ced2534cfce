"""Prepare records for the API's schemas: deadlines with their standing, in constant queries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from cspr.calendar import WorkingCalendar
from cspr.cases.models import Incident
from cspr.deadlines import services as deadlines
from cspr.deadlines.models import Deadline
from cspr.reviews.models import Review
from cspr.services import dates
from cspr.services.context import Context


def deadline_dict(ctx: Context, d: Deadline, calendar: WorkingCalendar | None = None,
                  rules: dict[str, dict] | None = None) -> dict[str, Any]:
    """A deadline, what it counts from and what meets it by its rule, and where it stands today.

    A page of hundreds passes the partnership's ``calendar`` and ``rules``, looked up once.
    """
    standing = deadlines.standing(d, calendar or ctx.calendar, ctx.today)
    rule = (rules if rules is not None else ctx.policy.deadline_rules).get(d.kind) or {}
    counts_from, met_by = rule.get("anchor"), rule.get("met_by")
    return {
        "id": d.id, "kind": d.kind, "label": d.label, "subject": d.subject, "due_on": d.due_on,
        "incident_id": d.incident_id, "review_id": d.review_id,
        "counts_from": counts_from, "counts_from_label": dates.label(counts_from) if counts_from else None,
        "met_by": met_by, "met_by_label": dates.label(met_by) if met_by else None,
        "statutory": d.statutory, "direction": d.direction, "state": d.state, "met_on": d.met_on,
        "status": standing.status, "working_days_late": standing.working_days_late,
        "working_days_left": standing.working_days_left,
    }


def _by_subject(ctx: Context, subjects: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """The deadlines of each subject ("incident:3", "review:7"), soonest first, in one query."""
    found: dict[str, list[dict[str, Any]]] = {s: [] for s in subjects}
    if found:
        query = select(Deadline).where(Deadline.subject.in_(found)).order_by(Deadline.due_on, Deadline.id)
        for d in ctx.session.scalars(query):
            found[d.subject].append(deadline_dict(ctx, d))
    return found


def attach_deadlines(ctx: Context, records: Iterable[Incident | Review], kind: str) -> None:
    """Give each record a ``deadlines`` list, in one query for all of them.

    An incident also gets ``review_ids`` and ``review_deadlines``: each review it led to, with
    that review's own deadlines (in the same query).
    """
    records = list(records)
    incidents = [r for r in records if isinstance(r, Incident)]
    led_to = [r for i in incidents for r in i.reviews]
    found = _by_subject(ctx, [*(f"{kind}:{r.id}" for r in records), *(f"review:{r.id}" for r in led_to)])
    for record in records:
        record.deadlines = found[f"{kind}:{record.id}"]
    for incident in incidents:
        reviews = sorted(incident.reviews, key=lambda r: r.id)
        incident.review_ids = [r.id for r in reviews]
        incident.review_deadlines = [
            {"id": r.id, "kind": r.kind, "title": r.title, "stage": r.stage,
             "deadlines": found[f"review:{r.id}"]} for r in reviews]


def reviews_deadlines(ctx: Context, reviews: Iterable[Review]) -> dict[int, list[dict[str, Any]]]:
    """Each review's deadlines with their standing, soonest first, by review id (one query)."""
    reviews = list(reviews)
    found = _by_subject(ctx, [f"review:{r.id}" for r in reviews])
    return {r.id: found[f"review:{r.id}"] for r in reviews}


def deadlines_by_kind(ctx: Context, subject: str) -> dict[str, dict[str, Any]]:
    """One case's or review's deadlines, by kind, with their standing."""
    rows = ctx.session.scalars(select(Deadline).where(Deadline.subject == subject))
    return {d.kind: deadline_dict(ctx, d) for d in rows}
