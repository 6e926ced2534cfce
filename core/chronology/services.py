"""The chronology's rules: who may add an entry for which agency, the merged order, and adding entries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from cspr.accounts.models import Membership, Role
from cspr.cases.models import Incident
from cspr.chronology.dates import PartialDate
from cspr.chronology.models import ChronologyEntry, DatePrecision
from cspr.returns.models import InformationRequest
from cspr.reviews.models import Review
from cspr.services.context import Context
from cspr.services.errors import InputError, NotFound


def is_contributor(ctx: Context) -> bool:
    """Whether the person acting is an agency contributor."""
    return ctx.role == Role.CONTRIBUTOR


def own_agency(ctx: Context) -> str | None:
    """The agency a contributor is tied to (their membership's agency), or None."""
    if ctx.user_id is None:
        return None
    membership = ctx.session.scalar(select(Membership).where(Membership.user_id == ctx.user_id))
    return membership.agency if membership is not None else None


def asked_about(ctx: Context, incident: Incident, agency: str | None) -> bool:
    """Whether the agency was sent an information request about the case (its rapid review or a review)."""
    if not agency:
        return False
    reviews = select(Review.id).where(Review.incident_id == incident.id)
    return ctx.session.scalar(select(InformationRequest.id).where(
        InformationRequest.agency == agency,
        (InformationRequest.incident_id == incident.id) | InformationRequest.review_id.in_(reviews)).limit(1)
    ) is not None


def agency_names(ctx: Context) -> dict[str, str]:
    """The partnership's agencies: key -> name (its safeguarding partners and relevant agencies)."""
    return {a["key"]: a["name"] for a in ctx.policy.agencies}


def agencies_for(ctx: Context) -> list[tuple[str, str]]:
    """The agencies the person acting may add entries for: all of them, or a contributor's own."""
    names = agency_names(ctx)
    if is_contributor(ctx):
        mine = own_agency(ctx)
        return [(mine, names[mine])] if mine in names else []
    return list(names.items())


def get_incident(ctx: Context, incident_id: int) -> Incident:
    """A case of this partnership, or NotFound."""
    incident = ctx.session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    return incident


def get_entry(ctx: Context, entry_id: int) -> ChronologyEntry:
    """An entry of this partnership's chronologies, or NotFound."""
    entry = ctx.session.get(ChronologyEntry, entry_id)
    if entry is None:
        raise NotFound(f"no chronology entry {entry_id}")
    return entry


def problems(ctx: Context, values: dict[str, Any]) -> dict[str, str]:
    """What is wrong with an entry's loaded values beyond its schema: the agency, the date against today."""
    errors: dict[str, str] = {}
    allowed = dict(agencies_for(ctx))
    agency = values.get("agency")
    if agency not in agency_names(ctx):
        errors["agency"] = "Select one of this partnership's agencies"
    elif agency not in allowed:
        errors["agency"] = "You can add entries only for your own agency"
    if not (values.get("what_happened") or "").strip():
        errors["what_happened"] = "Enter what happened"
    when: PartialDate | None = values.get("occurred_on")
    if when is not None and when.after(ctx.today):
        errors["occurred_on"] = "Date must be today or in the past"
    return errors


def date_of(entry: ChronologyEntry) -> PartialDate:
    """The entry's date, as much of it as is known."""
    return PartialDate(entry.year, entry.month, entry.day)


def _new(ctx: Context, incident: Incident, values: dict[str, Any]) -> ChronologyEntry:
    when: PartialDate = values["occurred_on"]
    return ChronologyEntry(
        incident_id=incident.id, year=when.year, month=when.month, day=when.day,
        precision=DatePrecision(when.precision), agency=values["agency"],
        what_happened=values["what_happened"].strip(), source=(values.get("source") or "").strip() or None,
        key_episode=bool(values.get("key_episode")), created_by_id=ctx.user_id)


def may_add_to(ctx: Context, incident: Incident) -> None:
    """A contributor adds to the chronology of a case their agency was asked about, and of no other."""
    if is_contributor(ctx) and not asked_about(ctx, incident, own_agency(ctx)):
        raise NotFound(f"no incident {incident.id}")


def add_entry(ctx: Context, incident: Incident, **values: Any) -> ChronologyEntry:
    """Add one entry to the case's chronology (audited); a contributor: a case their agency was asked of."""
    may_add_to(ctx, incident)
    errors = problems(ctx, values)
    if errors:
        raise InputError(errors)
    entry = _new(ctx, incident, values)
    ctx.session.add(entry)
    ctx.session.flush()
    ctx.audit("chronology.entry_added", entry, incident=incident.id, agency=entry.agency,
              date=date_of(entry).iso(), key_episode=entry.key_episode)
    return entry


def add_entries(ctx: Context, incident: Incident, rows: Iterable[dict[str, Any]], *,
                digest: str) -> list[ChronologyEntry]:
    """Add checked rows of an import, all in one flush, audited as one import of the file ``digest``."""
    entries = [_new(ctx, incident, values) for values in rows]
    ctx.session.add_all(entries)
    ctx.session.flush()
    ctx.audit("chronology.imported", incident, incident=incident.id, entries=len(entries), sha256=digest,
              agencies=sorted({e.agency for e in entries}))
    return entries


def delete_entry(ctx: Context, entry: ChronologyEntry) -> None:
    """Remove an entry entered by mistake (audited, with what it was)."""
    ctx.audit("chronology.entry_deleted", entry, incident=entry.incident_id, agency=entry.agency,
              date=date_of(entry).iso())
    ctx.session.delete(entry)
    ctx.session.flush()


def merged(ctx: Context, incident: Incident, agency: str | None = None) -> list[ChronologyEntry]:
    """The case's chronology: every agency's entries by date (month-only ones first in their month)."""
    query = select(ChronologyEntry).where(ChronologyEntry.incident_id == incident.id)
    if agency:
        query = query.where(ChronologyEntry.agency == agency)
    rows = ctx.session.scalars(query).all()
    return sorted(rows, key=lambda e: (date_of(e).sort_key(), e.id))
