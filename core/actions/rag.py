"""The RAG key: what each status of an action means, its words and its colours, defined once.

The action plan, the board's view, the dashboard, the yearly figures, their charts and every
export show RAG from here (``rag_tag`` and ``rag_key`` in the staff templates). A new action has
no status until someone sets one: it is "Not set" (stored as none), shown and counted as such.
"""

from __future__ import annotations

from dataclasses import dataclass

from cspr.actions.models import Rag

#: The key's value for an action whose RAG nobody has set yet.
NOT_SET = "not_set"


@dataclass(frozen=True)
class RagStatus:
    """One status of the key."""

    value: str  # a Rag's value, or NOT_SET
    label: str
    meaning: str
    tag_class: str  # the GOV.UK tag's colour class
    colour: str  # the same colour for charts and spreadsheets (GOV.UK palette)
    text_colour: str = "#ffffff"  # what is legible on ``colour``

    @property
    def rag(self) -> Rag | None:
        """The stored status (None for "Not set")."""
        return None if self.value == NOT_SET else Rag(self.value)


RAG_KEY: tuple[RagStatus, ...] = (
    RagStatus(NOT_SET, "Not set", "New: no one has given it a status yet", "govuk-tag--light-blue",
              "#d2e2f1", "#0b0c0c"),
    RagStatus(Rag.RED.value, "Red", "Off track: late, or will not be done by its due date without help",
              "govuk-tag--red", "#d4351c"),
    RagStatus(Rag.AMBER.value, "Amber", "Under way, with a risk to its due date", "govuk-tag--orange",
              "#f47738", "#0b0c0c"),
    RagStatus(Rag.GREEN.value, "Green", "On track for its due date", "govuk-tag--green", "#00703c"),
    RagStatus(Rag.COMPLETE.value, "Complete", "Done, with the evidence recorded", "govuk-tag--grey",
              "#505a5f"),
)
#: The key by value ("red" -> its status; "not_set" for none).
BY_VALUE = {s.value: s for s in RAG_KEY}
#: The words of each status a person can choose (not "Not set": a status, once set, is one of these).
RAG_LABELS = {s.value: s.label for s in RAG_KEY if s.value != NOT_SET}


def key_value(rag: Rag | str | None) -> str:
    """The key's value of a stored status: its value, or NOT_SET for none."""
    if rag is None or rag == "":
        return NOT_SET
    return rag.value if isinstance(rag, Rag) else str(rag)


def status(rag: Rag | str | None) -> RagStatus:
    """The key's entry for a stored status (none: "Not set")."""
    return BY_VALUE[key_value(rag)]
