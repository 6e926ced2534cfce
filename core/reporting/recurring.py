"""Recurring themes (Regs 2018 reg 11(b)): the earlier reviews that share a case's learning themes.

For the partners' decision after a rapid review: for each theme recorded for the case, the
partnership's own earlier reviews with it, and the published reviews of every partnership in the
library with it, with how many of each fall in the last 3 and the last 5 years, so the decision can
cite them. Only plain values leave here (the library is read through the public view).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from cspr.calendar import add_months
from cspr.cases.models import Incident
from cspr.plugins import PluginRegistry
from cspr.publication import public
from cspr.reviews.dates import DatePrecision
from cspr.reviews.models import Review
from cspr.services.context import Context

#: The windows the panel counts in, in years.
WINDOWS = (3, 5)


@dataclass(frozen=True)
class EarlierReview:
    """A review that shares a theme: where, what and when."""

    partnership: str
    slug: str
    title: str
    on: dt.date  # published, or for one not yet published, decided on
    review_id: int | None = None  # the partnership's own (a staff link); None for another's
    dated: bool = True  # False: a legacy review whose source gives no date, counted in no window
    when: str = ""  # the publication date in words, as precise as it is known ("2014", "(date not given)")


@dataclass
class Recurrence:
    """One theme of the case and the earlier reviews that share it."""

    theme: str
    own: list[EarlierReview] = field(default_factory=list)
    library: list[EarlierReview] = field(default_factory=list)
    own_counts: dict[int, int] = field(default_factory=dict)  # years -> how many in that window
    library_counts: dict[int, int] = field(default_factory=dict)


def case_themes(incident: Incident) -> list[str]:
    """The learning themes recorded for the case at its rapid review."""
    return list(incident.rapid_review.themes or []) if incident.rapid_review else []


def recurring_themes(ctx: Context, registry: PluginRegistry, incident: Incident) -> list[Recurrence]:
    """Each of the case's themes with the partnership's and the library's earlier reviews that share it."""
    themes = case_themes(incident)
    if not themes:
        return []
    starts = {years: add_months(ctx.today, -12 * years) for years in WINDOWS}
    name, slug = ctx.policy.name, ctx.policy.slug
    own: list[tuple[list[str], EarlierReview]] = []
    for review in ctx.session.scalars(select(Review).where(Review.incident_id.is_distinct_from(incident.id))):
        on = review.published_on or review.decided_on
        if on is not None and on <= ctx.today and review.themes:
            dated = review.published_precision != DatePrecision.NOT_GIVEN
            when = review.published_as_known if review.published_on else ""
            earlier = EarlierReview(name, slug, review.title, on, review.id, dated, when)
            own.append((list(review.themes), earlier))
    found = []
    for theme in themes:
        shared = sorted((r for t, r in own if theme in t), key=lambda r: r.on, reverse=True)
        found.append(Recurrence(theme, own=shared))
    session = ctx.session
    for entry in found:  # the public view: published reviews of every enabled partnership
        rows = public.library(session, registry, public.LibraryQuery(theme=entry.theme), limit=500)
        entry.library = [EarlierReview(p.name, p.slug, r.title, r.published_on, None,
                                       r.published_precision != DatePrecision.NOT_GIVEN, r.published_as_known)
                         for p, r in rows if r.published_on <= ctx.today]
    for entry in found:
        for years, start in starts.items():
            entry.own_counts[years] = sum(1 for r in entry.own if r.dated and r.on > start)
            entry.library_counts[years] = sum(1 for r in entry.library if r.dated and r.on > start)
    return found
