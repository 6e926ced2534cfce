"""Exports a partnership reports from: the case tracker (CSV, XLSX) and deadlines (iCalendar)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cspr.cases.models import Incident
from cspr.deadlines import services as deadlines
from cspr.deadlines.models import Deadline, DeadlineState
from cspr.reviews.models import Review
from cspr.services.context import Context
from cspr.services.worksheets import cell_text, formula_safe

#: Tracker columns: (key, heading).
COLUMNS = [
    ("reference", "Reference"), ("pseudonym", "Pseudonym"), ("kind", "Kind"),
    ("stage", "Stage"), ("aware_on", "LA aware"),
    ("notify_due", "Panel notification due"), ("notified_on", "Panel notified"),
    ("notify_late", "Notification: working days late"),
    ("rapid_due", "Rapid review due"), ("rapid_sent_on", "Rapid review sent"),
    ("rapid_late", "Rapid review: working days late"), ("decision", "Decision"),
    ("decided_on", "Review decided"), ("publication_due", "Publication due"),
    ("planned_publication_on", "Planned publication"),
    ("delay_reason", "Publication delay: reason"), ("delay_detail", "Publication delay: details"),
    ("published_on", "Published"), ("publication_late", "Publication: working days late"),
    ("open_deadlines", "Open deadlines"), ("overdue_deadlines", "Overdue deadlines"),
]


def tracker_rows(ctx: Context) -> list[dict[str, Any]]:
    """One row per case (an incident and its first review) and per review without an incident."""
    incidents = ctx.session.scalars(
        select(Incident).order_by(Incident.aware_on, Incident.id).options(
            selectinload(Incident.notification), selectinload(Incident.rapid_review),
            selectinload(Incident.reviews))
    ).all()
    lone = ctx.session.scalars(
        select(Review).where(Review.incident_id.is_(None), Review.legacy.is_(False))
        .order_by(Review.decided_on, Review.id)
    ).all()
    by_subject: dict[str, dict[str, Deadline]] = {}
    for d in ctx.session.scalars(select(Deadline).where(Deadline.action_id.is_(None))):
        by_subject.setdefault(d.subject, {})[d.kind] = d

    def late(d: Deadline | None) -> int | None:
        return deadlines.standing(d, ctx.calendar, ctx.today).working_days_late if d else None

    def counts(*subjects: str) -> tuple[int, int]:
        rows = [d for s in subjects for d in by_subject.get(s, {}).values()
                if d.state == DeadlineState.OPEN and d.direction != "at_least"]
        return len(rows), sum(1 for d in rows if d.due_on < ctx.today)

    out = []
    for inc in incidents:
        led_to = [r for r in inc.reviews if not r.legacy]  # oldest first: the row shows the first
        review = led_to[0] if led_to else None
        own = by_subject.get(f"incident:{inc.id}", {})
        rev = by_subject.get(f"review:{review.id}", {}) if review else {}
        # the counts are the whole case's: the incident's and every review's it led to
        open_n, overdue_n = counts(f"incident:{inc.id}", *(f"review:{r.id}" for r in led_to))
        decision = inc.rapid_review.decision if inc.rapid_review else None
        out.append({
            "reference": inc.reference, "pseudonym": inc.pseudonym,
            "kind": review.kind.value if review else "incident",
            "stage": review.stage if review else inc.stage, "aware_on": inc.aware_on,
            "notify_due": own["notify_panel"].due_on if "notify_panel" in own else None,
            "notified_on": inc.notification.sent_on if inc.notification else None,
            "notify_late": late(own.get("notify_panel")),
            "rapid_due": own["rapid_review"].due_on if "rapid_review" in own else None,
            "rapid_sent_on": inc.rapid_review.sent_to_panel_on if inc.rapid_review else None,
            "rapid_late": late(own.get("rapid_review")),
            "decision": decision.value if decision else None,
            "decided_on": review.decided_on if review else None,
            "publication_due": rev["publication"].due_on if "publication" in rev else None,
            **_delay(review),
            "published_on": review.published_on if review else None,
            "publication_late": late(rev.get("publication")),
            "open_deadlines": open_n, "overdue_deadlines": overdue_n,
        })
    for review in lone:
        rev = by_subject.get(f"review:{review.id}", {})
        open_n, overdue_n = counts(f"review:{review.id}")
        out.append({
            "reference": f"review-{review.id}", "pseudonym": review.pseudonym or review.title,
            "kind": review.kind.value, "stage": review.stage, "aware_on": None,
            "notify_due": None, "notified_on": None, "notify_late": None, "rapid_due": None,
            "rapid_sent_on": None, "rapid_late": None, "decision": None,
            "decided_on": review.decided_on,
            "publication_due": rev["publication"].due_on if "publication" in rev else None,
            **_delay(review),
            "published_on": review.published_on, "publication_late": late(rev.get("publication")),
            "open_deadlines": open_n, "overdue_deadlines": overdue_n,
        })
    return out


def _delay(review: Review | None) -> dict[str, Any]:
    """The planned publication and, past the target, the reason for the delay (a code to count)."""
    reason = review.publication_delay_reason if review else None
    return {"planned_publication_on": review.planned_publication_on if review else None,
            "delay_reason": reason.value if reason else None,
            "delay_detail": review.publication_delay_detail if review else None}


def tracker_csv(rows: list[dict[str, Any]]) -> str:
    """The tracker as CSV with a heading row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([heading for _, heading in COLUMNS])
    for row in rows:
        writer.writerow(["" if row[k] is None else formula_safe(row[k]) for k, _ in COLUMNS])
    return buffer.getvalue()


def tracker_xlsx(rows: list[dict[str, Any]], title: str) -> bytes:
    """The tracker as an Excel workbook, dates as dates."""
    from openpyxl import Workbook  # here, not at the top: openpyxl adds 0.3 s to every command's start
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Tracker"
    sheet.append([heading for _, heading in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([cell_text(row[k]) for k, _ in COLUMNS])
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    book.properties.title = title
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Download:
    """A file to hand to the person who asked for it."""

    body: bytes | str
    mimetype: str
    filename: str


def tracker_download(ctx: Context, fmt: str) -> Download:
    """The tracker as CSV or XLSX; the export is audited and committed first."""
    ctx.audit("export.downloaded", what="case tracker", format=fmt)
    ctx.session.commit()
    rows = tracker_rows(ctx)
    name = f"{ctx.policy.slug}-tracker-{ctx.today.isoformat()}.{fmt}"
    if fmt == "csv":
        return Download(tracker_csv(rows), "text/csv", name)
    return Download(tracker_xlsx(rows, ctx.policy.name), XLSX, name)
