"""Template helpers for the staff app: GOV.UK error summaries, dates, deadline tags."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask

from cspr.actions.rag import BY_VALUE, RAG_KEY, status
from cspr.reviews.inputs import KIND_LABELS
from cspr.reviews.services import DELAY_REASONS
from cspr.services import words
from cspr.web.forms import GovDateField

STATUS_TAGS = {
    "met": ("Met", "govuk-tag--green"),
    "met_late": ("Met late", "govuk-tag--orange"),
    "overdue": ("Overdue", "govuk-tag--red"),
    "due_today": ("Due today", "govuk-tag--yellow"),
    "open": ("Due", "govuk-tag--blue"),
    "not_before": ("Public until", "govuk-tag--grey"),
    "cancelled": ("Not needed", "govuk-tag--grey"),
}


def form_errors(form: Any) -> dict[str, Any]:
    """Params for govukErrorSummary: every error, linked to its field (a date to its day box)."""
    items = [{"text": message, "href": "#main-content"} for message in getattr(form, "form_errors", [])]
    for field in form:
        for message in field.errors[:1]:
            anchor = f"{field.id}-day" if isinstance(field, GovDateField) else field.id
            if field.type in ("RadioField", "SelectMultipleField"):
                anchor = f"{field.id}"
            items.append({"text": message, "href": f"#{anchor}"})
    return {"titleText": "There is a problem", "errorList": items}


def long_date(value: dt.date | None) -> str:
    """27 March 2026."""
    return f"{value:%-d %B %Y}" if value else ""


def status_tag(deadline: dict[str, Any]) -> dict[str, Any]:
    """Params for govukTag describing where a deadline stands."""
    text, classes = STATUS_TAGS[deadline["status"]]
    late, left = deadline["working_days_late"], deadline["working_days_left"]
    if deadline["status"] == "overdue":
        text = f"Overdue by {_days(late)}"
    elif deadline["status"] == "met_late":
        text = f"Met {_days(late)} late"
    elif deadline["status"] == "open" and left is not None:
        text = f"Due in {_days(left)}"
    return {"text": text, "classes": classes}


def utc_time(value: dt.datetime | None) -> str:
    """26 November 2026, 01:23:45 UTC (a stored time; SQLite gives naive UTC back)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return f"{value.astimezone(dt.UTC):%-d %B %Y, %H:%M:%S} UTC"


def framework(key: str) -> str:
    """'dhr' -> 'domestic homicide review (Domestic Violence, Crime and Victims Act 2004 s9)'."""
    from cspr.defaults import FRAMEWORKS

    return FRAMEWORKS.get(key, key)


def _days(n: int) -> str:
    return f"{n} working day{'s' * (n != 1)}"


def init_helpers(app: Flask) -> None:
    """Register the helpers with Jinja."""
    app.add_template_global(form_errors)
    app.add_template_global(status_tag)
    app.add_template_global({k.value: v for k, v in DELAY_REASONS.items()}, "delay_reasons")
    app.add_template_global(RAG_KEY, "rag_key")
    app.add_template_global(BY_VALUE, "rag_statuses")
    app.add_template_global(status, "rag_status")
    app.add_template_filter(long_date)
    app.add_template_filter(framework)
    app.add_template_filter(utc_time)
    app.add_template_filter(words.event, "words")
    app.add_template_filter(words.field, "field_words")
    app.add_template_filter(words.value, "value_words")
    app.add_template_filter(words.record, "record_words")
    app.add_template_filter(words.stage, "stage_words")
    app.add_template_global(words.counted, "counted")
    app.add_template_filter(words.actor, "actor_words")
    app.add_template_global(KIND_LABELS, "kind_labels")
