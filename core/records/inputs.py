"""What a legal hold takes: what it holds and why; and why it is released."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, ValidationError, validate, validates_schema

from cspr.services.inputs import MAX_ID, area, choice, text

HOLD_SCOPES = {"partnership": "Everything the partnership holds", "incident": "One case",
               "review": "One review"}


class HoldIn(Schema):
    """Place a legal hold: retention deletes nothing it covers until it is released."""

    scope = choice(None, "What to hold", labels=HOLD_SCOPES, message="Select what to hold",
                   validate=validate.OneOf(list(HOLD_SCOPES), error="Select what to hold"))
    incident_ref = text("Case reference", max_length=32, required=False,
                        hint="For one case, like DSCP-2026-003. The case's reviews are held too.")
    review_id = text("Review number", max_length=12, required=False,
                     hint="For one review: the number in its address, like /reviews/12. "
                          "Its case is held too.")
    reason = area("Reason for the hold", required=True,
                  hint="Who ordered it and when, e.g. the inquiry's direction.")

    @validates_schema
    def _subject(self, data: dict[str, Any], **_kwargs: Any) -> None:
        """One case needs its reference; one review its number."""
        if data["scope"] == "incident" and not (data.get("incident_ref") or "").strip():
            raise ValidationError("Enter the case reference", "incident_ref")
        number = (data.get("review_id") or "").strip()
        if data["scope"] == "review" and not (re.fullmatch(r"[0-9]{1,10}", number) and int(number) <= MAX_ID):
            raise ValidationError("Enter the review number, like 12", "review_id")


class ReleaseHoldIn(Schema):
    """Release a legal hold, with the reason."""

    reason = area("Reason for releasing the hold", required=True,
                  hint="E.g. the inquiry's notice that the records are no longer needed.")
