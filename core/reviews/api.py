"""Reviews and their steps, from the decision to hold one to archival."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from cspr.accounts.api import commit, ctx, requires
from cspr.accounts.permissions import Permission
from cspr.actions.models import Recommendation
from cspr.deadlines.present import attach_deadlines
from cspr.publication import inputs as p
from cspr.publication import publish as publishing
from cspr.reviews import inputs as i
from cspr.reviews import outputs as o
from cspr.reviews import services as reviews
from cspr.reviews.models import Review
from cspr.services.context import Context
from cspr.services.errors import NotFound
from cspr.web.api.resource import bounded_pages, refuses, scoped_blueprint

blp = scoped_blueprint("reviews", "Reviews: local CSPRs, thematic and learning reviews, legacy SCRs.")

LOAD = (selectinload(Review.drafts),
        selectinload(Review.recommendations).selectinload(Recommendation.actions))


def load(review_id: int) -> Review:
    """A review this token may see, with what the API shows of it."""
    review = ctx().session.scalar(
        reviews.reviews_for(ctx()).where(Review.id == review_id).options(*LOAD))
    if review is None:
        raise NotFound(f"no review {review_id}")
    return review


def _out(review_id: int) -> Review:
    review = load(review_id)
    attach_deadlines(ctx(), [review], "review")
    return review


@blp.route("/reviews")
class ReviewList(MethodView):
    """The partnership's reviews (a reviewer sees only their own)."""

    @requires(Permission.READ_REVIEWS)
    @refuses(blp, 422)
    @blp.arguments(i.ReviewQuery, location="query")
    @blp.response(200, o.ReviewOut(many=True))
    @blp.paginate()
    @bounded_pages
    def get(self, query: dict, pagination_parameters) -> list[Review]:  # noqa: ANN001
        """List reviews, newest first."""
        base = reviews.reviews_for(ctx())
        if "stage" in query:
            base = base.where(Review.stage == query["stage"])
        if "kind" in query:
            base = base.where(Review.kind == query["kind"])
        session = ctx().session
        pagination_parameters.item_count = session.scalar(
            select(func.count()).select_from(base.subquery()))
        rows = session.scalars(
            base.order_by(Review.id.desc()).offset(pagination_parameters.first_item)
            .limit(pagination_parameters.page_size).options(*LOAD)
        ).all()
        attach_deadlines(ctx(), rows, "review")
        return rows

    @requires(Permission.EDIT_REVIEWS)
    @refuses(blp, 400, 403, 422)
    @blp.arguments(i.ReviewIn)
    @blp.response(201, o.ReviewOut)
    def post(self, data: dict) -> Review:
        """Start a review no incident led to (thematic, local learning, local CSPR)."""
        review = reviews.start(ctx(), **data)
        commit()
        return _out(review.id)


@blp.route("/reviews/legacy")
class LegacyReviews(MethodView):
    """Reviews published before the platform."""

    @requires(Permission.EDIT_REVIEWS)
    @refuses(blp, 400, 403, 422)
    @blp.arguments(i.LegacyReviewIn)
    @blp.response(201, o.ReviewOut)
    def post(self, data: dict) -> Review:
        """Enter a published review for the record (e.g. a serious case review)."""
        review = reviews.record_legacy(ctx(), **data)
        commit()
        return _out(review.id)


@blp.route("/reviews/<int:review_id>")
class ReviewDetail(MethodView):
    """One review."""

    @requires(Permission.READ_REVIEWS)
    @refuses(blp)
    @blp.response(200, o.ReviewOut)
    def get(self, review_id: int) -> Review:
        """A review with its drafts, recommendations, actions and deadlines."""
        return _out(review_id)

    @requires(Permission.EDIT_REVIEWS)
    @refuses(blp, 400, 403, 409, 422)
    @blp.arguments(i.DecisionDateCorrection)
    @blp.response(200, o.ReviewOut)
    def patch(self, data: dict, review_id: int) -> Review:
        """Correct the date of the decision to hold the review, with a reason."""
        reviews.correct_decision_date(ctx(), load(review_id), **data)
        commit()
        return _out(review_id)


def _step(path: str, schema: type[Schema], service: Callable, action: Permission,
          summary: str, own_review: bool = False) -> None:
    """A POST endpoint that runs one review step."""

    @requires(action)
    @refuses(blp, 400, 403, 409, 422)
    @blp.arguments(schema)
    @blp.response(200, o.ReviewOut)
    def view(data: dict, review_id: int) -> Review:
        review = load(review_id)
        service(ctx(), review, **data)
        commit()
        return _out(review_id)

    view.__doc__ = summary
    view.__name__ = f"review_{path.replace('-', '_')}"
    blp.route(f"/reviews/<int:review_id>/{path}", methods=["POST"], endpoint=view.__name__)(view)


_step("terms-of-reference", i.TermsIn, reviews.agree_terms, Permission.EDIT_REVIEWS,
      "The terms of reference are agreed.")
