"""Legal holds: placing and releasing them (audited), and which holds cover what."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspr.audit import events as audit
from cspr.cases.models import Incident
from cspr.db.tenancy import acting_for
from cspr.partnerships.models import Partnership
from cspr.records.models import LegalHold
from cspr.reviews.models import Review


class HoldError(ValueError):
    """The hold cannot be placed or released: the message says why."""


def place(session: Session, partnership: Partnership, *, reason: str, actor: str,
          actor_user_id: int | None = None, incident_ref: str | None = None,
          review_id: int | None = None) -> LegalHold:
    """Hold the whole partnership, one case (by its reference) or one review; audited."""
    reason = (reason or "").strip()
    if not reason:
        raise HoldError("give the reason for the hold (e.g. the inquiry's direction)")
    if incident_ref and review_id is not None:
        raise HoldError("hold one case or one review, not both (or neither, for the whole partnership)")
    with acting_for(session, partnership.id):
        if incident_ref:
            incident = session.scalar(select(Incident).where(Incident.reference == incident_ref.strip()))
            if incident is None:
                raise HoldError(f"no case {incident_ref} in {partnership.slug}")
            hold = LegalHold(scope="incident", incident_id=incident.id,
                             subject=f"case {incident.reference}")
        elif review_id is not None:
            review = session.get(Review, review_id)
            if review is None:
                raise HoldError(f"no review {review_id} in {partnership.slug}")
            hold = LegalHold(scope="review", review_id=review.id,
                             subject=f"review {review.id}: {review.title}")
        else:
            hold = LegalHold(scope="partnership", subject=f"everything of {partnership.slug}")
        hold.reason, hold.placed_by, hold.placed_at = reason, actor, datetime.now(UTC)
        session.add(hold)
        session.flush()
        audit.record(session, "hold.placed", actor=actor, actor_user_id=actor_user_id,
                     object_type="legal_holds", object_id=hold.id,
                     detail={"scope": hold.scope, "subject": hold.subject, "reason": reason})
    return hold


def release(session: Session, partnership: Partnership, hold_id: int, *, reason: str, actor: str,
            actor_user_id: int | None = None) -> LegalHold:
    """Release a hold in force; audited. Retention may then delete what it covered."""
    reason = (reason or "").strip()
    if not reason:
        raise HoldError("give the reason for releasing the hold (e.g. the inquiry's notice)")
    with acting_for(session, partnership.id):
        hold = session.get(LegalHold, hold_id)
        if hold is None:
            raise HoldError(f"no hold {hold_id} in {partnership.slug}")
        if hold.released_at is not None:
            raise HoldError(f"hold {hold_id} was already released on {hold.released_at:%Y-%m-%d}")
        hold.released_by, hold.released_at, hold.release_reason = actor, datetime.now(UTC), reason
        session.flush()
        audit.record(session, "hold.released", actor=actor, actor_user_id=actor_user_id,
                     object_type="legal_holds", object_id=hold.id,
                     detail={"scope": hold.scope, "subject": hold.subject, "reason": reason})
    return hold


def listing(session: Session, include_released: bool = False) -> list[LegalHold]:
    """The holds of the partnership the session acts for, newest first."""
    query = select(LegalHold).order_by(LegalHold.placed_at.desc(), LegalHold.id.desc())
    if not include_released:
        query = query.where(LegalHold.released_at.is_(None))
    return list(session.scalars(query))


@dataclass
class Holds:
    """The holds in force in one partnership, by what they cover."""

    partnership: list[int] = field(default_factory=list)
    incidents: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    reviews: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))

    def covering(self, incident_ids: list[int | None] = (), review_ids: list[int | None] = ()) -> list[int]:
        """The ids of the holds that keep a record belonging to these incidents and reviews."""
        found = list(self.partnership)
        for incident_id in incident_ids:
            found += self.incidents.get(incident_id, []) if incident_id is not None else []
        for review_id in review_ids:
            found += self.reviews.get(review_id, []) if review_id is not None else []
        return sorted(set(found))


def in_force(session: Session) -> Holds:
    """The holds in force for the partnership the session acts for."""
    holds = Holds()
    for hold in session.scalars(select(LegalHold).where(LegalHold.released_at.is_(None))):
        if hold.scope == "partnership":
            holds.partnership.append(hold.id)
        elif hold.scope == "incident" and hold.incident_id is not None:
            holds.incidents[hold.incident_id].append(hold.id)
        elif hold.scope == "review" and hold.review_id is not None:
            holds.reviews[hold.review_id].append(hold.id)
    return holds
