"""The yearly figures: notifications, rapid reviews, decisions, local reviews, actions and themes.

Every figure is counted from the stored deadlines (their due and met dates) of one reporting
year (the plugin's ``cspr_reporting_year_start``, April to March by default), for the whole
partnership or one local authority area, and carries the cases behind it. The staff page, the
API and the exports all read the one :func:`yearly_figures`, so they give the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import selectinload

from cspr.actions import rag_history
from cspr.actions.models import Action, Recommendation
from cspr.actions.rag import RAG_KEY, key_value
from cspr.cases.inputs import DECISION_LABELS
from cspr.cases.models import Incident, RapidReview, RapidReviewDecision
from cspr.deadlines.models import Deadline, DeadlineState
from cspr.deadlines.services import ACTION_DUE, PUBLISHED_BY_LAW
from cspr.reviews.models import Review
from cspr.reviews.services import DELAY_REASONS
from cspr.services.context import Context
from cspr.services.errors import InputError

#: The reporting years the figures can be asked for (the calendar's range is wider).
FIRST_YEAR, LAST_YEAR = 2000, 2100
NO_REASON = "No reason recorded"


@dataclass(frozen=True)
class Year:
    """One reporting year: from ``start`` to ``end``, both included."""

    start: dt.date
    end: dt.date

    @property
    def key(self) -> int:
        """The calendar year it starts in: how URLs and the API name it."""
        return self.start.year

    @property
    def label(self) -> str:
        """'April 2025 to March 2026', or '2025' for a calendar year."""
        if self.start.month == 1:
            return str(self.start.year)
        return f"{self.start:%B %Y} to {self.end:%B %Y}"


def reporting_year(ctx: Context, starting: int | None = None) -> Year:
    """The partnership's reporting year that starts in ``starting`` (default: the one holding today)."""
    month = ctx.policy.reporting_year_start
    if starting is None:
        starting = ctx.today.year if ctx.today.month >= month else ctx.today.year - 1
    if not FIRST_YEAR <= starting <= LAST_YEAR:
        raise InputError({"year": f"Enter a reporting year from {FIRST_YEAR} to {LAST_YEAR}"})
    start = dt.date(starting, month, 1)
    end = dt.date(starting + 1, month, 1) - dt.timedelta(days=1)
    return Year(start, end)


@dataclass(frozen=True)
class Case:
    """A case behind a figure: an incident, a review or an action, named as staff know it."""

    type: str  # "incident", "review" or "action"
    id: int
    name: str
    review_id: int | None = None  # an action's review (its plan's page)


@dataclass
class Figure:
    """One number of the report, with the cases it counts; a share has the count it is out of."""

    key: str
    label: str
    cases: list[Case] = field(default_factory=list)
    of: int | None = None

    @property
    def count(self) -> int:
        """How many cases it counts."""
        return len(self.cases)

    @property
    def percent(self) -> int | None:
        """A share as a whole percentage (rounded half up), or None when it is out of nothing."""
        if not self.of:
            return None
        return int(100 * self.count / self.of + 0.5)


@dataclass
class Table:
    """A group of figures shown, exported and charted together."""

    key: str
    title: str
    figures: list[Figure]
    description: str = ""


@dataclass
class YearlyFigures:
    """A partnership's (or one area's) figures for one reporting year."""

    year: Year
    area: str | None
    as_of: dt.date  # the year's last day, or today while it runs
    tables: list[Table]

    def figure(self, key: str) -> Figure:
        """The figure with this key (KeyError if there is none)."""
        for table in self.tables:
            for one in table.figures:
                if one.key == key:
                    return one
        raise KeyError(key)

    def table(self, key: str) -> Table:
        """The table with this key."""
        return next(t for t in self.tables if t.key == key)


def areas(ctx: Context) -> list[str]:
    """The local authority areas the partnership covers (the figures are given for each if several)."""
    return list(ctx.policy.identity["areas"])


