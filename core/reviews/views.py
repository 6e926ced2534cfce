"""Review pages: start one, see its steps, take each step, and its action plan."""

from __future__ import annotations

from pathlib import Path

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cspr.accounts.permissions import Permission, allowed
from cspr.accounts.views.sign_in import require_fresh
from cspr.actions import inputs as a
from cspr.actions import services as actions
from cspr.actions.models import Recommendation
from cspr.deadlines.models import Deadline
from cspr.deadlines.present import deadline_dict, deadlines_by_kind
from cspr.publication import inputs as p
from cspr.publication import publish as publishing
from cspr.publication.models import Briefing
from cspr.reviews import inputs as i
from cspr.reviews import involvement, progress
from cspr.reviews import services as reviews
from cspr.reviews.models import Review
from cspr.services.errors import NotFound, StepError
from cspr.web.forms import form_for
from cspr.web.staff.pages import bp, ctx, roles
from cspr.web.staff.steps import Step, changed, handle, status_of, submit

ReviewForm = form_for(i.ReviewIn, submit="Start the review")
LegacyReviewForm = form_for(i.LegacyReviewIn, submit="Add the review")
RecommendationForm = form_for(a.RecommendationIn, submit="Add the recommendation")


def _publish(c, review, d):  # noqa: ANN001, ANN202
    from flask import current_app

    return publishing.publish_loaded(c, review, documents_dir=Path(current_app.config["DOCUMENTS_DIR"]),
                                     secret_key=current_app.config["SECRET_KEY"], **d)


STEPS = {
    "terms": Step("Record the terms of reference", form_for(i.TermsIn),
                  lambda c, r, d: reviews.agree_terms(c, r, **d), Permission.EDIT_REVIEWS,
                  "The terms of reference are recorded."),
    "reviewer": Step("Commission the independent reviewer", form_for(i.ReviewerIn),
                     lambda c, r, d: reviews.commission_reviewer(c, r, **d), Permission.EDIT_REVIEWS,
                     "The reviewer is commissioned."),
    "draft": Step("Record a draft report", form_for(i.DraftIn),
                  lambda c, r, d: reviews.receive_draft(c, r, **d), Permission.RECORD_DRAFT,
                  "The draft is recorded."),
    "final-report": Step("Record the partners' agreement of the final report", form_for(i.FinalReportIn),
                         lambda c, r, d: reviews.agree_final_report(c, r, **d), Permission.SIGN_OFF,
                         "The final report is agreed."),
    "publication-date": Step("Plan the publication date", form_for(i.PlanIn),
                 lambda c, r, d: reviews.plan_publication(c, r, **d), Permission.EDIT_REVIEWS,
                 "The publication date is planned. The report must reach the Panel 7 working days before."),
    "report-sent": Step("Record that the final report went to the Panel and the Secretary of State",
                        form_for(i.ReportSentIn), lambda c, r, d: reviews.send_report(c, r, **d),
                        Permission.EDIT_REVIEWS,
                        "The report is recorded as sent."),
    "publish": Step("Publish the review", form_for(p.PublicationIn, submit="Continue"), _publish,
                    Permission.PUBLISH,
                    "The review is published. It must stay public for at least 12 months.",
                    check=True, rehearse=True, confirm="Publish the review"),
    "archive": Step("Archive the review", form_for(i.ArchiveIn, submit="Archive"),
                    lambda c, r, d: reviews.archive(c, r, **d),
                    Permission.EDIT_REVIEWS, "The review is archived."),
    "learning-event": Step("Record a learning event", form_for(i.LearningEventIn, submit="Record the event"),
                           lambda c, r, d: involvement.add_learning_event(c, r, **d), Permission.EDIT_REVIEWS,
                           "The learning event is recorded.",
                           hint="Practitioners are counted by agency, never named."),
    "family": Step("Record an offer to the family",
                   form_for(i.FamilyInvolvementIn, submit="Record the offer"),
                   lambda c, r, d: involvement.offer_family(c, r, **d), Permission.EDIT_REVIEWS,
                   "The offer to the family is recorded.",
                   hint="Name the family member by their relationship to the child, never by name."),
    "correct": Step("Correct the date of the decision to hold the review",
                    form_for(i.DecisionDateCorrection, submit="Save the correction"),
                    lambda c, r, d: reviews.correct_decision_date(c, r, **d), Permission.EDIT_REVIEWS,
                    "The correction is saved and the deadlines that depend on it were recomputed."),
}
ACTION_STEPS = {
    "add": Step("Add an action", form_for(a.ActionIn, submit="Add the action"),
                lambda c, r, d: actions.add_action(c, r, **d), Permission.EDIT_ACTION_PLAN,
                "The action is added; its due date is on the dashboard."),
    "respond": Step("Record the partners' response", form_for(a.ResponseIn, submit="Save the response"),
                    lambda c, r, d: actions.respond(c, r, **d), Permission.SIGN_OFF,
                    "The response is recorded."),
    "update": Step("Update the action", form_for(a.ActionUpdate),
                   lambda c, act, d: actions.update_action(c, act, **changed(act, d)),
                   Permission.EDIT_ACTION_PLAN, "The action is updated.", prefill=lambda act: act,
                   aside=lambda _act: ("staff/rag_key_aside.html", {})),  # what each RAG status means
    "assure": Step("Sign off the action", form_for(a.AssuranceIn, submit="Sign off"),
                   lambda c, act, d: actions.assure(c, act, **d), Permission.SIGN_OFF,
                   "The action is signed off."),
    "withdraw": Step("Withdraw the action", form_for(a.WithdrawalIn, submit="Withdraw the action"),
                     lambda c, act, d: actions.withdraw_action(c, act, **d), Permission.EDIT_ACTION_PLAN,
                     "The action is withdrawn. It stays on the plan, marked as withdrawn, and is left out "
                     "of every count.",
                     hint="Withdraw an action added by mistake. It is kept, marked as withdrawn, with your "
                          "name, the date and the reason; it is no longer counted, reminded of or overdue."),
    "withdraw-recommendation": Step(
        "Withdraw the recommendation", form_for(a.WithdrawalIn, submit="Withdraw the recommendation"),
        lambda c, rec, d: actions.withdraw_recommendation(c, rec, **d), Permission.EDIT_ACTION_PLAN,
        "The recommendation and its actions are withdrawn. They stay on the plan, marked as withdrawn.",
        hint="Withdraw a recommendation added by mistake. It and its actions are kept, marked as withdrawn, "
             "with your name, the date and the reason; they are no longer counted, reminded of or overdue."),
}


