"""Review pages: start one, see its steps, take each step, and its action plan."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cspr.accounts.models import Membership, Role, User
from cspr.accounts.permissions import Permission, allowed
from cspr.accounts.views.sign_in import require_fresh
from cspr.actions import services as actions
from cspr.actions.models import Rag, Recommendation
from cspr.deadlines.models import Deadline
from cspr.deadlines.present import deadline_dict, deadlines_by_kind
from cspr.publication import publish as publishing
from cspr.publication.models import Briefing
from cspr.reviews import services as reviews
from cspr.reviews.models import Review
from cspr.services.errors import StepError
from cspr.web.staff import forms as f
from cspr.web.staff.pages import bp, ctx, roles
from cspr.web.staff.steps import Step, handle, status_of, submit

KIND_LABELS = {"local_cspr": "Local child safeguarding practice review", "national": "National review",
               "local_learning": "Local learning review", "thematic": "Thematic review",
               "scr": "Serious case review", "joint_dhr": "Joint review with a domestic homicide review",
               "joint_sar": "Joint review with a safeguarding adults review"}


def _reviewers(form: f.ReviewerForm, _review: Review) -> None:
    rows = ctx().session.execute(select(User.id, User.name).join(Membership, Membership.user_id == User.id)
                                 .where(Membership.role == Role.REVIEWER).order_by(User.name)).all()
    form.reviewer_user_id.choices = [("", "No account")] + [(str(i), n) for i, n in rows]


def _partners(form: f.FinalReportForm, _review: Review) -> None:
    form.agreed_by.choices = [(a["key"], a["name"]) for a in ctx().policy.partners["safeguarding_partners"]]


def _themes(form: f.PublicationForm_, _review: Review) -> None:
    form.themes.choices = [(t, t) for t in ctx().policy.themes]


def _signers(form: f.PublishForm, _review: Review) -> None:
    form.signed_off_by.choices = [(a["key"], a["name"])
                                  for a in ctx().policy.partners["safeguarding_partners"]]


def _publish(c, review, d):  # noqa: ANN001, ANN202
    from pathlib import Path

    from flask import current_app

    upload = d.pop("report", None)
    data = upload.read() if upload else None
    return publishing.publish(
        c, review, report=data or None, report_filename=getattr(upload, "filename", "") or "report.pdf",
        documents_dir=Path(current_app.config["DOCUMENTS_DIR"]), secret_key=current_app.config["SECRET_KEY"],
        **d)


def _commission(c, review, d):  # noqa: ANN001, ANN202
    user_id = int(d["reviewer_user_id"]) if d.get("reviewer_user_id") else None
    return reviews.commission_reviewer(c, review, commissioned_on=d["commissioned_on"],
                                       reviewer_name=d["reviewer_name"], reviewer_user_id=user_id)


STEPS = {
    "terms": Step("Record the terms of reference", f.TermsForm,
                  lambda c, r, d: reviews.agree_terms(c, r, **d), Permission.EDIT_REVIEWS,
                  "The terms of reference are recorded."),
    "reviewer": Step("Commission the independent reviewer", f.ReviewerForm, _commission,
                     Permission.EDIT_REVIEWS,
                     "The reviewer is commissioned.", prepare=_reviewers),
    "draft": Step("Record a draft report", f.DraftForm, lambda c, r, d: reviews.receive_draft(c, r, **d),
                  Permission.RECORD_DRAFT, "The draft is recorded."),
    "final-report": Step("Record the partners' agreement of the final report", f.FinalReportForm,
                         lambda c, r, d: reviews.agree_final_report(c, r, **d), Permission.SIGN_OFF,
                         "The final report is agreed.", prepare=_partners),
    "publication-date": Step("Plan the publication date", f.PlanForm,
                 lambda c, r, d: reviews.plan_publication(c, r, **d), Permission.EDIT_REVIEWS,
                 "The publication date is planned. The report must reach the Panel 7 working days before."),
    "report-sent": Step("Record that the final report went to the Panel and the Secretary of State",
                        f.ReportSentForm, lambda c, r, d: reviews.send_report(c, r, **d),
                        Permission.EDIT_REVIEWS,
                        "The report is recorded as sent."),
    "publish": Step("Publish the review", f.PublishForm, lambda c, r, d: _publish(c, r, d),
                    Permission.PUBLISH,
                    "The review is published. It must stay public for at least 12 months.",
                    prepare=lambda form, r: (_themes(form, r), _signers(form, r))),
    "archive": Step("Archive the review", f.ArchiveForm, lambda c, r, d: reviews.archive(c, r, **d),
                    Permission.EDIT_REVIEWS, "The review is archived."),
    "correct": Step("Correct the date of the decision to hold the review", f.DecisionDateForm,
                    lambda c, r, d: reviews.correct_decision_date(c, r, **d), Permission.EDIT_REVIEWS,
                    "The correction is saved and the deadlines that depend on it were recomputed."),
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
    """Every review of the partnership."""
    rows = ctx().session.scalars(select(Review).order_by(Review.id.desc())).all()
    return render_template("staff/reviews.html", reviews=rows, kinds=KIND_LABELS)


@bp.route("/reviews/new", methods=["GET", "POST"])
@roles(Permission.EDIT_REVIEWS)
def new_review() -> ResponseReturnValue:
    """Start a review that no incident led to."""
    form = f.ReviewForm()
    form.kind.choices = [(k, KIND_LABELS[k]) for k in ctx().policy.review_kinds if k != "scr"]
    review = submit(form, lambda data: reviews.start(ctx(), **data))
    if review:
        flash(f"The review “{review.title}” has started.", "success")
        return redirect(url_for("staff.review", review_id=review.id))
    return render_template("staff/review_new.html", form=form), status_of(form)


@bp.route("/reviews/legacy", methods=["GET", "POST"])
@roles(Permission.EDIT_REVIEWS)
def legacy_review() -> ResponseReturnValue:
    """Enter a review published before the platform, for the record."""
    form = f.LegacyReviewForm()
    form.kind.choices = [(k, KIND_LABELS[k]) for k in ctx().policy.review_kinds]
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
    return render_template("staff/review.html", review=rev, due=due, kinds=KIND_LABELS, steps=STEPS,
                           briefings=briefings)


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


# -- the action plan ---------------------------------------------------------------

@bp.route("/reviews/<int:review_id>/plan", methods=["GET", "POST"])
@roles(Permission.READ_ACTION_PLAN)
def plan(review_id: int) -> ResponseReturnValue:
    """Recommendations, the partners' responses and the actions with their status."""
    c = ctx()
    rev = load(review_id)
    form = f.RecommendationForm()
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
                           rag_labels=f.RAG_LABELS), status_of(form)


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
    step = Step("Add an action", f.ActionForm, lambda c, r, d: actions.add_action(c, r, **d),
                Permission.EDIT_ACTION_PLAN,
                "The action is added; its due date is on the dashboard.",
                prepare=lambda form, _r: setattr(form.owner_agency, "choices", [("", "Select the owner")] + [
                    (a["key"], a["name"]) for a in ctx().policy.agencies]))
    return handle(step, rec, url_for("staff.plan", review_id=rec.review_id),
                  f"Recommendation {rec.number}")


