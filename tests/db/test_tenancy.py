"""Tenant scoping: a query in one partnership's context never returns another's rows."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import aliased

from cspr.actions.models import Action, Recommendation
from cspr.cases.models import AgeBand, Harm, Incident, Notification
from cspr.db.tenancy import TenancyError, across_partnerships, acting_for, set_partnership
from cspr.partnerships.models import Partnership
from cspr.reviews.models import Review, ReviewKind


def _incident(ref: str, pseudonym: str) -> Incident:
    return Incident(
        reference=ref, pseudonym=pseudonym, la_case_reference=f"LA-{ref}", la_area="Area",
        age_band=AgeBand.AGE_1_4, harm=Harm.SERIOUS_HARM,
        incident_on=dt.date(2026, 3, 2), aware_on=dt.date(2026, 3, 3),
    )


@pytest.fixture
def two(session):
    """Partnerships A and B, each with an incident, a notification and a review with an action."""
    a = Partnership(slug="alpha", name="Alpha Partnership", short_name="APSCP")
    b = Partnership(slug="beta", name="Beta Partnership", short_name="BPSCP")
    session.add_all([a, b])
    session.flush()
    for p, name in ((a, "Child Alpha"), (b, "Child Beta")):
        with acting_for(session, p.id):
            inc = _incident(f"{p.short_name}-1", name)
            session.add(inc)
            session.flush()
            session.add(Notification(incident_id=inc.id, sent_on=dt.date(2026, 3, 5)))
            review = Review(kind=ReviewKind.LOCAL_CSPR, title=f"Review of {name}",
                            pseudonym=name, incident_id=inc.id)
            session.add(review)
            session.flush()
            rec = Recommendation(review_id=review.id, number=1, text="Share information")
            session.add(rec)
            session.flush()
            session.add(Action(recommendation_id=rec.id, description="Train staff",
                               owner_agency="police", due_on=dt.date(2026, 9, 1)))
    session.flush()
    return a, b


def test_select_sees_only_own_partnership(session, two):
    a, b = two
    with acting_for(session, a.id):
        assert session.scalars(select(Incident.pseudonym)).all() == ["Child Alpha"]
        assert session.scalar(select(func.count()).select_from(Review)) == 1
    with acting_for(session, b.id):
        assert session.scalars(select(Incident.pseudonym)).all() == ["Child Beta"]


def test_get_by_id_of_other_partnership_returns_nothing(session, two):
    a, b = two
    with acting_for(session, b.id):
        beta_id = session.scalar(select(Incident.id))
    with acting_for(session, a.id):
        assert session.get(Incident, beta_id) is None
        assert session.scalar(select(Incident).where(Incident.id == beta_id)) is None


def test_joins_aliases_and_relationships_are_scoped(session, two):
    a, _ = two
    with acting_for(session, a.id):
        rows = session.execute(
            select(Review.title, Action.description)
            .join(Recommendation, Recommendation.review_id == Review.id)
            .join(Action, Action.recommendation_id == Recommendation.id)
        ).all()
        assert rows == [("Review of Child Alpha", "Train staff")]
        other = aliased(Incident)
        assert session.scalars(select(other.pseudonym)).all() == ["Child Alpha"]
        incident = session.scalars(select(Incident)).one()
        assert incident.notification is not None
        assert incident.notification.partnership_id == a.id


def test_update_and_delete_statements_touch_only_own_rows(session, two):
    a, b = two
    with acting_for(session, a.id):
        result = session.execute(update(Incident).values(la_area="Changed"))
        assert result.rowcount == 1
        session.execute(delete(Action))
    with acting_for(session, b.id):
        assert session.scalar(select(Incident.la_area)) == "Area"
        assert session.scalar(select(func.count()).select_from(Action)) == 1


def test_new_rows_are_stamped_and_cannot_cross(session, two):
    a, b = two
    with acting_for(session, a.id):
        inc = _incident("APSCP-2", "Child Two")
        session.add(inc)
        session.flush()
        assert inc.partnership_id == a.id
        stray = _incident("BPSCP-9", "Child Stray")
        stray.partnership_id = b.id
        session.add(stray)
        with pytest.raises(TenancyError, match="belongs to partnership"):
            session.flush()
        session.expunge(stray)


def test_moving_a_row_to_another_partnership_is_refused(session, two):
    a, b = two
    with acting_for(session, a.id):
        inc = session.scalars(select(Incident)).one()
        inc.partnership_id = b.id
        with pytest.raises(TenancyError):
            session.flush()
        session.rollback()


def test_no_partnership_context_sees_nothing_and_writes_nothing(session, two):
    set_partnership(session, None)
    assert session.scalars(select(Incident)).all() == []
    assert session.scalars(select(Review)).all() == []
    session.add(_incident("X-1", "Child X"))
    with pytest.raises(TenancyError, match="outside a partnership"):
        session.flush()
    session.rollback()


def test_cross_partnership_work_must_say_why_and_sees_all(session, two):
    with pytest.raises(TenancyError):
        with across_partnerships(session, ""):
            pass
    with across_partnerships(session, "deadline sweep"):
        assert sorted(session.scalars(select(Incident.pseudonym))) == ["Child Alpha", "Child Beta"]
    assert session.scalars(select(Incident)).all() == []


def test_switching_partnership_drops_objects_loaded_for_the_other(session, two):
    a, b = two
    with acting_for(session, a.id):
        alpha = session.scalars(select(Incident)).one()
    with acting_for(session, b.id):
        assert session.get(Incident, alpha.id) is None

