"""Public pages: the list of partnerships and each partnership's page."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from cspr import partnerships
from cspr.app import get_registry
from cspr.db import get_session
from cspr.models import Briefing, Review
from cspr.tenancy import acting_for

bp = Blueprint("public", __name__)


@bp.route("/")
def home():  # noqa: ANN201
    """Every partnership on this deployment."""
    rows = partnerships.active(get_session(), get_registry())
    return render_template("home.html", partnerships=rows)


@bp.route("/<slug>/")
def partnership(slug: str):  # noqa: ANN201
    """One partnership: who it is, its partners and its published reviews."""
    session = get_session()
    row = partnerships.get(session, slug)
    registry = get_registry()
    if row is None or not row.enabled or slug not in registry.policies:
        abort(404)
    policy = registry.policy(slug)
    with acting_for(session, row.id):
        reviews = list(session.scalars(
            select(Review).where(Review.published_on.is_not(None), Review.archived_on.is_(None))
            .order_by(Review.published_on.desc())
        ))
        briefings = list(session.scalars(select(Briefing).order_by(Briefing.title)))
    by_year = [(year, list(items)) for year, items in groupby(reviews, lambda r: r.published_on.year)]
    return render_template(
        "partnership.html", partnership=row, policy=policy, reviews_by_year=by_year,
        briefings=briefings,
    )
