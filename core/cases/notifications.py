"""Step 2: the local authority's notification to the Panel (and to Ofsted and the SoS)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cspr.cases.models import Incident, Notification
from cspr.deadlines import services as deadlines
from cspr.deadlines.names import Anchor
from cspr.services.checks import Checker
from cspr.services.context import Context
from cspr.services.errors import InputError, StepError

CORRECTABLE = ("sent_on", "panel_reference", "ofsted_sos_notified_on", "partners_told_on")


def _check(ctx: Context, incident: Incident, values: dict[str, Any]) -> None:
    c = Checker(ctx)
    c.require("sent_on", values.get("sent_on"), "Enter the date the Panel was notified")
    c.date("sent_on", values.get("sent_on"), Anchor.NOTIFICATION)
    c.not_before("sent_on", values.get("sent_on"), incident.aware_on, "the date the LA became aware")
    for name, fact in (("ofsted_sos_notified_on", Anchor.OFSTED_SOS_NOTIFIED),
                       ("partners_told_on", "partners_told")):
        c.date(name, values.get(name), fact)
        c.not_before(name, values.get(name), incident.aware_on, "the date the LA became aware")
    if values.get("ofsted_sos_notified_on") and not incident.looked_after_death():
        c.check("ofsted_sos_notified_on", False,
                "only the death of a looked-after child is notified to Ofsted and the SoS here")
    rapid = incident.rapid_review
    if rapid is not None and rapid.sent_to_panel_on and values.get("sent_on"):
        c.check("sent_on", values["sent_on"] <= rapid.sent_to_panel_on,
                "Date the Panel was notified must be on or before the rapid review went to "
                f"the Panel ({rapid.sent_to_panel_on:%-d %B %Y})")
    c.done()


def record(ctx: Context, incident: Incident, *, sent_on: dt.date, panel_reference: str | None = None,
           ofsted_sos_notified_on: dt.date | None = None,
           partners_told_on: dt.date | None = None) -> Notification:
    """Record that the Panel was notified; the rapid review's clock starts."""
    if incident.notification is not None:
        raise StepError("The Panel notification is already recorded; correct it instead.")
    values = dict(sent_on=sent_on, panel_reference=(panel_reference or "").strip() or None,
                  ofsted_sos_notified_on=ofsted_sos_notified_on, partners_told_on=partners_told_on)
    _check(ctx, incident, values)
    notification = Notification(incident_id=incident.id, **values)
    ctx.session.add(notification)
    incident.notification = notification
    incident.stage = "notified"
    ctx.session.flush()
    ctx.audit("notification.recorded", notification, incident=incident.reference, sent_on=sent_on)
    deadlines.sync_case(ctx, incident=incident)
    return notification


def correct(ctx: Context, incident: Incident, changes: dict[str, Any], reason: str) -> Notification:
    """Correct the notification's dates or reference, with a reason; deadlines follow."""
    notification = incident.notification
    if notification is None:
        raise StepError("Record the Panel notification first.")
    unknown = sorted(set(changes) - set(CORRECTABLE))
    if unknown:
        raise InputError({name: "cannot be corrected here" for name in unknown})
    if not reason or not reason.strip():
        raise InputError({"reason": "say why the record is being corrected"})
    values = {name: getattr(notification, name) for name in CORRECTABLE} | changes
    _check(ctx, incident, values)
    before = {name: getattr(notification, name) for name in changes}
    for name, value in changes.items():
        setattr(notification, name, value)
    ctx.audit("notification.corrected", notification, reason=reason.strip(), before=before,
              after=changes)
    deadlines.sync_case(ctx, incident=incident, reason=reason.strip())
    return notification