def load(review_id: int) -> Review:
    """A review this member may see, or 404."""
    review = ctx().session.scalar(
        reviews.reviews_for(ctx()).where(Review.id == review_id).options(
            selectinload(Review.drafts),
            selectinload(Review.recommendations).selectinload(Recommendation.actions)))
    if review is None:
        abort(404)
    return review


@bp.route("/reviews")
@roles(Permission.LIST_REVIEWS)
def review_list() -> ResponseReturnValue:
    """Every review of the partnership, or those at one stage (the dashboard's counts link here).

    At a stage, the list is what the dashboard counted: the reviews under way, not the ones
    entered for the record (legacy).
    """
    from cspr.services.words import STAGES

    stage = request.args.get("stage", "")
    query = select(Review).order_by(Review.id.desc())
    stage_error = None
    if stage and stage not in STAGES:
        stage_error, stage = "Choose a stage from the dashboard: this one is not known", ""
    if stage:
        query = query.where(Review.stage == stage, Review.legacy.is_(False))
    rows = ctx().session.scalars(query).all()
    page = render_template("staff/reviews.html", reviews=rows, kinds=i.KIND_LABELS, stage=stage,
                           stage_error=stage_error)
    return page, 400 if stage_error else 200


@bp.route("/reviews/new", methods=["GET", "POST"])
@roles(Permission.EDIT_REVIEWS)
def new_review() -> ResponseReturnValue:
    """Start a review that no incident led to."""
    form = ReviewForm()
    review = submit(form, lambda data: reviews.start(ctx(), **data))
    if review:
        flash(f"The review “{review.title}” has started.", "success")
        return redirect(url_for("staff.review", review_id=review.id))
    return render_template("staff/review_new.html", form=form), status_of(form)