def yearly_figures(ctx: Context, year: Year, area: str | None = None) -> YearlyFigures:
    """Every figure of ``year`` for the partnership, or for one of its areas."""
    if area is not None and area not in areas(ctx):
        raise InputError({"area": f"Select one of the partnership's areas: {', '.join(areas(ctx))}"})
    as_of = min(ctx.today, year.end)
    rows = ctx.session.scalars(select(Deadline).where(Deadline.state != DeadlineState.CANCELLED,
                                                      _counted_in(year, as_of))).all()
    every_review = ctx.session.scalars(select(Review).where(Review.legacy.is_(False))).all()
    # the incidents a figure can name or a review can belong to (for an area), not all of them
    wanted = {d.incident_id for d in rows} | {r.incident_id for r in every_review}
    wanted.discard(None)
    incidents = {i.id: i for i in ctx.session.scalars(
        select(Incident).where(Incident.id.in_(sorted(wanted))).options(selectinload(Incident.rapid_review)))
        if area is None or i.la_area == area}
    reviews = {r.id: r for r in every_review if area is None or (r.incident_id in incidents)}

    def incident_case(incident_id: int) -> Case:
        i = incidents[incident_id]
        return Case("incident", i.id, f"{i.pseudonym} ({i.reference})")

    def review_case(review_id: int) -> Case:
        return Case("review", review_id, reviews[review_id].title)

    def of_kind(kind: str) -> list[Deadline]:
        found = [d for d in rows if d.kind == kind]
        if kind == "publication":
            return [d for d in found if d.review_id in reviews]
        return [d for d in found if d.incident_id in incidents]

    tables = [
        _step("notifications", "Notifications to the Panel", ctx.policy.deadline_rules["notify_panel"],
              of_kind("notify_panel"), year, as_of, lambda d: incident_case(d.incident_id),
              made="Notifications made"),
        _step("rapid_reviews", "Rapid reviews", ctx.policy.deadline_rules["rapid_review"],
              of_kind("rapid_review"), year, as_of, lambda d: incident_case(d.incident_id),
              made="Rapid reviews sent to the Panel"),
    ]
    sent = [d for d in of_kind("rapid_review") if _met_in(d, year)]
    decisions = {d.incident_id: incidents[d.incident_id].rapid_review for d in sent}
    tables.append(Table("decisions", "Decisions after a rapid review", [
        Figure(f"decisions.{outcome.value}", DECISION_LABELS[outcome.value],
               _sorted(incident_case(i) for i, rr in decisions.items() if _decided(rr, outcome)))
        for outcome in RapidReviewDecision
    ], "The partners' decisions sent to the Panel with the rapid reviews of the year."))
    tables += _local_reviews(of_kind("publication"), reviews, year, as_of, review_case)
    tables += _actions(ctx, reviews if area is not None else None, as_of, rows)
    published = [r for r in reviews.values() if r.published_on and year.start <= r.published_on <= year.end]
    counts = Counter(t for r in published for t in dict.fromkeys(r.themes or []))
    tables.append(Table("themes", "Themes of the reviews published", [
        Figure(f"themes.{theme}", theme, _sorted(review_case(r.id) for r in published if theme in r.themes))
        for theme, _n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].lower()))
    ], "How many of the year's published reviews carry each learning theme."))
    return YearlyFigures(year, area, as_of, tables)


def _counted_in(year: Year, as_of: dt.date) -> ColumnElement[bool]:
    """The deadlines a figure of ``year`` can count: met in it, or overdue at ``as_of``.

    The same tests as :func:`_met_in` and :func:`_overdue_at` (which still decide each figure), in
    SQL, so only these rows are read (by the partnership's indexes on state and due date, and on
    the day met), not every deadline of the partnership's history.
    """
    return or_(
        and_(Deadline.state == DeadlineState.MET, Deadline.met_on.between(year.start, year.end)),
        and_(Deadline.state == DeadlineState.OPEN, Deadline.due_on < as_of),
        and_(Deadline.due_on < as_of, Deadline.met_on > as_of),
    )


def _decided(rapid: RapidReview | None, outcome: RapidReviewDecision) -> bool:
    return rapid is not None and rapid.decision == outcome


def _met_in(d: Deadline, year: Year) -> bool:
    return d.state == DeadlineState.MET and d.met_on is not None and year.start <= d.met_on <= year.end


def _overdue_at(d: Deadline, day: dt.date) -> bool:
    """Past its due date on ``day`` and not met by then (met later, or not yet)."""
    return d.due_on < day and (d.state == DeadlineState.OPEN or (d.met_on is not None and d.met_on > day))


def _sorted(cases: Iterable[Case]) -> list[Case]:
    return sorted(cases, key=lambda c: (c.name.lower(), c.id))


def _period(rule: dict) -> str:
    unit = "working days" if rule["unit"] == "working_days" else "months"
    return f"{rule['period']} {unit}"


def _step(key: str, title: str, rule: dict, rows: list[Deadline], year: Year, as_of: dt.date,
          case, made: str) -> Table:  # noqa: ANN001
    """A statutory step of the incident: how many were done in the year, in time or late."""
    done = [d for d in rows if _met_in(d, year)]
    in_time = [d for d in done if d.met_on <= d.due_on]
    late = [d for d in done if d.met_on > d.due_on]
    overdue = [d for d in rows if _overdue_at(d, as_of)]
    return Table(key, title, [
        Figure(f"{key}.made", made, _sorted(map(case, done))),
        Figure(f"{key}.in_time", f"Within {_period(rule)}", _sorted(map(case, in_time)), of=len(done)),
        Figure(f"{key}.late", f"After {_period(rule)}", _sorted(map(case, late)), of=len(done)),
        Figure(f"{key}.overdue", "Not done and overdue at the end of the period",
               _sorted(map(case, overdue))),
    ], f"Counted from the stored deadlines ({_period(rule)}; {rule['label'].lower()}).")


