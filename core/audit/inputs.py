"""What the audit trail's filter takes: an action prefix, a person, a date range."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, validates_schema

from cspr.services.inputs import choice, date, text


class AuditFilterIn(Schema):
    """Filter the audit trail (a GET form: it changes nothing)."""

    action = text("Action starts with", max_length=64, required=False, single_line=False,
                  hint="For example, review. or access.denied")
    user = choice(None, "Person", widget="select", required=False,
                  meta={"choice_error": "Select a person from the list"})
    since = date("From (UTC)", required=False, hint="For example, 27 3 2026")
    until = date("To (UTC)", required=False, hint="For example, 28 3 2026")

    @validates_schema
    def _in_order(self, data: dict[str, Any], **_kwargs: Any) -> None:
        """The range does not end before it starts."""
        if data.get("until") and data.get("since") and data["until"] < data["since"]:
            raise ValidationError("The ‘to’ date must be the same as or after the ‘from’ date", "until")
