"""Exports a partnership reports from: the case tracker (CSV, XLSX) and deadlines (iCalendar)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cspr.cases.inputs import DECISION_LABELS
from cspr.cases.models import Incident
from cspr.deadlines import services as deadlines
from cspr.deadlines.models import Deadline, DeadlineState
from cspr.reviews.inputs import KIND_LABELS
from cspr.reviews.models import Review
from cspr.reviews.services import DELAY_REASONS
from cspr.services import words
from cspr.services.context import Context
from cspr.services.worksheets import formula_safe, lay_out, writable

#: Each reason for a late publication in words, by its stored code.
DELAY_WORDS = {reason.value: label for reason, label in DELAY_REASONS.items()}

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


def _in_words(key: str, value: Any) -> Any:
    """A tracker cell as a person reads it: kinds, stages, decisions and reasons in words, not codes."""
    if value is None or not isinstance(value, str):
        return value
    if key == "kind":
        if value == "incident":
            return "Incident (no review yet)"
        return KIND_LABELS.get(value) or words.value(value)
    if key == "stage":
        return words.stage(value)
    if key == "decision":
        return DECISION_LABELS.get(value) or words.value(value)
    if key == "delay_reason":
        return DELAY_WORDS.get(value) or words.value(value)
    return value


#: The Actions sheet's columns.
ACTION_HEADINGS = ["Review", "Recommendation", "Action", "Owning agency", "Due", "RAG", "Status"]


def tracker_actions(ctx: Context) -> list[list[Any]]:
    """One row per action of every review's plan, in words: where it stands, its RAG, withdrawn or not."""
    from cspr.actions.board import withdrawal
    from cspr.actions.models import Action, Recommendation
    from cspr.actions.rag import status

    agencies = {a["key"]: a["name"] for a in ctx.policy.agencies}
    due = {d.action_id: d for d in ctx.session.scalars(
        select(Deadline).where(Deadline.kind == deadlines.ACTION_DUE))}
    found = ctx.session.execute(
        select(Action, Recommendation, Review)
        .join(Recommendation, Recommendation.id == Action.recommendation_id)
        .join(Review, Review.id == Recommendation.review_id)
        .order_by(Review.title, Review.id, Recommendation.number, Action.due_on, Action.id)).all()
    rows = []
    for action, rec, review in found:
        rows.append([review.title, f"{rec.number}. {rec.text}", action.description,
                     agencies.get(action.owner_agency, action.owner_agency), action.due_on,
                     status(action.rag).label,
                     withdrawal(action) or withdrawal(rec) or _standing_words(ctx, due.get(action.id))])
    return rows


def _standing_words(ctx: Context, deadline: Deadline | None) -> str:
    if deadline is None:
        return "Open"
    where = deadlines.standing(deadline, ctx.calendar, ctx.today)
    if where.status == "overdue":
        return f"Overdue by {words.counted(where.working_days_late or 0, 'working day')}"
    return STANDING_WORDS.get(where.status, words.value(where.status))


STANDING_WORDS = {"met": "Complete", "met_late": "Complete, after its due date", "due_today": "Due today",
                  "open": "Open", "not_before": "Open", "cancelled": "Withdrawn"}


def tracker_xlsx(rows: list[dict[str, Any]], title: str, actions: list[list[Any]] | None = None) -> bytes:
    """The tracker as an Excel workbook people use: real dates shown as dd/mm/yyyy, fitted columns, a filter
    on a frozen heading row, words instead of codes; an Actions sheet and the RAG key.
    """
    from openpyxl import Workbook  # here, not at the top: openpyxl adds 0.3 s to every command's start

    from cspr.actions.rag import RAG_KEY

    book = Workbook()
    sheet = book.active
    sheet.title = "Tracker"
    lay_out(sheet, [heading for _, heading in COLUMNS],
            [[_in_words(k, row[k]) for k, _ in COLUMNS] for row in rows])
    lay_out(book.create_sheet("Actions"), ACTION_HEADINGS, actions or [])
    lay_out(book.create_sheet("RAG key"), ["RAG", "What it means"],
            [[s.label, s.meaning] for s in RAG_KEY])
    book.properties.title = writable(title)
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
    return Download(tracker_xlsx(rows, ctx.policy.name, tracker_actions(ctx)), XLSX, name)
