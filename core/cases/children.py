"""The children an incident concerns (up to four, pseudonymous) and the incident's Panel-form details.

Child 1 is the incident's first child: its age band, harm and looked-after and care-leaver status are
also the incident's own columns (the deadlines read them), so this module keeps the two the same.
"""

from __future__ import annotations

from typing import Any

from cspr.cases.models import (
    MAX_CHILDREN,
    AbuseKind,
    AgeBand,
    Child,
    ChildStatus,
    Disability,
    Ethnicity,
    Harm,
    Incident,
    PoliceInvestigation,
    Sex,
)
from cspr.services.checks import Checker
from cspr.services.context import Context
from cspr.services.errors import InputError, NotFound, StepError

FIELDS = ("pseudonym", "sex", "age_band", "ethnicity", "disability", "harm", "statuses", "abuse")


def first_child(incident: Incident) -> Child:
    """Child 1 as the incident's own columns describe it (for an incident recorded just now)."""
    statuses = [s for s, on in ((ChildStatus.LOOKED_AFTER, incident.looked_after),
                                (ChildStatus.CARE_LEAVER, incident.care_leaver)) if on]
    return Child(partnership_id=incident.partnership_id, position=1, pseudonym=incident.pseudonym,
                 age_band=incident.age_band, harm=incident.harm, statuses=[s.value for s in statuses],
                 abuse=[])


def ensure_first(ctx: Context, incident: Incident) -> None:
    """Give a newly recorded incident its child 1."""
    if not incident.children:
        incident.children.append(first_child(incident))
        ctx.session.flush()


def sync_first(incident: Incident, changes: dict[str, Any]) -> None:
    """After a correction of the incident's facts, child 1 says the same."""
    child = next((ch for ch in incident.children if ch.position == 1), None)
    if child is None:
        return
    for name in ("age_band", "harm"):
        if changes.get(name) is not None:
            setattr(child, name, ENUMS[name](changes[name]))
    statuses = list(child.statuses)
    for name, status in (("looked_after", ChildStatus.LOOKED_AFTER),
                         ("care_leaver", ChildStatus.CARE_LEAVER)):
        if name in changes:
            statuses = [s for s in statuses if s != status] + ([status.value] if changes[name] else [])
    child.statuses = _ordered(statuses, ChildStatus)


def _ordered(values: list[str], cls: type) -> list[str]:
    """Values in their enum's order, each once."""
    return [m.value for m in cls if m.value in {str(v) for v in values}]


def get(incident: Incident, position: int) -> Child:
    """Child ``position`` of the incident, or NotFound."""
    child = next((ch for ch in incident.children if ch.position == position), None)
    if child is None:
        raise NotFound(f"no child {position} in incident {incident.reference}")
    return child


def _check(ctx: Context, values: dict[str, Any]) -> None:
    c = Checker(ctx)
    c.require("pseudonym", (values.get("pseudonym") or "").strip(), "Enter the pseudonym")
    statuses = set(values.get("statuses") or [])
    if ChildStatus.CARE_LEAVER in statuses:
        c.check("age_band", values.get("age_band") == AgeBand.CARE_LEAVER_18_24,
                "a care leaver is notified from 18 to 24: use the 18 to 24 band")
    elif values.get("age_band") == AgeBand.CARE_LEAVER_18_24:
        c.check("statuses", False, "the 18 to 24 band is for care leavers: tick care leaver")
    c.check("statuses", not ({ChildStatus.LOOKED_AFTER, ChildStatus.CARE_LEAVER} <= statuses),
            "a child is either looked after or a care leaver, not both")
    c.done()


ENUMS = {"sex": Sex, "age_band": AgeBand, "ethnicity": Ethnicity, "disability": Disability, "harm": Harm}


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for name, cls in ENUMS.items():
        if out.get(name) is not None:
            out[name] = cls(out[name])
    if "pseudonym" in out:
        out["pseudonym"] = (out["pseudonym"] or "").strip()
    if "statuses" in out:
        out["statuses"] = _ordered(out["statuses"] or [], ChildStatus)
    if "abuse" in out:
        out["abuse"] = _ordered(out["abuse"] or [], AbuseKind)
    return out