@bp.route("/reviews/legacy", methods=["GET", "POST"])
@roles(Permission.EDIT_REVIEWS)
def legacy_review() -> ResponseReturnValue:
    """Enter a review published before the platform, for the record."""
    form = LegacyReviewForm()
    review = submit(form, lambda data: reviews.record_legacy(ctx(), **data))
    if review:
        flash(f"“{review.title}” is added to the record.", "success")
        return redirect(url_for("staff.review", review_id=review.id))
    return render_template("staff/review_new.html", form=form, legacy=True), status_of(form)


@bp.route("/reviews/<int:review_id>")
@roles(Permission.READ_REVIEWS)
def review(review_id: int) -> ResponseReturnValue:
    """A review as a task list of its steps, with its deadlines."""
    c = ctx()
    rev = load(review_id)
    due = deadlines_by_kind(c, f"review:{rev.id}")
    briefings = c.session.scalars(select(Briefing).where(Briefing.review_id == rev.id)
                                  .order_by(Briefing.id)).all()
    return render_template("staff/review.html", review=rev, due=due, kinds=i.KIND_LABELS, steps=STEPS,
                           briefings=briefings, learning_events=involvement.learning_events(c, rev),
                           family=involvement.family(c, rev), family_labels=i.FAMILY_LABELS,
                           agency_names={a["key"]: a["name"] for a in c.policy.agencies})


@bp.route("/reviews/<int:review_id>/<step>", methods=["GET", "POST"])
def review_step(review_id: int, step: str) -> ResponseReturnValue:
    """One step of a review."""
    if step not in STEPS:
        abort(404)
    rev = load(review_id)
    if step == "publish" and allowed(ctx().role, STEPS[step].action):  # before the public sees it: prove who
        # you are
        detour = require_fresh()
        if detour is not None:
            return detour
    return handle(STEPS[step], rev, url_for("staff.review", review_id=rev.id), rev.title)


FamilyAnswerForm = form_for(i.FamilyAnswerIn, submit="Save their answer")


@bp.route("/reviews/<int:review_id>/family/<int:involvement_id>", methods=["GET", "POST"])
def review_family(review_id: int, involvement_id: int) -> ResponseReturnValue:
    """Record a family member's answer to the offer to take part."""
    c = ctx()
    rev = load(review_id)
    try:
        row = involvement.family_row(c, rev, involvement_id)
    except NotFound:
        abort(404)
    step = Step(f"The answer of the family member: {row.member}", FamilyAnswerForm,
                lambda cc, r, d: involvement.record_family_answer(cc, r, row.id, **d),
                Permission.EDIT_REVIEWS, "Their answer is recorded.", prefill=lambda _r: row)
    return handle(step, rev, url_for("staff.review", review_id=rev.id), rev.title)


@bp.route("/reviews/<int:review_id>/progress")
@bp.route("/reviews/<int:review_id>/progress.docx", endpoint="review_progress_docx")
@roles(Permission.READ_REVIEWS)
def review_progress(review_id: int) -> ResponseReturnValue:
    """The review's progress on one page for the partners' meeting (or as a Word document)."""
    c = ctx()
    rev = load(review_id)
    summary = progress.progress(c, rev)
    if request.endpoint == "staff.review_progress_docx":
        c.audit("review.progress_exported", rev, review=rev.id)
        c.session.commit()
        return Response(progress.progress_docx(summary), mimetype=progress.DOCX, headers={
            "Content-Disposition": f'attachment; filename="review-{rev.id}-progress.docx"'})
    return render_template("staff/review_progress.html", review=rev, summary=summary)


# -- the action plan ---------------------------------------------------------------

