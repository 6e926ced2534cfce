"""The e-mails the platform writes say things in words: no code, no "(s)" plural, reaches a person."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from cspr.accounts.models import Role
from cspr.actions import services as actions
from cspr.cases import incidents, notifications, rapid_reviews
from cspr.cases.models import Incident
from cspr.db import get_db
from cspr.db.tenancy import across_partnerships, acting_for
from cspr.deadlines.tasks import run_sweep
from cspr.messaging.models import OutboxMessage
from cspr.partnerships import services as partnerships
from cspr.returns import services as returns
from cspr.reviews import services as reviews
from cspr.services.context import Context
from tests.api_kit import make_member

SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
ADDRESSES = re.compile(r"\S+@\S+|https?://\S+")


def codes_in(text: str) -> list[str]:
    """Codes and '(s)' plurals in what a person reads (web and e-mail addresses aside)."""
    words = ADDRESSES.sub(" ", text)
    return sorted(set(SNAKE_CASE.findall(words)) | ({"(s)"} if "(s)" in words else set()))


def test_reminders_chasers_and_requests_are_written_in_words(app):
    for role in (Role.ADMIN, Role.PARTNER, Role.CONTRIBUTOR):
        make_member(app, "doncaster", role)
    aware = dt.date(2026, 3, 3)
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            policy = app.extensions["cspr.plugins"].policy("doncaster")
            ctx = Context(session, row, policy, actor="test")
            incident = incidents.record(
                ctx,
                pseudonym="Child W",
                la_case_reference="LA-5",
                la_area="Doncaster",
                age_band="1_4",
                harm="serious_harm",
                incident_on=aware,
                aware_on=aware,
            )
            asked_then = Context(session, row, policy, actor="test", today=aware)  # sent when the case began
            returns.send(
                asked_then,
                incident=incident,
                agency=ctx.policy.agencies[0]["key"],
                asked="The school's records of attendance",
                due_on=dt.date(2026, 3, 6),
            )
            second = incidents.record(
                ctx,
                pseudonym="Child V",
                la_case_reference="LA-6",
                la_area="Doncaster",
                age_band="1_4",
                harm="serious_harm",
                incident_on=aware,
                aware_on=aware,
            )
            notifications.record(ctx, session.get(Incident, second.id), sent_on=dt.date(2026, 3, 5))
            rapid_reviews.decide(
                ctx,
                session.get(Incident, second.id),
                decision="local_cspr",
                sent_to_panel_on=dt.date(2026, 3, 20),
            )
            review = session.scalars(
                select(reviews.Review).where(reviews.Review.incident_id == second.id)
            ).one()
            reviews.agree_terms(ctx, review, agreed_on=dt.date(2026, 4, 1))
            reviews.commission_reviewer(ctx, review, commissioned_on=dt.date(2026, 4, 2), reviewer_name="R")
            partners = [a["key"] for a in ctx.policy.partners["safeguarding_partners"]]
            reviews.agree_final_report(ctx, review, agreed_on=dt.date(2026, 6, 1), agreed_by=partners)
            recommendation = actions.add_recommendation(ctx, review, text="Share information sooner")
            actions.add_action(
                ctx,
                recommendation,
                description="Joint training",
                owner_agency=partners[0],
                due_on=dt.date.today() + dt.timedelta(days=5),
            )
    # every stage of every reminder: coming up, due today, overdue, escalated
    day = aware
    while day <= dt.date.today() + dt.timedelta(days=30):
        with app.app_context(), get_db().sessionmaker() as session:
            run_sweep(session, day)
        day += dt.timedelta(days=1)
    with app.app_context(), get_db().sessionmaker() as session, across_partnerships(session, "test"):
        mails = session.scalars(select(OutboxMessage)).all()
        found = {f"{m.subject}": codes_in(f"{m.subject}\n{m.body}") for m in mails}
        headlines = {m.subject.split(":")[0] for m in mails}
    assert {
        "Coming up",
        "Due today",
        "Overdue",
        "Information request from Doncaster Safeguarding Children Partnership",
    } <= headlines, headlines
    assert len(mails) > 10
    assert {subject: codes for subject, codes in found.items() if codes} == {}
