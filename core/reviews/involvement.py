"""Practitioners and family in a review: learning events, and the offer to the family and their answer.

Both are pseudonymous: a learning event counts who attended by agency, never by name; a family member
is named by their relationship to the child.
"""

from __future__ import annotations

import datetime as dt

from cspr.reviews.models import FamilyInvolvement, FamilyResponse, LearningEvent, Review
from cspr.services.checks import Checker
from cspr.services.context import Context
from cspr.services.errors import NotFound


def _not_future(c: Checker, ctx: Context, name: str, value: dt.date | None, label: str) -> None:
    if value is not None:
        c.check(name, value <= ctx.today, f"{label} must be today or in the past")


def add_learning_event(ctx: Context, review: Review, *, held_on: dt.date, agencies: list[str],
                       attended: int, note: str | None = None) -> LearningEvent:
    """Record a practitioners' learning event held for the review."""
    known = [a["key"] for a in ctx.policy.agencies]
    c = Checker(ctx)
    c.require("agencies", agencies, "Select the agencies taking part")
    c.check("agencies", set(agencies) <= set(known), "Select agencies from this partnership's list")
    c.check("attended", 1 <= attended <= 1000, "How many attended must be between 1 and 1,000")
    _not_future(c, ctx, "held_on", held_on, "The date of the learning event")
    if review.decided_on:
        c.check("held_on", held_on >= review.decided_on,
                f"The date of the learning event must be on or after the decision to hold the review "
                f"({review.decided_on:%-d %B %Y})")
    c.done()
    event = LearningEvent(partnership_id=review.partnership_id, review_id=review.id, held_on=held_on,
                          agencies=sorted(set(agencies), key=known.index), attended=attended,
                          note=(note or "").strip() or None)
    ctx.session.add(event)
    ctx.session.flush()
    ctx.audit("review.learning_event_recorded", event, review=review.id, held_on=held_on,
              agencies=event.agencies, attended=attended)
    return event


def _check_family(ctx: Context, review: Review, offered_on: dt.date, response: FamilyResponse,
                  responded_on: dt.date | None) -> None:
    c = Checker(ctx)
    _not_future(c, ctx, "offered_on", offered_on, "The date the involvement was offered")
    _not_future(c, ctx, "responded_on", responded_on, "The date they answered")
    if responded_on is not None:
        c.check("responded_on", responded_on >= offered_on,
                f"The date they answered must be on or after the offer ({offered_on:%-d %B %Y})")
    if response == FamilyResponse.AWAITING:
        c.check("responded_on", responded_on is None, "Leave the date they answered blank until they answer")
    else:
        c.require("responded_on", responded_on, "Enter the date they answered")
    c.done()


def offer_family(ctx: Context, review: Review, *, member: str, offered_on: dt.date,
                 response: FamilyResponse = FamilyResponse.AWAITING, responded_on: dt.date | None = None,
                 note: str | None = None) -> FamilyInvolvement:
    """Record that a family member was offered a part in the review (and their answer, if given)."""
    response = FamilyResponse(response)
    c = Checker(ctx)
    c.require("member", (member or "").strip(), "Enter the family member")
    c.done()
    _check_family(ctx, review, offered_on, response, responded_on)
    row = FamilyInvolvement(partnership_id=review.partnership_id, review_id=review.id,
                            member=member.strip(), offered_on=offered_on, response=response,
                            responded_on=responded_on, note=(note or "").strip() or None)
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit("review.family_offered", row, review=review.id, member=row.member, offered_on=offered_on,
              response=response)
    return row


def family_row(ctx: Context, review: Review, involvement_id: int) -> FamilyInvolvement:
    """One family member's involvement in the review, or NotFound."""
    row = ctx.session.get(FamilyInvolvement, involvement_id)
    if row is None or row.review_id != review.id:
        raise NotFound(f"no family involvement {involvement_id} in review {review.id}")
    return row


def record_family_answer(ctx: Context, review: Review, involvement_id: int, *, response: FamilyResponse,
                         responded_on: dt.date | None, note: str | None = None) -> FamilyInvolvement:
    """Record the family member's answer (accepted or declined) and when."""
    row = family_row(ctx, review, involvement_id)
    response = FamilyResponse(response)
    _check_family(ctx, review, row.offered_on, response, responded_on)
    before = {"response": row.response, "responded_on": row.responded_on}
    row.response, row.responded_on = response, responded_on
    if note is not None and note.strip():
        row.note = note.strip()
    ctx.audit("review.family_answered", row, review=review.id, before=before,
              after={"response": response, "responded_on": responded_on})
    return row


def learning_events(ctx: Context, review: Review) -> list[LearningEvent]:
    """The review's learning events, earliest first."""
    from sqlalchemy import select

    return list(ctx.session.scalars(select(LearningEvent).where(LearningEvent.review_id == review.id)
                                    .order_by(LearningEvent.held_on, LearningEvent.id)))


def family(ctx: Context, review: Review) -> list[FamilyInvolvement]:
    """The review's offers to the family, earliest first."""
    from sqlalchemy import select

    return list(ctx.session.scalars(select(FamilyInvolvement).where(FamilyInvolvement.review_id == review.id)
                                    .order_by(FamilyInvolvement.offered_on, FamilyInvolvement.id)))
