"""Learning briefings edited in the app, section by section, in the partnership's own format."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from cspr.accounts.permissions import Permission
from cspr.publication import publish as publishing
from cspr.publication.inputs import briefing_schema
from cspr.publication.models import Briefing
from cspr.reviews.models import Review
from cspr.reviews.views import load as load_review
from cspr.services.context import london_today
from cspr.web.forms import SchemaForm, form_for
from cspr.web.staff.pages import bp, ctx, roles
from cspr.web.staff.steps import status_of, submit


def briefing_form(fmt: dict, briefing: Briefing | None = None, review: Review | None = None) -> SchemaForm:
    """The form of the format's briefing schema (cspr.publication.inputs.briefing_schema), filled in."""
    published = review is not None and review.published_on is not None
    form_class = form_for(briefing_schema(fmt, published), submit="Save the briefing")
    data = None
    if briefing is not None:
        data = {"title": briefing.title} | {f"section_{k}": v for k, v in (briefing.sections or {}).items()}
    return form_class(data=data)


def _save(briefing: Briefing | None, fmt: dict, review: Review | None, data: dict) -> Briefing:
    c = ctx()
    sections = {s["key"]: (data.get(f"section_{s['key']}") or "").strip() for s in fmt["sections"]}
    publishing.guard_briefing(c, review, title=data["title"].strip(), sections=sections,
                              identifying_terms=data.get("identifying_terms"),
                              secret_key=current_app.config["SECRET_KEY"])
    review_id = review.id if review is not None else None
    if briefing is None:
        briefing = Briefing(review_id=review_id, format_key=fmt["key"], title=data["title"].strip(),
                            sections=sections, published_on=london_today())
        c.session.add(briefing)
        c.session.flush()
        c.audit("briefing.created", briefing, format=fmt["key"], review=review_id)
    else:
        briefing.title, briefing.sections = data["title"].strip(), sections
        c.audit("briefing.updated", briefing)
    return briefing


@bp.route("/reviews/<int:review_id>/briefings/new", methods=["GET", "POST"])
@roles(Permission.MANAGE_BRIEFINGS)
def new_briefing(review_id: int) -> ResponseReturnValue:
    """Write a learning briefing for a review, in one of the partnership's formats."""
    review = load_review(review_id)
    policy = ctx().policy
    fmt = policy.briefing_format(request.args.get("format", "")) or policy.briefing_formats[0]
    form = briefing_form(fmt, review=review)
    saved = submit(form, lambda data: _save(None, fmt, review, data))
    if saved:
        flash(f"The briefing “{saved.title}” is saved.", "success")
        return redirect(url_for("staff.review", review_id=review.id))
    return render_template("staff/briefing_form.html", form=form, fmt=fmt, review=review,
                           formats=policy.briefing_formats), status_of(form)


@bp.route("/briefings/<int:briefing_id>", methods=["GET", "POST"])
@roles(Permission.MANAGE_BRIEFINGS)
def edit_briefing(briefing_id: int) -> ResponseReturnValue:
    """Change a briefing's text."""
    briefing = ctx().session.get(Briefing, briefing_id) or abort(404)
    review = load_review(briefing.review_id) if briefing.review_id else None
    fmt = ctx().policy.briefing_format(briefing.format_key) or abort(404)
    form = briefing_form(fmt, briefing, review)
    if submit(form, lambda data: _save(briefing, fmt, review, data)):
        flash("The briefing is saved.", "success")
        back = url_for("staff.review", review_id=review.id) if review else url_for("staff.dashboard")
        return redirect(back)
    return render_template("staff/briefing_form.html", form=form, fmt=fmt, review=review,
                           formats=[fmt], briefing=briefing), status_of(form)