def _local_reviews(rows: list[Deadline], reviews: dict[int, Review], year: Year, as_of: dt.date,
                   case) -> list[Table]:  # noqa: ANN001
    """Local reviews commissioned and published, in time or late, and why each late one was."""
    by_review = {d.review_id: d for d in rows}
    local = [r for r in reviews.values() if r.kind in PUBLISHED_BY_LAW]
    commissioned = [r for r in local if r.decided_on and year.start <= r.decided_on <= year.end]
    published = [d for d in by_review.values() if _met_in(d, year)]
    in_time = [d for d in published if d.met_on <= d.due_on]
    late = [d for d in published if d.met_on > d.due_on]
    overdue = [d for d in by_review.values() if _overdue_at(d, as_of)]
    summary = Table("local_reviews", "Local child safeguarding practice reviews", [
        Figure("local_reviews.commissioned", "Commissioned (decided on)",
               _sorted(case(r.id) for r in commissioned)),
        Figure("local_reviews.published", "Published", _sorted(case(d.review_id) for d in published)),
        Figure("local_reviews.in_time", "Published within 6 months",
               _sorted(case(d.review_id) for d in in_time), of=len(published)),
        Figure("local_reviews.late", "Published after 6 months", _sorted(case(d.review_id) for d in late),
               of=len(published)),
        Figure("local_reviews.overdue", "Not published and past the target at the end of the period",
               _sorted(case(d.review_id) for d in overdue)),
    ], "Local CSPRs, joint ones included; 6 months from the decision to hold one.")
    slipped = [*late, *overdue]
    reasons = []
    for reason in [*DELAY_REASONS, None]:
        label = DELAY_REASONS[reason] if reason else NO_REASON
        cases = _sorted(case(d.review_id) for d in slipped
                        if reviews[d.review_id].publication_delay_reason == reason)
        reasons.append(Figure(f"late_reasons.{reason.value if reason else 'none'}", label, cases,
                              of=len(slipped)))
    return [summary, Table("late_reasons", "Why publications were late", reasons,
                           "Each review published late in the year, or past its target at the end of it, "
                           "by the reason recorded for the delay.")]


def _actions(ctx: Context, reviews: dict[int, Review] | None, as_of: dt.date,
             rows: list[Deadline]) -> list[Table]:
    """The action plans: actions by RAG, by owning agency, and those overdue at the end of the period.

    A withdrawn action (or one of a withdrawn recommendation) is in none of them.
    """
    query = select(Action, Recommendation.review_id).join(
        Recommendation, Recommendation.id == Action.recommendation_id).where(
        Action.withdrawn_at.is_(None), Recommendation.withdrawn_at.is_(None))
    actions = [(a, rid) for a, rid in ctx.session.execute(query) if reviews is None or rid in reviews]
    due = {d.action_id: d for d in rows if d.kind == ACTION_DUE}

    def case(a: Action, review_id: int) -> Case:
        text = a.description if len(a.description) <= 80 else a.description[:79] + "…"
        return Case("action", a.id, text, review_id)

    names = {a["key"]: a["name"] for a in ctx.policy.agencies}
    at_end = rag_history.rag_at(ctx.session, [a for a, _ in actions], rag_history.end_of(as_of))
    overdue = [(a, rid) for a, rid in actions if a.id in due and _overdue_at(due[a.id], as_of)]
    owners = sorted({a.owner_agency for a, _ in actions}, key=lambda k: names.get(k, k).lower())
    return [
        Table("actions_rag", "Actions by status (RAG)", [
            Figure(f"actions.rag.{status.value}", status.label,
                   _sorted(case(a, rid) for a, rid in actions if key_value(a.rag) == status.value))
            for status in RAG_KEY
        ], "Every action of the partnership's action plans, by its status today (\"Not set\" until someone "
           "gives it one)."),
        Table("actions_rag_end", "Actions by status (RAG) at the end of the period", [
            Figure(f"actions.rag_end.{status.value}", status.label,
                   _sorted(case(a, rid) for a, rid in actions
                           if a.id in at_end and key_value(at_end[a.id]) == status.value))
            for status in RAG_KEY
        ], "Every action that existed when the period ended, by the status it had then (from the audit "
           "trail, which keeps each change of status)."),
        Table("actions_agency", "Actions by owning agency", [
            Figure(f"actions.agency.{key}", names.get(key, key),
                   _sorted(case(a, rid) for a, rid in actions if a.owner_agency == key)) for key in owners
        ], "Every action, by the agency that owns it."),
        Table("actions_overdue", "Overdue actions", [
            Figure("actions.overdue", "Past their due date and not complete at the end of the period",
                   _sorted(case(a, rid) for a, rid in overdue)),
            *[Figure(f"actions.overdue.{key}", names.get(key, key),
                     _sorted(case(a, rid) for a, rid in overdue if a.owner_agency == key))
              for key in owners],
        ], "Actions past their due date and not complete, in all and by owning agency."),
    ]
