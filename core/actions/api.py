"""Recommendations and the action plan."""

from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cspr.accounts.api import commit, ctx, requires
from cspr.accounts.permissions import Permission
from cspr.actions import inputs as i
from cspr.actions import outputs as o
from cspr.actions import services as actions
from cspr.actions.models import Action, Recommendation
from cspr.reviews import services as reviews
from cspr.reviews.api import load as load_review
from cspr.services.errors import NotFound
from cspr.web.api.resource import refuses, scoped_blueprint

blp = scoped_blueprint("actions", "Recommendations of reviews and the actions that carry them out.")


def _recommendation(recommendation_id: int) -> Recommendation:
    rec = ctx().session.scalar(select(Recommendation).where(Recommendation.id == recommendation_id)
                               .options(selectinload(Recommendation.actions)))
    if rec is None:
        raise NotFound(f"no recommendation {recommendation_id}")
    load_review(rec.review_id)  # a reviewer may only reach their own review's
    return rec


def _action(action_id: int) -> Action:
    action = actions.get_action(ctx(), action_id)
    _recommendation(action.recommendation_id)
    return action


@blp.route("/reviews/<int:review_id>/recommendations")
class RecommendationList(MethodView):
    """A review's recommendations."""

    @requires(Permission.READ_REVIEWS)
    @refuses(blp)
    @blp.response(200, o.RecommendationOut(many=True))
    def get(self, review_id: int) -> list[Recommendation]:
        """The recommendations with their actions."""
        return load_review(review_id).recommendations

    @requires(Permission.EDIT_ACTION_PLAN)
    @refuses(blp, 400, 403, 409, 422)
    @blp.arguments(i.RecommendationIn)
    @blp.response(201, o.RecommendationOut)
    def post(self, data: dict, review_id: int) -> Recommendation:
        """Add a recommendation (once the final report is agreed)."""
        rec = actions.add_recommendation(ctx(), reviews.get(ctx(), review_id), **data)
        commit()
        return _recommendation(rec.id)


@blp.route("/recommendations/<int:recommendation_id>/response")
class ResponseStep(MethodView):
    """The partners' response."""

    @requires(Permission.SIGN_OFF)
    @refuses(blp, 400, 403, 409, 422)
    @blp.arguments(i.ResponseIn)
    @blp.response(200, o.RecommendationOut)
    def post(self, data: dict, recommendation_id: int) -> Recommendation:
        """Record the partners' response to a recommendation."""
        actions.respond(ctx(), _recommendation(recommendation_id), **data)
        commit()
        return _recommendation(recommendation_id)


@blp.route("/recommendations/<int:recommendation_id>/actions")
class ActionList(MethodView):
    """Actions of a recommendation."""

    @requires(Permission.EDIT_ACTION_PLAN)
    @refuses(blp, 400, 403, 409, 422)
    @blp.arguments(i.ActionIn)
    @blp.response(201, o.ActionOut)
    def post(self, data: dict, recommendation_id: int) -> Action:
        """Add an action owned by one of the partnership's agencies; its due date is a deadline."""
        action = actions.add_action(ctx(), _recommendation(recommendation_id), **data)
        commit()
        return action


@blp.route("/actions/<int:action_id>")
class ActionDetail(MethodView):
    """One action."""

    @requires(Permission.READ_REVIEWS)
    @refuses(blp)
    @blp.response(200, o.ActionOut)
    def get(self, action_id: int) -> Action:
        """An action."""
        return _action(action_id)

    @requires(Permission.EDIT_ACTION_PLAN)
    @refuses(blp, 400, 403, 409, 422)
    @blp.arguments(i.ActionUpdate)
    @blp.response(200, o.ActionOut)
    def patch(self, data: dict, action_id: int) -> Action:
        """Progress: RAG status, evidence, completion, due date or owner."""
        action = actions.update_action(ctx(), _action(action_id), **data)
        commit()
        return action


@blp.route("/recommendations/<int:recommendation_id>/withdrawal")
class RecommendationWithdrawal(MethodView):
    """Withdrawing a mistaken recommendation (kept, with its actions, as withdrawn)."""

    @requires(Permission.EDIT_ACTION_PLAN)
    @refuses(blp, 400, 403, 409, 422)
    @blp.arguments(i.WithdrawalIn)
    @blp.response(200, o.RecommendationOut)
    def post(self, data: dict, recommendation_id: int) -> Recommendation:
        """Withdraw a recommendation and its actions, with the reason (audited; nothing is deleted)."""
        actions.withdraw_recommendation(ctx(), _recommendation(recommendation_id), **data)
        commit()
        return _recommendation(recommendation_id)


@blp.route("/actions/<int:action_id>/withdrawal")
class ActionWithdrawal(MethodView):
    """Withdrawing a mistaken action (kept as withdrawn)."""

    @requires(Permission.EDIT_ACTION_PLAN)
    @refuses(blp, 400, 403, 409, 422)
    @blp.arguments(i.WithdrawalIn)
    @blp.response(200, o.ActionOut)
    def post(self, data: dict, action_id: int) -> Action:
        """Withdraw an action, with the reason (audited; nothing is deleted; its deadline is cancelled)."""
        action = actions.withdraw_action(ctx(), _action(action_id), **data)
        commit()
        return action


@blp.route("/actions/<int:action_id>/assurance")
class AssuranceStep(MethodView):
    """Assurance that the learning is embedded."""

    @requires(Permission.SIGN_OFF)
    @refuses(blp, 400, 403, 409, 422)
    @blp.arguments(i.AssuranceIn)
    @blp.response(200, o.ActionOut)
    def post(self, data: dict, action_id: int) -> Action:
        """A partner signs off a complete action."""
        action = actions.assure(ctx(), _action(action_id), **data)
        commit()
        return action
