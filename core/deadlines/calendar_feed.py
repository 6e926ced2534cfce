"""Open deadlines as iCalendar: each an all-day event saying what it is, with a link and an alarm."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import select

from cspr.deadlines.models import Deadline, DeadlineState
from cspr.deadlines.reminders import subjects
from cspr.services.context import Context

#: The alarm: 9 in the morning of the day before an all-day event (15 hours before its start).
ALARM_BEFORE = dt.timedelta(hours=15)


def _open(ctx: Context, deadline_id: int | None = None) -> list[Deadline]:
    query = (select(Deadline).where(Deadline.state == DeadlineState.OPEN, Deadline.direction != "at_least")
             .order_by(Deadline.due_on, Deadline.id))
    if deadline_id is not None:
        query = query.where(Deadline.id == deadline_id)
    return list(ctx.session.scalars(query))


def deadlines_ics(ctx: Context) -> bytes:
    """Every open deadline of the partnership, one calendar; the download is audited."""
    ctx.audit("export.downloaded", what="deadlines calendar", format="ics")
    ctx.session.commit()
    return _calendar(ctx, _open(ctx), f"{ctx.policy.identity['short_name']} review deadlines")


def one_deadline_ics(ctx: Context, deadline_id: int) -> bytes | None:
    """One open deadline as a calendar file ("add to calendar"); None if there is no such open deadline."""
    rows = _open(ctx, deadline_id)
    if not rows:
        return None
    ctx.audit("export.downloaded", what="deadline in a calendar", format="ics", deadline=deadline_id)
    ctx.session.commit()
    return _calendar(ctx, rows, f"{ctx.policy.identity['short_name']}: {rows[0].label}")


def _calendar(ctx: Context, rows: list[Deadline], name: str) -> bytes:
    from icalendar import Alarm, Calendar, Event  # here, not at the top, like openpyxl: start-up time

    cal = Calendar()
    cal.add("prodid", "-//CSPR platform//deadlines//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    about = subjects(ctx.session, rows)
    base = current_app.config["BASE_URL"].rstrip("/")
    stamp = dt.datetime.now(dt.UTC)
    for d in rows:
        info = about.get(d.subject, {})
        case = info.get("name") or "the case"
        link = f"{base}/app/{ctx.policy.slug}/{info['path']}" if info.get("path") else None
        kind = "A statutory deadline" if d.statutory else "A local target of the partnership"
        lines = [f"{d.label}: due {d.due_on:%-d %B %Y}.", f"{kind}.", f"Case: {case}."]
        if link:
            lines.append(f"Open it: {link}")
        event = Event()
        event.add("uid", f"deadline-{d.id}@{ctx.policy.slug}.cspr")
        event.add("summary", f"{d.label} – {case}")
        event.add("description", "\n".join(lines))
        if link:
            event.add("url", link)
        event.add("dtstart", d.due_on)
        event.add("dtend", d.due_on + dt.timedelta(days=1))
        event.add("dtstamp", stamp)
        event.add("categories", ["Statutory" if d.statutory else "Local target"])
        event.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Due tomorrow: {d.label} – {case}")
        alarm.add("trigger", -ALARM_BEFORE)
        event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()


__all__ = ["ALARM_BEFORE", "deadlines_ics", "one_deadline_ics"]