_step("reviewer", i.ReviewerIn, reviews.commission_reviewer, Permission.EDIT_REVIEWS,
      "The independent reviewer is commissioned.")
_step("drafts", i.DraftIn, reviews.receive_draft, Permission.RECORD_DRAFT,
      "A draft report is received (the assigned reviewer may record it).")
_step("final-report", i.FinalReportIn, reviews.agree_final_report, Permission.SIGN_OFF,
      "The three safeguarding partners agree the final report.")
_step("planned-publication", i.PlanIn, reviews.plan_publication, Permission.EDIT_REVIEWS,
      "Set or move the planned publication date.")
_step("report-sent", i.ReportSentIn, reviews.send_report, Permission.EDIT_REVIEWS,
      "The final report went to the Panel and the Secretary of State.")
def _publish(c: Context, review: Review, **data: Any) -> Review:
    """The same checks as the staff page: sign-off, the anonymisation guard, a real PDF."""
    return publishing.publish_loaded(c, review, documents_dir=Path(current_app.config["DOCUMENTS_DIR"]),
                                     secret_key=current_app.config["SECRET_KEY"], **data)


_step("publication", p.PublicationIn, _publish, Permission.PUBLISH,
      "Publish the review (at least 7 working days after the report went to the Panel).")
_step("archive", i.ArchiveIn, reviews.archive, Permission.EDIT_REVIEWS,
      "Take the review off the public page after its public period.")


def _people(review: Review) -> dict:
    from cspr.reviews import involvement

    return {"learning_events": involvement.learning_events(ctx(), review),
            "family": involvement.family(ctx(), review)}


def review_first(view: Callable) -> Callable:
    """Look the review up before the body is read: another partnership's review is 404 whatever is sent
    (a body naming this partnership's agencies is otherwise refused as 422 first).
    """
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        load(kwargs["review_id"])
        return view(*args, **kwargs)
    return wrapper


@blp.route("/reviews/<int:review_id>/people")
class People(MethodView):
    """Practitioners and family in the review: learning events and family involvement."""

    @requires(Permission.READ_REVIEWS)
    @refuses(blp, 403)
    @blp.response(200, o.PeopleOut)
    def get(self, review_id: int) -> dict:
        """The review's learning events and offers to the family, earliest first."""
        return _people(load(review_id))


@blp.route("/reviews/<int:review_id>/learning-events")
class LearningEvents(MethodView):
    """A review's learning events."""

    @requires(Permission.EDIT_REVIEWS)
    @refuses(blp, 400, 403, 422)
    @review_first
    @blp.arguments(i.LearningEventIn)
    @blp.response(201, o.PeopleOut)
    def post(self, data: dict, review_id: int) -> dict:
        """Record a practitioners' learning event (agencies taking part, how many attended)."""
        from cspr.reviews import involvement

        involvement.add_learning_event(ctx(), load(review_id), **data)
        commit()
        return _people(load(review_id))


@blp.route("/reviews/<int:review_id>/family")
class Family(MethodView):
    """The offers to the family to take part in the review."""

    @requires(Permission.EDIT_REVIEWS)
    @refuses(blp, 400, 403, 422)
    @review_first
    @blp.arguments(i.FamilyInvolvementIn)
    @blp.response(201, o.PeopleOut)
    def post(self, data: dict, review_id: int) -> dict:
        """Record an offer to a family member (by relationship, never by name), and their answer."""
        from cspr.reviews import involvement

        involvement.offer_family(ctx(), load(review_id), **data)
        commit()
        return _people(load(review_id))


@blp.route("/reviews/<int:review_id>/family/<int:involvement_id>")
class FamilyAnswer(MethodView):
    """A family member's answer."""

    @requires(Permission.EDIT_REVIEWS)
    @refuses(blp, 400, 403, 422)
    @review_first
    @blp.arguments(i.FamilyAnswerIn)
    @blp.response(200, o.PeopleOut)
    def patch(self, data: dict, review_id: int, involvement_id: int) -> dict:
        """Record their answer (accepted or declined) and when."""
        from cspr.reviews import involvement

        involvement.record_family_answer(ctx(), load(review_id), involvement_id, **data)
        commit()
        return _people(load(review_id))


@blp.route("/reviews/<int:review_id>/progress")
class ReviewProgress(MethodView):
    """The review's progress on one page."""

    @requires(Permission.READ_REVIEWS)
    @refuses(blp, 403)
    @blp.response(200, o.ProgressOut)
    def get(self, review_id: int) -> dict:
        """Stages, deadlines and slippage, returns, drafts, proceedings, practitioners and family."""
        from cspr.reviews import progress

        p_ = progress.progress(ctx(), load(review_id))
        pair = lambda rows: [{"name": k, "value": v} for k, v in rows]  # noqa: E731
        return {"title": p_.title, "caption": p_.caption, "stages": pair(p_.stages),
                "slippage": pair(p_.slippage), "lines": pair(p_.lines)}
