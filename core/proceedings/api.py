"""Parallel proceedings in the API: record them on a case or a review, update them, their expected dates."""

from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from cspr.accounts.api import commit, ctx, requires
from cspr.accounts.permissions import Permission
from cspr.cases.models import Incident
from cspr.proceedings import inputs as i
from cspr.proceedings import outputs as o
from cspr.proceedings import services as proceedings
from cspr.proceedings.models import Proceeding
from cspr.reviews.models import Review
from cspr.services.errors import NotFound
from cspr.web.api.resource import bounded_pages, refuses, scoped_blueprint

blp = scoped_blueprint("proceedings", "Parallel proceedings (police, criminal, inquest, family court) of a "
                                      "case: their status, expected dates and whether they restrict "
                                      "publication.")


def load(proceeding_id: int) -> Proceeding:
    """A proceeding of this partnership, with its dates."""
    row = ctx().session.scalar(select(Proceeding).where(Proceeding.id == proceeding_id)
                               .options(selectinload(Proceeding.dates)))
    if row is None:
        raise NotFound(f"no proceeding {proceeding_id}")
    return row


@blp.route("/proceedings")
class ProceedingList(MethodView):
    """The partnership's proceedings."""

    @requires(Permission.READ_PROCEEDINGS)
    @refuses(blp, 403, 422)
    @blp.arguments(i.ProceedingQuery, location="query")
    @blp.response(200, o.ProceedingOut(many=True))
    @blp.paginate()
    @bounded_pages
    def get(self, query: dict, pagination_parameters) -> list[Proceeding]:  # noqa: ANN001
        """List proceedings, newest first (filter by case, review, status, restriction)."""
        base = select(Proceeding)
        for key in ("incident_id", "review_id", "status", "restricts_publication"):
            if key in query:
                base = base.where(getattr(Proceeding, key) == query[key])
        session = ctx().session
        pagination_parameters.item_count = session.scalar(select(func.count()).select_from(base.subquery()))
        return session.scalars(base.order_by(Proceeding.id.desc()).offset(pagination_parameters.first_item)
                               .limit(pagination_parameters.page_size)
                               .options(selectinload(Proceeding.dates))).all()


@blp.route("/incidents/<int:incident_id>/proceedings", methods=["POST"])
@requires(Permission.EDIT_PROCEEDINGS)
@refuses(blp, 400, 403, 422)
@blp.arguments(i.ProceedingIn)
@blp.response(201, o.ProceedingOut)
def incident_proceeding(data: dict, incident_id: int) -> Proceeding:
    """Record a proceeding alongside an incident's case (a police investigation, say)."""
    incident = ctx().session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    row = proceedings.record(ctx(), incident=incident, **data)
    commit()
    return load(row.id)


@blp.route("/reviews/<int:review_id>/proceedings", methods=["POST"])
@requires(Permission.EDIT_PROCEEDINGS)
@refuses(blp, 400, 403, 422)
@blp.arguments(i.ProceedingIn)
@blp.response(201, o.ProceedingOut)
def review_proceeding(data: dict, review_id: int) -> Proceeding:
    """Record a proceeding alongside a review."""
    review = ctx().session.get(Review, review_id)
    if review is None:
        raise NotFound(f"no review {review_id}")
    row = proceedings.record(ctx(), review=review, **data)
    commit()
    return load(row.id)


@blp.route("/proceedings/<int:proceeding_id>")
class ProceedingDetail(MethodView):
    """One proceeding."""

    @requires(Permission.READ_PROCEEDINGS)
    @refuses(blp, 403)
    @blp.response(200, o.ProceedingOut)
    def get(self, proceeding_id: int) -> Proceeding:
        """A proceeding with its expected dates."""
        return load(proceeding_id)


@blp.route("/proceedings/<int:proceeding_id>/update", methods=["POST"])
@requires(Permission.EDIT_PROCEEDINGS)
@refuses(blp, 400, 403, 422)
@blp.arguments(i.ProceedingUpdate)
@blp.response(200, o.ProceedingOut)
def update_proceeding(data: dict, proceeding_id: int) -> Proceeding:
    """Record an update: status, restriction, what happened (it settles the dates that have come)."""
    proceedings.update(ctx(), load(proceeding_id), **data)
    commit()
    return load(proceeding_id)


@blp.route("/proceedings/<int:proceeding_id>/dates", methods=["POST"])
@requires(Permission.EDIT_PROCEEDINGS)
@refuses(blp, 400, 403, 409, 422)
@blp.arguments(i.ExpectedDateIn)
@blp.response(201, o.ProceedingOut)
def add_date(data: dict, proceeding_id: int) -> Proceeding:
    """Add an expected date (a reminder comes if it passes without an update)."""
    proceedings.add_date(ctx(), load(proceeding_id), **data)
    commit()
    return load(proceeding_id)


@blp.route("/proceedings/<int:proceeding_id>/dates/<int:date_id>/move", methods=["POST"])
@requires(Permission.EDIT_PROCEEDINGS)
@refuses(blp, 400, 403, 409, 422)
@blp.arguments(i.MovedDateIn)
@blp.response(200, o.ProceedingOut)
def move_date(data: dict, proceeding_id: int, date_id: int) -> Proceeding:
    """An expected date moved: the old one is settled, the new one expected."""
    row = load(proceeding_id)
    proceedings.move_date(ctx(), row, proceedings.get_date(ctx(), row, date_id), **data)
    commit()
    return load(proceeding_id)
