"""Step 8: recommendations, the partners' response, and actions owned by partner agencies."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update

from cspr.accounts.models import User
from cspr.actions.models import Action, Rag, Recommendation
from cspr.db.base import utcnow
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
    if rec.withdrawn:
        raise StepError("This recommendation was withdrawn: an action cannot be added to it.")
    action = Action(recommendation_id=rec.id, description=description.strip(),
                    owner_agency=owner_agency, due_on=due_on, rag=None)  # no RAG until someone sets one
    ctx.session.add(action)
    ctx.session.flush()
    ctx.audit("action.added", action, recommendation=rec.id, owner=owner_agency, due_on=due_on)
    deadlines.sync_action(ctx, action)
    return action


def update_action(ctx: Context, action: Action, *, rag: Rag | None = None,
                  evidence: str | None = None, completed_on: dt.date | None = None,
                  due_on: dt.date | None = None, owner_agency: str | None = None) -> Action:
    """Move an action on: status, evidence, completion, a new due date or owner."""
    if action.withdrawn:
        raise StepError("This action was withdrawn: it cannot be changed.")
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
    if action.withdrawn:
        raise StepError("This action was withdrawn: it cannot be signed off.")
    if action.rag != Rag.COMPLETE:
        raise StepError("Only a complete action, with its evidence, can be signed off.")
    c = Checker(ctx)
    c.date("assured_on", assured_on, "assured")
    c.not_before("assured_on", assured_on, action.completed_on, "the action's completion")
    c.done()
    action.assured_on, action.assured_by_id = assured_on, ctx.user_id
    ctx.audit("action.assured", action, assured_on=assured_on)
    return action


REASON_MESSAGE = "Enter why it is withdrawn"


def _claim(ctx: Context, record: Action | Recommendation, reason: str) -> bool:
    """Mark a record withdrawn in one conditional UPDATE: True for the one request that did it.

    Two people withdrawing at once: the second waits for the first's row lock, then finds it withdrawn.
    """
    model = type(record)
    user = ctx.session.get(User, ctx.user_id) if ctx.user_id else None
    name = (user.name if user else ctx.actor)[:200]  # the person's name, as it was
    done = ctx.session.execute(
        update(model).where(model.id == record.id, model.withdrawn_at.is_(None))
        .values(withdrawn_at=utcnow(), withdrawn_by_id=ctx.user_id, withdrawn_by=name,
                withdrawn_reason=reason)
        .execution_options(synchronize_session=False))
    ctx.session.refresh(record)
    return done.rowcount == 1


def _reason(ctx: Context, reason: str | None) -> str:
    c = Checker(ctx)
    text = (reason or "").strip()
    c.require("reason", text, REASON_MESSAGE)
    c.check("reason", len(text) <= 500, "Why it is withdrawn must be 500 characters or fewer")
    c.done()
    return text


def withdraw_action(ctx: Context, action: Action, *, reason: str) -> Action:
    """Withdraw a mistaken action: kept and audited, its deadline cancelled (no reminder, not overdue)."""
    text = _reason(ctx, reason)
    if not _claim(ctx, action, text):
        raise StepError("This action was already withdrawn.")
    ctx.audit("action.withdrawn", action, recommendation=action.recommendation_id, reason=text)
    deadlines.cancel_action(ctx, action, "the action was withdrawn")
    return action


def withdraw_recommendation(ctx: Context, rec: Recommendation, *, reason: str) -> Recommendation:
    """Withdraw a mistaken recommendation and, with it, each of its actions still standing."""
    text = _reason(ctx, reason)
    if not _claim(ctx, rec, text):
        raise StepError("This recommendation was already withdrawn.")
    withdrawn = [a for a in rec.actions if _claim(ctx, a, text)]
    ctx.audit("recommendation.withdrawn", rec, review=rec.review_id, number=rec.number, reason=text,
              actions=[a.id for a in withdrawn])
    for action in withdrawn:
        ctx.audit("action.withdrawn", action, recommendation=rec.id, reason=text)
        deadlines.cancel_action(ctx, action, "its recommendation was withdrawn")
    return rec
