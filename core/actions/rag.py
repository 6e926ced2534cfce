"""The RAG key: what each status of an action means, its words and its colours, defined once.

The action plan, the board's view, the dashboard, the yearly figures, their charts and every
export show RAG from here (``rag_tag`` and ``rag_key`` in the staff templates).
"""

from __future__ import annotations

from dataclasses import dataclass

from cspr.actions.models import Rag


@dataclass(frozen=True)
class RagStatus:
    """One status of the key."""

    rag: Rag
    label: str
    meaning: str
    tag_class: str  # the GOV.UK tag's colour class
    colour: str  # the same colour for charts and spreadsheets (GOV.UK palette)


RAG_KEY: tuple[RagStatus, ...] = (
    RagStatus(Rag.RED, "Red", "Off track: late, or will not be done by its due date without help",
              "govuk-tag--red", "#d4351c"),
    RagStatus(Rag.AMBER, "Amber", "Under way, with a risk to its due date", "govuk-tag--orange", "#f47738"),
    RagStatus(Rag.GREEN, "Green", "On track for its due date", "govuk-tag--green", "#00703c"),
    RagStatus(Rag.COMPLETE, "Complete", "Done, with the evidence recorded", "govuk-tag--grey", "#505a5f"),
)
#: The key by value ("red" -> its status).
BY_VALUE = {s.rag.value: s for s in RAG_KEY}
#: The words of each status.
RAG_LABELS = {s.rag.value: s.label for s in RAG_KEY}
