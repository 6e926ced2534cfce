"""A local review's progress on one page for the partners' meeting: stages, returns, drafts,
proceedings, practitioners and family, and slippage against its deadlines.

Built from the data; the agencies' returns come from their information requests (cspr.returns).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from cspr.deadlines.present import deadlines_by_kind
from cspr.reviews import involvement
from cspr.reviews.models import FamilyResponse, Review
from cspr.reviews.services import DELAY_REASONS

TO_FOLLOW = "[To follow]"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class Progress:
    """What the one-page summary shows."""

    title: str
    caption: str
    stages: list[tuple[str, str]] = field(default_factory=list)  # (stage, when or "Not yet")
    slippage: list[tuple[str, str]] = field(default_factory=list)  # (deadline, where it stands)
    lines: list[tuple[str, str]] = field(default_factory=list)  # returns, drafts, proceedings, people


def _long(day: Any) -> str:
    return f"{day:%-d %B %Y}"


def _standing(d: dict[str, Any]) -> str:
    if d["state"] == "met":
        late = d.get("working_days_late") or 0
        return f"Met on {_long(d['met_on'])}" + (f", {late} working days late" if late else "")
    if d["status"] == "overdue":
        return f"Overdue by {d['working_days_late']} working days (due {_long(d['due_on'])})"
    if d["state"] == "cancelled":
        return "Not needed"
    return f"Due {_long(d['due_on'])} ({d['working_days_left']} working days left)"


def proceedings_line(ctx: Any, review: Review) -> str:
    """The review's parallel proceedings (its own and its incident's), each with its status."""
    from cspr.proceedings import services as proceedings
    from cspr.proceedings.models import LIVE

    held = proceedings.of_case(ctx, review=review)
    if not held:
        return "None recorded"
    parts = []
    for p in held:
        named = proceedings.name(p)
        part = f"{named[0].upper()}{named[1:]}: {proceedings.STATUS_LABELS[p.status].lower()}"
        if p.restricts_publication and p.status in LIVE:
            part += " (publication waits for it)"
        parts.append(part)
    return "; ".join(parts)


def returns_line(ctx: Any, review: Review) -> str:
    """Who has and has not returned the review's information requests, by agency."""
    from cspr.returns import services as returns

    rows = returns.of_case(ctx, review=review)
    if not rows:
        return "No information requests sent yet"
    return f"{returns.returned(rows)}: " + "; ".join(f"{name}: {state.lower()}"
                                                      for name, state in returns.by_agency(ctx, rows))


def progress(ctx: Any, review: Review) -> Progress:
    """The review's progress, from what is recorded."""
    from cspr.reviews.inputs import KIND_LABELS

    incident = f" · incident {review.incident.reference}" if review.incident_id and review.incident else ""
    out = Progress(title=f"Progress of the review: {review.title}",
                   caption=f"{ctx.policy.name} · {KIND_LABELS.get(str(review.kind), str(review.kind))}"
                           f"{incident}")
    drafts = list(review.drafts)
    for stage, day in (("Decision to hold the review", review.decided_on),
                       ("Terms of reference agreed", review.terms_of_reference_on),
                       ("Reviewer commissioned", review.reviewer_commissioned_on),
                       ("First draft received", drafts[0].received_on if drafts else None),
                       ("Final report agreed by the partners", review.final_report_agreed_on),
                       ("Final report sent to the Panel and the Secretary of State", review.sent_to_panel_on),
                       ("Publication planned", review.planned_publication_on),
                       ("Published", review.published_on)):
        out.stages.append((stage, _long(day) if day else "Not yet"))
    due = sorted(deadlines_by_kind(ctx, f"review:{review.id}").values(), key=lambda d: d["due_on"])
    out.slippage = [(d["label"], _standing(d)) for d in due]
    if review.publication_delay_reason:
        out.slippage.append(("Why publication is past its target",
                             DELAY_REASONS[review.publication_delay_reason]
                             + (f": {review.publication_delay_detail}" if review.publication_delay_detail
                                else "")))
    events = involvement.learning_events(ctx, review)
    family = involvement.family(ctx, review)
    counts = {r: sum(1 for f in family if f.response == r) for r in FamilyResponse}
    out.lines = [
        ("Agency returns", returns_line(ctx, review)),
        ("Drafts", f"{len(drafts)} received, the latest on {_long(drafts[-1].received_on)}" if drafts
         else "None received yet"),
        ("Parallel proceedings", proceedings_line(ctx, review)),
        ("Learning events", (f"{len(events)} held, {sum(e.attended for e in events)} practitioners attended; "
                             f"the latest on {_long(events[-1].held_on)}") if events else "None held yet"),
        ("Family involvement", (f"{len(family)} offered: {counts[FamilyResponse.ACCEPTED]} accepted, "
                                f"{counts[FamilyResponse.DECLINED]} declined, "
                                f"{counts[FamilyResponse.AWAITING]} not answered yet") if family
         else "Not offered yet"),
    ]
    return out


def progress_docx(p: Progress) -> bytes:
    """The one-page summary as a Word document."""
    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.core_properties.title = p.title
    document.styles["Normal"].font.size = Pt(10)
    document.add_heading(p.title, level=1)
    document.add_paragraph(p.caption)
    for heading, rows in (("Stages", p.stages), ("Deadlines and slippage", p.slippage),
                          ("Returns, drafts, proceedings, practitioners and family", p.lines)):
        document.add_heading(heading, level=2)
        table = document.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for key, value in rows or [("None", "")]:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = key, value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
