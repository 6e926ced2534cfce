"""What the action plan takes: recommendations, the partners' responses, actions and their progress."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, missing

from cspr.actions.models import Rag
from cspr.actions.rag import RAG_LABELS  # the one RAG key
from cspr.services.inputs import NOT_BLANK, area, choice, date, one_of, text


def agencies(ctx: Any) -> list[tuple[str, str]]:
    """The partnership's agencies (safeguarding partners and relevant agencies), for a select."""
    return [("", "Select the owner")] + [(a["key"], a["name"]) for a in ctx.policy.agencies]


def owner(required: bool = True, **kw: Any) -> fields.String:
    """The agency that owns an action."""
    return text("Owner", max_length=64, min_length=1, widget="select", required=required,
                message="Select the agency that owns it", meta={**one_of("agencies"), "choices": agencies},
                **kw)


class RecommendationIn(Schema):
    """A recommendation of the review."""

    text = area("Recommendation", required=True, meta=NOT_BLANK)
    response = area("The partners' response")


class ResponseIn(Schema):
    """The partners' response to a recommendation."""

    response = area("The partners' response", required=True, meta=NOT_BLANK)


class ActionIn(Schema):
    """An action owned by a partner agency."""

    description = area("Action", required=True, meta=NOT_BLANK)
    owner_agency = owner()
    due_on = date("action_due", hint="Today or later, and within 5 years.")


class ActionUpdate(Schema):
    """Progress on an action (any of its parts; what is left out stays as it is)."""

    rag = choice(Rag, "Status", labels=RAG_LABELS, required=False, load_default=missing)
    evidence = area("Evidence", load_default=missing)
    completed_on = date("action_completed", required=False, load_default=missing)
    due_on = date("action_due", required=False, load_default=missing,
                  hint="Today or later, and within 5 years.")
    owner_agency = owner(required=False, load_default=missing)


class WithdrawalIn(Schema):
    """Why a mistaken action or recommendation is withdrawn (it is kept, shown as withdrawn, and audited)."""

    reason = area("Why it is withdrawn", required=True, max_length=500, message="Enter why it is withdrawn",
                  hint="For example, it was added to the wrong review. Everyone who reads the action plan "
                       "sees this.", meta=NOT_BLANK)


class AssuranceIn(Schema):
    """A partner's sign-off that the learning is embedded."""

    assured_on = date("assured")