@bp.route("/recommendations/<int:recommendation_id>/response", methods=["GET", "POST"])
@roles(Permission.SIGN_OFF)
def respond(recommendation_id: int) -> ResponseReturnValue:
    """Record the partners' response to a recommendation."""
    rec = _recommendation(recommendation_id)
    step = Step("Record the partners' response", f.ResponseForm,
                lambda c, r, d: actions.respond(c, r, **d), Permission.SIGN_OFF, "The response is recorded.")
    return handle(step, rec, url_for("staff.plan", review_id=rec.review_id),
                  f"Recommendation {rec.number}")


@bp.route("/actions/<int:action_id>/update", methods=["GET", "POST"])
@roles(Permission.EDIT_ACTION_PLAN)
def update_action(action_id: int) -> ResponseReturnValue:
    """Move an action on."""
    action = ctx().session.get(actions.Action, action_id) or abort(404)
    rec = _recommendation(action.recommendation_id)

    def prepare(form: f.ActionUpdateForm, a: actions.Action) -> None:
        if not form.is_submitted():
            form.rag.data = a.rag.value
            form.evidence.data = a.evidence

    step = Step("Update the action", f.ActionUpdateForm,
                lambda c, a, d: actions.update_action(c, a, rag=Rag(d["rag"]), evidence=d["evidence"],
                                                      completed_on=d["completed_on"]),
                Permission.EDIT_ACTION_PLAN, "The action is updated.", prepare=prepare)
    return handle(step, action, url_for("staff.plan", review_id=rec.review_id), action.description[:80])


@bp.route("/actions/<int:action_id>/assure", methods=["GET", "POST"])
@roles(Permission.SIGN_OFF)
def assure_action(action_id: int) -> ResponseReturnValue:
    """A partner signs off a complete action."""
    action = ctx().session.get(actions.Action, action_id) or abort(404)
    rec = _recommendation(action.recommendation_id)
    step = Step("Sign off the action", f.AssuranceForm, lambda c, a, d: actions.assure(c, a, **d),
                Permission.SIGN_OFF,
                "The action is signed off.")
    return handle(step, action, url_for("staff.plan", review_id=rec.review_id), action.description[:80])
