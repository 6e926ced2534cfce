"""Step 1: record a serious incident (and correct its facts later, with a reason)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from cspr.cases import children
from cspr.cases.models import AgeBand, Harm, Incident
from cspr.deadlines import services as deadlines
from cspr.deadlines.names import Anchor
from cspr.services.checks import Checker
from cspr.services.context import Context
from cspr.services.errors import InputError, NotFound

CORRECTABLE = ("pseudonym", "la_case_reference", "la_area", "age_band", "harm", "looked_after",
               "care_leaver", "incident_on", "aware_on")


def get(ctx: Context, incident_id: int) -> Incident:
    """An incident of this partnership, or NotFound."""
    incident = ctx.session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    return incident


#: What an incident cannot be recorded without, and what to say when it is missing.
REQUIRED = {
    "pseudonym": "Enter the child's pseudonym",
    "la_case_reference": "Enter the local authority's case reference",
    "la_area": "Select the local authority area",
    "incident_on": "Enter the date of the incident",
    "aware_on": "Enter the date the local authority became aware",
}


def _check(ctx: Context, values: dict[str, Any]) -> None:
    c = Checker(ctx)
    for name, missing in REQUIRED.items():
        c.require(name, values.get(name), missing)
    c.date("incident_on", values.get("incident_on"), Anchor.INCIDENT)
    c.date("aware_on", values.get("aware_on"), Anchor.AWARE)
    c.not_before("aware_on", values.get("aware_on"), values.get("incident_on"), "the incident")
    areas = ctx.policy.identity["areas"]
    c.check("la_area", values.get("la_area") in areas,
            f"Select one of this partnership's local authority areas: {', '.join(areas)}")
    if values.get("care_leaver"):
        c.check("age_band", values.get("age_band") == AgeBand.CARE_LEAVER_18_24,
                "a care leaver is notified from 18 to 24: use the 18 to 24 band")
    elif values.get("age_band") == AgeBand.CARE_LEAVER_18_24:
        c.check("care_leaver", False, "the 18 to 24 band is for care leavers: tick care leaver")
    c.done()


def _next_reference(ctx: Context, year: int) -> str:
    prefix = f"{ctx.policy.identity['short_name']}-{year}-"
    count = ctx.session.scalar(
        select(func.count()).select_from(Incident).where(Incident.reference.startswith(prefix))
    )
    return f"{prefix}{count + 1:03d}"


def record(ctx: Context, *, pseudonym: str, la_case_reference: str, la_area: str,
           age_band: AgeBand, harm: Harm, incident_on: dt.date, aware_on: dt.date,
           looked_after: bool = False, care_leaver: bool = False) -> Incident:
    """Record an incident the local authority has become aware of; its clocks start."""
    values = dict(pseudonym=pseudonym.strip(), la_case_reference=la_case_reference.strip(),
                  la_area=la_area, age_band=AgeBand(age_band), harm=Harm(harm),
                  incident_on=incident_on, aware_on=aware_on, looked_after=looked_after,
                  care_leaver=care_leaver)
    _check(ctx, values)
    incident = Incident(reference=_next_reference(ctx, aware_on.year), stage="recorded", **values)
    ctx.session.add(incident)
    ctx.session.flush()
    children.ensure_first(ctx, incident)
    ctx.audit("incident.recorded", incident, reference=incident.reference)
    deadlines.sync_case(ctx, incident=incident)
    return incident


def correct(ctx: Context, incident: Incident, changes: dict[str, Any], reason: str) -> Incident:
    """Correct recorded facts; what depends on them is recomputed, and the change audited."""
    unknown = sorted(set(changes) - set(CORRECTABLE))
    if unknown:
        raise InputError({name: "cannot be corrected here" for name in unknown})
    if not reason or not reason.strip():
        raise InputError({"reason": "say why the record is being corrected"})
    values = {name: getattr(incident, name) for name in CORRECTABLE} | changes
    _check(ctx, values)
    if incident.notification is not None:
        if incident.notification.sent_on < values["aware_on"]:
            raise InputError({"aware_on": "Date the local authority became aware must be on or "
                                          "before the notification to the Panel "
                                          f"({incident.notification.sent_on:%-d %B %Y})"})
    before = {name: getattr(incident, name) for name in changes}
    for name, value in changes.items():
        setattr(incident, name, value)
    children.sync_first(incident, changes)
    ctx.audit("incident.corrected", incident, reason=reason.strip(), before=before, after=changes)
    deadlines.sync_case(ctx, incident=incident, reason=reason.strip())
    return incident
