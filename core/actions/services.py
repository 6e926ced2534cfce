"""Step 8: recommendations, the partners' response, and actions owned by partner agencies."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from cspr.actions.models import Action, Rag, Recommendation
from cspr.deadlines import services as deadlines
from cspr.reviews.models import Review
from cspr.services.checks import Checker
from cspr.services.context import Context
from cspr.services.errors import NotFound, StepError


def get_recommendation(ctx: Context, recommendation_id: int) -> Recommendation:
    """A recommendation of this partnership, or NotFound."""
    rec = ctx.session.get(Recommendation, recommendation_id)
    if rec is None:
        raise NotFound(f"no recommendation {recommendation_id}")
    return rec


def get_action(ctx: Context, action_id: int) -> Action:
    """An action of this partnership, or NotFound."""
    action = ctx.session.get(Action, action_id)
    if action is None:
        raise NotFound(f"no action {action_id}")
    return action


def add_recommendation(ctx: Context, review: Review, *, text: str,
                       response: str | None = None) -> Recommendation:
    """Add the review's next recommendation (once the final report is agreed)."""
    if review.final_report_agreed_on is None and not review.legacy:
        raise StepError("Recommendations come with the final report: agree it first.")
    c = Checker(ctx)
    c.require("text", (text or "").strip(), "Enter the recommendation")
    c.done()
    number = (ctx.session.scalar(
        select(func.max(Recommendation.number)).where(Recommendation.review_id == review.id)
    ) or 0) + 1
    rec = Recommendation(review_id=review.id, number=number, text=text.strip(),
                         response=(response or "").strip() or None)
    ctx.session.add(rec)
    ctx.session.flush()
    ctx.audit("recommendation.added", rec, review=review.id, number=number)
    return rec


def respond(ctx: Context, rec: Recommendation, *, response: str) -> Recommendation:
    """Record the partners' response to a recommendation."""
    c = Checker(ctx)
    c.require("response", (response or "").strip(), "Enter the response to the recommendation")
    c.done()
    rec.response = response.strip()
    ctx.audit("recommendation.responded", rec)
    return rec


def _check_action(ctx: Context, owner_agency: str, due_on: dt.date | None,
                  new_due: bool = True, overdue_allowed: bool = False) -> Checker:
    """The owner is an agency here; a due date being recorded now is in the date rules' range.

    A due date cannot be before the day it is recorded, nor more than a few years ahead
    (cspr.services.dates); one recorded earlier and left unchanged is not checked again.
    """
    c = Checker(ctx)
    keys = [a["key"] for a in ctx.policy.agencies]
    c.check("owner_agency", owner_agency in keys,
            f"must be one of this partnership's agencies: {', '.join(keys)}")
    c.require("due_on", due_on, "Enter the due date")
    if new_due:
        c.date("due_on", due_on, "action_due_imported" if overdue_allowed else "action_due")
    return c


def add_action(ctx: Context, rec: Recommendation, *, description: str, owner_agency: str,
               due_on: dt.date, overdue_allowed: bool = False) -> Action:
    """An action, owned by one partner agency, with a due date that becomes a deadline.

    ``overdue_allowed``: an action plan brought in from before the platform (cspr.imports) keeps
    a due date already past, and its deadline shows it overdue.
    """
    c = _check_action(ctx, owner_agency, due_on, overdue_allowed=overdue_allowed)
    c.require("description", (description or "").strip(), "Enter what the action is")
    c.done()
    action = Action(recommendation_id=rec.id, description=description.strip(),
                    owner_agency=owner_agency, due_on=due_on, rag=Rag.AMBER)
    ctx.session.add(action)
    ctx.session.flush()
    ctx.audit("action.added", action, recommendation=rec.id, owner=owner_agency, due_on=due_on)
    deadlines.sync_action(ctx, action)
    return action


def update_action(ctx: Context, action: Action, *, rag: Rag | None = None,
                  evidence: str | None = None, completed_on: dt.date | None = None,
                  due_on: dt.date | None = None, owner_agency: str | None = None) -> Action:
    """Move an action on: status, evidence, completion, a new due date or owner."""
    rag = Rag(rag) if rag is not None else action.rag
    c = _check_action(ctx, owner_agency or action.owner_agency, due_on or action.due_on,
                      new_due=due_on is not None and due_on != action.due_on)
    evidence_text = (evidence if evidence is not None else action.evidence or "").strip()
    if rag == Rag.COMPLETE:
        done_on = completed_on or action.completed_on
        c.require("completed_on", done_on, "Enter the date the action was completed")
        c.date("completed_on", done_on, "action_completed")
        c.require("evidence", evidence_text, "Enter the evidence that the action is complete")
    else:
        c.check("completed_on", completed_on is None, "only a complete action has a completion date")
    c.done()
    before = {"rag": action.rag, "due_on": action.due_on, "owner": action.owner_agency}
    action.rag = rag
    action.evidence = evidence_text or None
    action.completed_on = (completed_on or action.completed_on) if rag == Rag.COMPLETE else None
    if rag != Rag.COMPLETE:
        action.assured_on = action.assured_by_id = None
    action.due_on = due_on or action.due_on
    action.owner_agency = owner_agency or action.owner_agency
    ctx.audit("action.updated", action, before=before,
              after={"rag": rag, "due_on": action.due_on, "owner": action.owner_agency})
    deadlines.sync_action(ctx, action)
    return action


def assure(ctx: Context, action: Action, *, assured_on: dt.date) -> Action:
    """A partner signs off that the learning is embedded (only for a complete action)."""
    if action.rag != Rag.COMPLETE:
        raise StepError("Only a complete action, with its evidence, can be signed off.")
    c = Checker(ctx)
    c.date("assured_on", assured_on, "assured")
    c.not_before("assured_on", assured_on, action.completed_on, "the action's completion")
    c.done()
    action.assured_on, action.assured_by_id = assured_on, ctx.user_id
    ctx.audit("action.assured", action, assured_on=assured_on)
    return action
