"""The yearly figures across partnerships, for the platform's operator: counts only, small numbers hidden.

Each partnership's figures are its own reporting year that starts in the year asked for (a
partnership whose year starts in September counts from September). Only counts leave a
partnership, never the cases behind them, and any count from 1 to 4 is suppressed, as statistical
disclosure control asks, so that no child can be picked out: a row that hides one partnership's
count also hides the next smallest (complementary suppression), so that its total, taken away from
the others, cannot give the hidden one back; and a total under 5 is hidden too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspr.db.tenancy import across_partnerships, acting_for
from cspr.partnerships.models import Partnership
from cspr.plugins import PluginRegistry
from cspr.reporting.figures import reporting_year, yearly_figures
from cspr.services.context import Context

#: Counts under this (and over 0) are never shown.
SMALL = 5
#: Figures that name a partnership's own agencies: not added up across partnerships.
LOCAL_ONLY = ("actions.agency.", "actions.overdue.")
SUPPRESSED = "fewer than 5"


@dataclass
class Row:
    """One figure across the partnerships: each one's count (None: suppressed) and the total."""

    key: str
    table: str
    label: str
    counts: dict[str, int | None]
    total: int | None

    def text(self, value: int | None) -> str:
        """A count as people read it: the number, or that it is suppressed."""
        return SUPPRESSED if value is None else str(value)


@dataclass
class National:
    """The figures of every partnership for the reporting years starting in ``year``."""

    year: int
    partnerships: list[tuple[str, str, str]] = field(default_factory=list)  # slug, short name, year label
    rows: list[Row] = field(default_factory=list)


def suppress(values: dict[str, int]) -> tuple[dict[str, int | None], int | None]:
    """Hide counts of 1 to 4, the next smallest beside a lone hidden one, and a total under 5."""
    shown: dict[str, int | None] = {k: (v if v == 0 or v >= SMALL else None) for k, v in values.items()}

    def hidden() -> list[str]:
        return [k for k, v in shown.items() if v is None]

    while hidden() and (len(hidden()) < 2 or sum(values[k] for k in hidden()) < SMALL):
        rest = sorted((values[k], k) for k, v in shown.items() if v is not None and values[k] > 0)
        if not rest:
            break
        shown[rest[0][1]] = None
    total = sum(values.values())
    safe = not hidden() or (len(hidden()) >= 2 and sum(values[k] for k in hidden()) >= SMALL)
    return shown, (total if (total == 0 or total >= SMALL) and safe else None)


def national_figures(session: Session, registry: PluginRegistry, year: int, today: dt.date,
                     actor: str) -> National:
    """Every loaded partnership's counts for its reporting year starting in ``year``, suppressed."""
    reason = "operator: yearly figures across partnerships (counts only)"
    with across_partnerships(session, reason, actor=actor):
        rows = [(p.id, p.slug) for p in session.scalars(select(Partnership).order_by(Partnership.name))]
    out = National(year)
    counts: dict[str, dict[str, int]] = {}
    labels: dict[str, tuple[str, str]] = {}
    for pid, slug in rows:
        policy = registry.policies.get(slug)
        if policy is None:  # no plugin loaded: nothing to count by
            continue
        with acting_for(session, pid):
            ctx = Context(session, session.get(Partnership, pid), policy, actor=actor, today=today)
            found = yearly_figures(ctx, reporting_year(ctx, year))
            out.partnerships.append((slug, policy.identity["short_name"], found.year.label))
            for table in found.tables:
                for figure in table.figures:
                    if figure.key.startswith(LOCAL_ONLY):
                        continue
                    labels.setdefault(figure.key, (table.title, figure.label))
                    counts.setdefault(figure.key, {})[slug] = figure.count
    slugs = [slug for slug, _, _ in out.partnerships]
    for key, (table, label) in labels.items():
        shown, total = suppress({slug: counts[key].get(slug, 0) for slug in slugs})
        out.rows.append(Row(key, table, label, shown, total))
    return out


def as_dict(national: National) -> dict:
    """The figures as plain data (``cspr figures --json``): suppressed counts are null."""
    return {"year": national.year, "small_numbers_suppressed_below": SMALL,
            "partnerships": [{"slug": s, "short_name": n, "reporting_year": y}
                             for s, n, y in national.partnerships],
            "figures": [{"key": r.key, "table": r.table, "label": r.label, "counts": r.counts,
                         "total": r.total} for r in national.rows]}
