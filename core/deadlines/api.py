"""Deadlines: what is due, met and overdue, filtered by state and date range."""

from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import func, or_, select

from cspr.accounts.api import ctx, requires
from cspr.accounts.models import Role
from cspr.accounts.permissions import Permission
from cspr.deadlines import inputs as i
from cspr.deadlines import outputs as o
from cspr.deadlines.models import Deadline, DeadlineState
from cspr.deadlines.present import deadline_dict
from cspr.reviews.models import Review
from cspr.web.api.resource import bounded_pages, refuses, scoped_blueprint

blp = scoped_blueprint("deadlines", "Statutory deadlines and local targets.")


@blp.route("/deadlines")
class DeadlineList(MethodView):
    """The partnership's deadlines (a reviewer's: only their reviews')."""

    @requires(Permission.READ_DEADLINES)
    @refuses(blp, 422)
    @blp.arguments(i.DeadlineQuery, location="query")
    @blp.response(200, o.DeadlineOut(many=True))
    @blp.paginate()
    @bounded_pages
    def get(self, query: dict, pagination_parameters) -> list[dict]:  # noqa: ANN001
        """List deadlines by due date; ``overdue=true`` gives open ones past due."""
        c = ctx()
        base = select(Deadline)
        if "state" in query:
            base = base.where(Deadline.state == query["state"])
        if "kind" in query:
            base = base.where(Deadline.kind == query["kind"])
        if "subject" in query:
            base = base.where(Deadline.subject == query["subject"])
        if "statutory" in query:
            base = base.where(Deadline.statutory.is_(query["statutory"]))
        if "due_from" in query:
            base = base.where(Deadline.due_on >= query["due_from"])
        if "due_to" in query:
            base = base.where(Deadline.due_on <= query["due_to"])
        if query.get("overdue"):
            base = base.where(Deadline.state == DeadlineState.OPEN, Deadline.due_on < c.today,
                              Deadline.direction != "at_least")
        if c.role == Role.REVIEWER:
            own = select(Review.id).where(Review.reviewer_id == c.user_id)
            base = base.where(or_(Deadline.review_id.in_(own)))
        pagination_parameters.item_count = c.session.scalar(
            select(func.count()).select_from(base.subquery()))
        rows = c.session.scalars(
            base.order_by(Deadline.due_on, Deadline.id).offset(pagination_parameters.first_item)
            .limit(pagination_parameters.page_size)
        ).all()
        return [deadline_dict(c, d) for d in rows]
