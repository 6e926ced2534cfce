"""What goes to the Panel: the notification as its online form asks it, and the rapid review document.

Both are built from the data (never typed twice). Where something is not recorded yet (no key practice
episode marked in the chronology, no immediate actions with the decision), the document leaves a clearly
marked place: :data:`TO_FOLLOW` starts each, so a reader (and a test) can find what is still to fill.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from cspr.cases import inputs as labels
from cspr.cases.models import Child, Incident
from cspr.services.context import Context

TO_FOLLOW = "[To follow]"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

#: The rapid review's sections, in the order the Panel is used to reading them.
RAPID_REVIEW_SECTIONS = ("The case in brief", "Agency involvement", "Key practice episodes and learning",
                         "Immediate actions taken", "The partners' decision and its rationale")


@dataclass
class Section:
    """A part of a summary: a heading and its questions with their answers."""

    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)


def _long(day: Any) -> str:
    return f"{day:%-d %B %Y}" if day else "Not recorded"


def _list(values: list[str], names: dict[str, str], empty: str = "None recorded") -> str:
    return ", ".join(names.get(str(v), str(v)) for v in values) if values else empty


def agency_names(ctx: Context) -> dict[str, str]:
    """The partnership's agencies by key."""
    return {a["key"]: a["name"] for a in ctx.policy.agencies}


def agencies_text(ctx: Context, incident: Incident) -> str:
    """The agencies involved, by name."""
    return _list(incident.agencies_involved or [], agency_names(ctx))


def children_of(incident: Incident) -> list[Child]:
    """The incident's children, child 1 first (an incident from before the children has its one)."""
    if incident.children:
        return sorted(incident.children, key=lambda ch: ch.position)
    from cspr.cases.children import first_child

    return [first_child(incident)]


def child_rows(child: Child) -> list[tuple[str, str]]:
    """One child as the Panel's form asks about them (pseudonymous)."""
    return [
        ("Pseudonym", child.pseudonym),
        ("Sex", labels.SEX_LABELS[str(child.sex or "not_known")]),
        ("Age band", labels.AGE_LABELS[str(child.age_band)]),
        ("Ethnicity", labels.ETHNICITY_LABELS[str(child.ethnicity or "not_known")]),
        ("Disability", labels.DISABILITY_LABELS[str(child.disability or "not_known")]),
        ("Status at the time of the incident", _list(child.statuses or [], labels.STATUS_LABELS,
                                                      "None of these")),
        ("What happened", labels.HARM_LABELS[str(child.harm)]),
        ("Abuse or neglect known or suspected", _list(child.abuse or [], labels.ABUSE_LABELS)),
    ]


def notification_summary(ctx: Context, incident: Incident) -> list[Section]:
    """The notification, in the order of the Panel's online form, to copy into it."""
    n = incident.notification
    about = Section("The incident", [
        ("Safeguarding partnership", ctx.policy.name),
        ("Local authority area", incident.la_area),
        ("Local authority case reference", incident.la_case_reference),
        ("Date of the incident", _long(incident.incident_on)),
        ("Date the local authority became aware", _long(incident.aware_on)),
        ("Number of children", str(len(children_of(incident)))),
        ("Agencies involved", agencies_text(ctx, incident)),
        ("Are the police investigating?", labels.POLICE_LABELS[str(incident.police_investigating or
                                                                   "not_known")]),
        ("Date the Panel was notified", _long(n.sent_on) if n else "Not notified yet"),
        ("Panel reference", (n.panel_reference or "Not given") if n else "Not notified yet"),
    ])
    sections = [about]
    for child in children_of(incident):
        sections.append(Section(f"Child {child.position}", child_rows(child)))
    return sections


def as_text(title: str, sections: list[Section]) -> str:
    """Sections as plain text, question and answer on one line each (copy, paste, export)."""
    lines = [title, "=" * len(title), ""]
    for section in sections:
        lines += [section.title, "-" * len(section.title)]
        lines += [f"{question}: {answer}" for question, answer in section.rows]
        lines.append("")
    return "\n".join(lines)


def notification_text(ctx: Context, incident: Incident) -> str:
    """The notification summary as plain text."""
    return as_text(f"Notification to the Panel: {incident.pseudonym} ({incident.reference})",
                   notification_summary(ctx, incident))