def _mirror(incident: Incident, child: Child) -> None:
    """Child 1's facts are the incident's own."""
    if child.position != 1:
        return
    incident.age_band = child.age_band
    incident.harm = child.harm
    incident.looked_after = ChildStatus.LOOKED_AFTER in child.statuses
    incident.care_leaver = ChildStatus.CARE_LEAVER in child.statuses


def add(ctx: Context, incident: Incident, **values: Any) -> Child:
    """Add a child to the incident (up to four)."""
    ensure_first(ctx, incident)
    if len(incident.children) >= MAX_CHILDREN:
        raise StepError(f"The Panel's form takes up to {MAX_CHILDREN} children for one incident.")
    values = _clean({name: values.get(name) for name in FIELDS if values.get(name) is not None})
    values.setdefault("statuses", [])
    values.setdefault("abuse", [])
    _check(ctx, values)
    position = max(ch.position for ch in incident.children) + 1
    child = Child(partnership_id=incident.partnership_id, position=position, **values)
    incident.children.append(child)
    ctx.session.flush()
    ctx.audit("incident.child_added", child, incident=incident.reference, position=position)
    _resync(ctx, incident)
    return child


def update(ctx: Context, incident: Incident, position: int, changes: dict[str, Any]) -> Child:
    """Change what is recorded about one child; child 1's facts are the incident's too."""
    ensure_first(ctx, incident)
    child = get(incident, position)
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise InputError({name: "cannot be changed here" for name in unknown})
    changes = _clean({k: v for k, v in changes.items() if v is not None or k in ("statuses", "abuse")})
    values = {name: getattr(child, name) for name in FIELDS} | changes
    _check(ctx, values)
    before = {name: getattr(child, name) for name in changes if getattr(child, name) != changes[name]}
    after = {name: changes[name] for name in before}
    for name, value in changes.items():
        setattr(child, name, value)
    _mirror(incident, child)
    ctx.audit("incident.child_changed", child, incident=incident.reference, position=position,
              before=before, after=after)
    _resync(ctx, incident)
    return child


def remove(ctx: Context, incident: Incident, position: int) -> None:
    """Remove a child added in error (never child 1); the later ones move up."""
    ensure_first(ctx, incident)
    if position == 1:
        raise StepError("Child 1 is the incident's own child: correct the incident instead.")
    child = get(incident, position)
    incident.children.remove(child)
    ctx.session.flush()
    for ch in sorted(incident.children, key=lambda ch: ch.position):
        if ch.position > position:
            ch.position -= 1
            ctx.session.flush()
    ctx.audit("incident.child_removed", incident, incident=incident.reference, position=position)
    _resync(ctx, incident)


def _resync(ctx: Context, incident: Incident) -> None:
    """Whether Ofsted and the SoS are told depends on every child: the deadlines follow."""
    from cspr.deadlines import services as deadlines

    deadlines.sync_case(ctx, incident=incident)


def set_details(ctx: Context, incident: Incident, *, agencies_involved: list[str],
                police_investigating: Any) -> Incident:
    """Record the agencies involved and whether the police are investigating."""
    known = {a["key"] for a in ctx.policy.agencies}
    c = Checker(ctx)
    c.check("agencies_involved", set(agencies_involved) <= known,
            "Select agencies from this partnership's list")
    c.check("agencies_involved", len(set(agencies_involved)) == len(agencies_involved),
            "Name each agency once")
    c.done()
    order = [a["key"] for a in ctx.policy.agencies]
    agencies = sorted(set(agencies_involved), key=order.index)
    before = {"agencies_involved": list(incident.agencies_involved or []),
              "police_investigating": incident.police_investigating}
    incident.agencies_involved = agencies
    incident.police_investigating = PoliceInvestigation(police_investigating)
    ctx.audit("incident.details_changed", incident, before=before,
              after={"agencies_involved": agencies, "police_investigating": incident.police_investigating})
    return incident


def died(incident: Incident) -> bool:
    """Any child of the incident died."""
    return any(ch.harm == Harm.DEATH for ch in incident.children) or incident.harm == Harm.DEATH
