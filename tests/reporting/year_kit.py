"""A seeded reporting year (April 2025 to March 2026) with known on-time and late cases, and its hand count.

Everything goes through the services, each step on the day it happened (``ctx.today`` moves),
so the deadlines are the ones the platform stores. The working days are counted by hand in the
comments (bank holidays of 2025: 18 and 21 April, 5 and 26 May, 25 August, 25 and 26 December).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from sqlalchemy import select

from cspr.actions import services as actions
from cspr.actions.models import Rag
from cspr.cases import incidents, notifications, rapid_reviews
from cspr.cases.models import RapidReviewDecision
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.partnerships import services as partnerships
from cspr.reviews import services as reviews
from cspr.reviews.models import Review, ReviewKind
from cspr.services.context import Context
from tests.publish_kit import publish

D = dt.date
YEAR = 2025  # 1 April 2025 to 31 March 2026
T1, T2, T3 = "Domestic abuse", "Neglect", "Parental mental health"

#: The hand count of every figure of the seeded year: key -> (count, of, the names behind it).
EXPECTED: dict[str, tuple[int, int | None, set[str]]] = {
    # notified in the year: Alder (in time), Birch (late), Cedar (in time); Damson never (due 9 February)
    "notifications.made": (3, None, {"Child Alder", "Child Birch", "Child Cedar"}),
    "notifications.in_time": (2, 3, {"Child Alder", "Child Cedar"}),
    "notifications.late": (1, 3, {"Child Birch"}),
    "notifications.overdue": (1, None, {"Child Damson"}),
    # sent in the year: Alder and Birch in time, Cedar late, Elm late (its notification was in March 2025)
    "rapid_reviews.made": (4, None, {"Child Alder", "Child Birch", "Child Cedar", "Child Elm"}),
    "rapid_reviews.in_time": (2, 4, {"Child Alder", "Child Birch"}),
    "rapid_reviews.late": (2, 4, {"Child Cedar", "Child Elm"}),
    "rapid_reviews.overdue": (0, None, set()),
    "decisions.local_cspr": (2, None, {"Child Alder", "Child Cedar"}),
    "decisions.no_review": (1, None, {"Child Birch"}),
    "decisions.recommend_national": (1, None, {"Child Elm"}),
    "decisions.local_learning": (0, None, set()),
    # decided in the year: Alder's and Cedar's; Fir's was decided in March 2025
    "local_reviews.commissioned": (2, None, {"Review Alder", "Review Cedar"}),
    "local_reviews.published": (2, None, {"Review Alder", "Review Fir"}),
    "local_reviews.in_time": (1, 2, {"Review Alder"}),
    "local_reviews.late": (1, 2, {"Review Fir"}),
    "local_reviews.overdue": (1, None, {"Review Cedar"}),
    "late_reasons.family_involvement": (1, 2, {"Review Fir"}),
    "late_reasons.parallel_proceedings": (1, 2, {"Review Cedar"}),
    "late_reasons.author_availability": (0, 2, set()),
    "late_reasons.agency_returns": (0, 2, set()),
    "late_reasons.other": (0, 2, set()),
    "late_reasons.none": (0, 2, set()),
    "actions.rag.red": (1, None, {"Audit the referrals"}),
    "actions.rag.not_set": (1, None, {"Train the health visitors"}),  # no one has given it a RAG
    "actions.rag.amber": (0, None, set()),
    "actions.rag.green": (0, None, set()),
    "actions.rag.complete": (2, None, {"Brief the officers", "Review the threshold document"}),
    "actions.agency.doncaster-council": (2, None, {"Audit the referrals", "Review the threshold document"}),
    "actions.agency.sy-icb": (1, None, {"Train the health visitors"}),
    "actions.agency.sy-police": (1, None, {"Brief the officers"}),
    # past due at 31 March 2026 and not complete then: the red one, and one completed on 20 April
    "actions.overdue": (2, None, {"Audit the referrals", "Review the threshold document"}),
    "actions.overdue.doncaster-council": (2, None, {"Audit the referrals", "Review the threshold document"}),
    "actions.overdue.sy-icb": (0, None, set()),
    "actions.overdue.sy-police": (0, None, set()),
    # published in the year: Alder (T1, T2), Fir (T2) and the thematic review (T2, T3)
    f"themes.{T2}": (3, None, {"Review Alder", "Review Fir", "Thematic review of neglect"}),
    f"themes.{T1}": (1, None, {"Review Alder"}),
    f"themes.{T3}": (1, None, {"Thematic review of neglect"}),
}


def plain(name: str) -> str:
    """A case's name without the reference an incident's comes with: 'Child Alder (DSCP-...)'."""
    return name.split(" (")[0]


def _incident(ctx: Context, name: str, aware: dt.date):
    ctx.today = aware
    return incidents.record(ctx, pseudonym=name, la_case_reference=f"LA-{name.split()[-1]}",
                            la_area=ctx.policy.identity["areas"][0], age_band="1_4",
                            harm="serious_harm", incident_on=aware - dt.timedelta(days=1), aware_on=aware)


def _notify(ctx: Context, incident, on: dt.date) -> None:
    ctx.today = on
    notifications.record(ctx, incident, sent_on=on)


def _decide(ctx: Context, incident, on: dt.date, decision: RapidReviewDecision, title: str | None = None):
    ctx.today = on
    rapid_reviews.decide(ctx, incident, decision=decision, sent_to_panel_on=on, review_title=title)
    return ctx.session.scalar(select(Review).where(Review.incident_id == incident.id))


def _to_final(ctx: Context, review: Review, on: dt.date, *, by_law: bool = True,
              planned: dt.date | None = None) -> None:
    ctx.today = on
    if planned is not None:
        reviews.plan_publication(ctx, review, planned_on=planned)
    reviews.agree_terms(ctx, review, agreed_on=on)
    reviews.commission_reviewer(ctx, review, commissioned_on=on, reviewer_name="An Independent Author")
    partners = [a["key"] for a in ctx.policy.partners["safeguarding_partners"]]
    reviews.agree_final_report(ctx, review, agreed_on=on, agreed_by=partners)
    if by_law:
        reviews.send_report(ctx, review, sent_on=on)


def _publish(ctx: Context, review: Review, on: dt.date, themes: list[str], docs: Path) -> None:
    ctx.today = on
    publish(ctx, review, published_on=on, themes=themes, summary="What the review found.",
            documents_dir=docs)


def seed_year(ctx: Context) -> None:
    """The seeded year: five incidents, four reviews and an action plan (the hand count is EXPECTED)."""
    docs = Path(tempfile.mkdtemp(prefix="cspr-figures-"))
    # Alder: aware Mon 2 June, notified 4 June (due 9 June); rapid review sent 20 June (due 25 June)
    alder = _incident(ctx, "Child Alder", D(2025, 6, 2))
    _notify(ctx, alder, D(2025, 6, 4))
    r_alder = _decide(ctx, alder, D(2025, 6, 20), RapidReviewDecision.LOCAL_CSPR, "Review Alder")
    _to_final(ctx, r_alder, D(2025, 10, 1), planned=D(2025, 12, 1))
    _publish(ctx, r_alder, D(2025, 12, 1), [T1, T2], docs)  # due 20 December: in time
    # Birch: aware Mon 7 July, notified Fri 18 July (due 14 July: late); sent 8 August, its due day
    birch = _incident(ctx, "Child Birch", D(2025, 7, 7))
    _notify(ctx, birch, D(2025, 7, 18))
    _decide(ctx, birch, D(2025, 8, 8), RapidReviewDecision.NO_REVIEW)
    # Cedar: aware Mon 1 September, notified 2 September; sent 30 September (due 23 September: late);
    # its review is due by 30 March 2026, planned for July because of the criminal trial
    cedar = _incident(ctx, "Child Cedar", D(2025, 9, 1))
    _notify(ctx, cedar, D(2025, 9, 2))
    r_cedar = _decide(ctx, cedar, D(2025, 9, 30), RapidReviewDecision.LOCAL_CSPR, "Review Cedar")
    ctx.today = D(2026, 1, 12)
    reviews.plan_publication(ctx, r_cedar, planned_on=D(2026, 7, 15), delay_reason="parallel_proceedings",
                             delay_detail="The criminal trial is listed for June.")
    # Damson: aware Mon 2 February 2026, never notified (due 9 February)
    _incident(ctx, "Child Damson", D(2026, 2, 2))
    # Elm: notified 5 March 2025 (the year before); rapid review due 26 March 2025, sent 4 April 2025
    elm = _incident(ctx, "Child Elm", D(2025, 3, 3))
    _notify(ctx, elm, D(2025, 3, 5))
    _decide(ctx, elm, D(2025, 4, 4), RapidReviewDecision.RECOMMEND_NATIONAL)
    # Fir: a local CSPR decided on 3 March 2025 (due 3 September 2025), published 3 November: late
    ctx.today = D(2025, 3, 3)
    r_fir = reviews.start(ctx, kind=ReviewKind.LOCAL_CSPR, title="Review Fir", decided_on=D(2025, 3, 3))
    ctx.today = D(2025, 8, 1)
    reviews.plan_publication(ctx, r_fir, planned_on=D(2025, 11, 3), delay_reason="family_involvement")
    _to_final(ctx, r_fir, D(2025, 9, 1))
    _publish(ctx, r_fir, D(2025, 11, 3), [T2], docs)
    # a thematic review, published in February 2026 (no statutory publication clock)
    ctx.today = D(2025, 5, 1)
    thematic = reviews.start(ctx, kind=ReviewKind.THEMATIC, title="Thematic review of neglect",
                             decided_on=D(2025, 5, 1))
    _to_final(ctx, thematic, D(2026, 1, 5), by_law=False)
    _publish(ctx, thematic, D(2026, 2, 2), [T2, T3], docs)
    # Alder's action plan
    ctx.today = D(2025, 12, 2)
    rec = actions.add_recommendation(ctx, r_alder, text="Referrals are followed up within a week.")
    audit = actions.add_action(ctx, rec, description="Audit the referrals", owner_agency="doncaster-council",
                               due_on=D(2026, 2, 2))
    brief = actions.add_action(ctx, rec, description="Brief the officers", owner_agency="sy-police",
                               due_on=D(2026, 3, 2))
    actions.add_action(ctx, rec, description="Train the health visitors", owner_agency="sy-icb",
                       due_on=D(2026, 6, 30))
    threshold = actions.add_action(ctx, rec, description="Review the threshold document",
                                   owner_agency="doncaster-council", due_on=D(2026, 3, 10))
    ctx.today = D(2026, 2, 3)
    actions.update_action(ctx, audit, rag=Rag.RED)
    ctx.today = D(2026, 3, 16)
    actions.update_action(ctx, brief, rag=Rag.COMPLETE, evidence="Briefing notes", completed_on=D(2026, 3, 15))
    ctx.today = D(2026, 4, 20)
    actions.update_action(ctx, threshold, rag=Rag.COMPLETE, evidence="The new document",
                          completed_on=D(2026, 4, 20))


def seed_in_app(app, slug: str = "doncaster") -> None:
    """The seeded year in the app's database (for the page, the API and the exports)."""
    with app.app_context(), get_db().session_scope() as session:
        registry = app.extensions["cspr.plugins"]
        partnerships.sync(session, registry)
        row = partnerships.get(session, slug)
        with acting_for(session, row.id):
            seed_year(Context(session, row, registry.policy(slug), actor="seed"))