@bp.route("/reviews/<int:review_id>/plan", methods=["GET", "POST"])
@roles(Permission.READ_ACTION_PLAN)
def plan(review_id: int) -> ResponseReturnValue:
    """Recommendations, the partners' responses and the actions with their status."""
    c = ctx()
    rev = load(review_id)
    form = RecommendationForm()
    if request.method == "POST":
        if not allowed(c.role, Permission.EDIT_ACTION_PLAN):
            abort(403)
        try:
            added = submit(form, lambda data: actions.add_recommendation(c, rev, **data))
        except StepError:
            return redirect(url_for("staff.plan", review_id=rev.id))
        if added:
            flash("The recommendation is added.", "success")
            return redirect(url_for("staff.plan", review_id=rev.id))
    due = {d.action_id: deadline_dict(c, d) for d in c.session.scalars(
        select(Deadline).where(Deadline.action_id.in_(
            [a.id for r in rev.recommendations for a in r.actions])))} if rev.recommendations else {}
    agencies = {a["key"]: a["name"] for a in c.policy.agencies}
    return render_template("staff/plan.html", review=rev, form=form, due=due, agencies=agencies,
                           rag_labels=a.RAG_LABELS), status_of(form)


def _recommendation(recommendation_id: int) -> Recommendation:
    rec = ctx().session.get(Recommendation, recommendation_id)
    if rec is None:
        abort(404)
    load(rec.review_id)
    return rec


@bp.route("/recommendations/<int:recommendation_id>/actions/new", methods=["GET", "POST"])
@roles(Permission.EDIT_ACTION_PLAN)
def new_action(recommendation_id: int) -> ResponseReturnValue:
    """Add an action to a recommendation."""
    rec = _recommendation(recommendation_id)
    step = ACTION_STEPS["add"]
    return handle(step, rec, url_for("staff.plan", review_id=rec.review_id),
                  f"Recommendation {rec.number}")


@bp.route("/recommendations/<int:recommendation_id>/response", methods=["GET", "POST"])
@roles(Permission.SIGN_OFF)
def respond(recommendation_id: int) -> ResponseReturnValue:
    """Record the partners' response to a recommendation."""
    rec = _recommendation(recommendation_id)
    step = ACTION_STEPS["respond"]
    return handle(step, rec, url_for("staff.plan", review_id=rec.review_id),
                  f"Recommendation {rec.number}")


@bp.route("/actions/<int:action_id>/update", methods=["GET", "POST"])
@roles(Permission.EDIT_ACTION_PLAN)
def update_action(action_id: int) -> ResponseReturnValue:
    """Move an action on."""
    action = ctx().session.get(actions.Action, action_id) or abort(404)
    rec = _recommendation(action.recommendation_id)
    step = ACTION_STEPS["update"]
    return handle(step, action, url_for("staff.plan", review_id=rec.review_id), action.description[:80])


@bp.route("/actions/<int:action_id>/withdraw", methods=["GET", "POST"])
@roles(Permission.EDIT_ACTION_PLAN)
def withdraw_action(action_id: int) -> ResponseReturnValue:
    """Withdraw a mistaken action (kept, shown as withdrawn, audited)."""
    action = ctx().session.get(actions.Action, action_id) or abort(404)
    rec = _recommendation(action.recommendation_id)
    return handle(ACTION_STEPS["withdraw"], action, url_for("staff.plan", review_id=rec.review_id),
                  action.description[:80])


@bp.route("/recommendations/<int:recommendation_id>/withdraw", methods=["GET", "POST"])
@roles(Permission.EDIT_ACTION_PLAN)
def withdraw_recommendation(recommendation_id: int) -> ResponseReturnValue:
    """Withdraw a mistaken recommendation and its actions (kept, shown as withdrawn, audited)."""
    rec = _recommendation(recommendation_id)
    back = url_for("staff.plan", review_id=rec.review_id)
    return handle(ACTION_STEPS["withdraw-recommendation"], rec, back, f"Recommendation {rec.number}")


@bp.route("/actions/<int:action_id>/assure", methods=["GET", "POST"])
@roles(Permission.SIGN_OFF)
def assure_action(action_id: int) -> ResponseReturnValue:
    """A partner signs off a complete action."""
    action = ctx().session.get(actions.Action, action_id) or abort(404)
    rec = _recommendation(action.recommendation_id)
    step = ACTION_STEPS["assure"]
    return handle(step, action, url_for("staff.plan", review_id=rec.review_id), action.description[:80])