def _decision_rows(incident: Incident) -> list[tuple[str, str]]:
    rr = incident.rapid_review
    if rr is None or rr.decision is None:
        return [("The partners' decision", f"{TO_FOLLOW} The partners have not recorded their decision yet.")]
    rows = [("Rapid review meeting", _long(rr.meeting_on)),
            ("The partners' decision", labels.DECISION_LABELS[str(rr.decision)]),
            ("Why the partners decided this", rr.rationale or f"{TO_FOLLOW} No rationale recorded."),
            ("Sent to the Panel", _long(rr.sent_to_panel_on))]
    if rr.panel_response:
        rows.append(("The Panel's response", labels.RESPONSE_LABELS[str(rr.panel_response)]))
    return rows


def key_episodes(ctx: Context, incident: Incident) -> list[tuple[str, str]]:
    """The key practice episodes marked in the chronology, by date: (date and agency, what happened)."""
    from cspr.chronology import services as chronology

    names = agency_names(ctx)
    return [(f"{chronology.date_of(e).shown()}, {names.get(e.agency, e.agency)}", e.what_happened)
            for e in chronology.merged(ctx, incident) if e.key_episode]


def rapid_review_sections(ctx: Context, incident: Incident) -> list[tuple[str, list[tuple[str, str]], str]]:
    """The rapid review's sections in order: (title, rows from the data, text still to follow or "")."""
    from cspr.returns import services as returns

    children = children_of(incident)
    brief = [("Case", f"{incident.pseudonym} ({incident.reference})"),
             ("Local authority area", incident.la_area),
             ("Date of the incident", _long(incident.incident_on)),
             ("Date the local authority became aware", _long(incident.aware_on)),
             ("Date the Panel was notified", _long(incident.notification.sent_on)
              if incident.notification else "Not notified yet"),
             ("Are the police investigating?", labels.POLICE_LABELS[str(incident.police_investigating or
                                                                        "not_known")])]
    for child in children:
        facts = dict(child_rows(child))
        brief.append((f"Child {child.position}: {child.pseudonym}",
                      "; ".join(f"{k.lower()}: {v}" for k, v in facts.items() if k != "Pseudonym")))
    requests = returns.of_case(ctx, incident=incident)
    agencies = [("Agencies involved", agencies_text(ctx, incident)),
                *((f"Return from {name}", state) for name, state in returns.by_agency(ctx, requests))]
    episodes = key_episodes(ctx, incident)
    actions = incident.rapid_review.immediate_actions if incident.rapid_review else None
    return [
        (RAPID_REVIEW_SECTIONS[0], brief, ""),
        # "to follow" until every agency asked has returned its information request
        (RAPID_REVIEW_SECTIONS[1], agencies,
         "" if returns.all_returned(requests) else
         f"{TO_FOLLOW} Each agency's involvement with the family, from its return to the information "
         "request."),
        (RAPID_REVIEW_SECTIONS[2], episodes,
         "" if episodes else f"{TO_FOLLOW} No key practice episode is marked in the multi-agency "
                             "chronology yet."),
        (RAPID_REVIEW_SECTIONS[3], [("Immediate actions taken", actions)] if actions else [],
         "" if actions else f"{TO_FOLLOW} The actions the agencies took straight away to keep children "
                            "safe are recorded with the partners' decision."),
        (RAPID_REVIEW_SECTIONS[4], _decision_rows(incident), ""),
    ]


def rapid_review_docx(ctx: Context, incident: Incident) -> bytes:
    """The rapid review as a Word document for the Panel, its sections in the usual order."""
    from docx import Document

    title = f"Rapid review: {incident.pseudonym} ({incident.reference})"
    document = Document()
    document.core_properties.title = title
    document.core_properties.subject = f"{ctx.policy.name}: rapid review for the Child Safeguarding " \
                                       "Practice Review Panel"
    document.add_paragraph(ctx.policy.name)
    document.add_heading(title, level=1)
    for number, (heading, rows, to_follow) in enumerate(rapid_review_sections(ctx, incident), start=1):
        document.add_heading(f"{number}. {heading}", level=2)
        if rows:
            table = document.add_table(rows=0, cols=2)
            table.style = "Table Grid"
            for question, answer in rows:
                cells = table.add_row().cells
                cells[0].text, cells[1].text = question, answer
        if to_follow:
            document.add_paragraph(to_follow)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
