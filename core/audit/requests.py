"""Audit what people read and what they were refused, for the staff app and the API alike.

Views are audited in one place, keyed on the endpoint: a successful GET of a case or a
review page (or an API record or list) appends one event, committed before the page
leaves, so a page that cannot be audited is not shown. A 403 for a member, and a signed-in
person or a valid token knocking on another partnership's door, append ``access.denied``
to the chain of the partnership they were refused, never to their own: the first
AUDIT_REFUSALS_PER_WINDOW per actor and window as events, the rest counted and summarised
(:mod:`cspr.audit.refusals`), so nobody can flood another partnership's trail.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from flask import Response, current_app, g, request
from sqlalchemy.orm import Session

from cspr.audit import events as audit
from cspr.audit import refusals
from cspr.db.tenancy import acting_for
from cspr.partnerships.models import Partnership


class Viewed(NamedTuple):
    """What a GET of an endpoint reads."""

    action: str
    object_type: str | None = None
    id_arg: str | None = None  # the URL value naming the object
    part: str | None = None  # which page of the object


#: endpoint -> what reading it means. Staff pages and API resources in one table.
VIEWS: dict[str, Viewed] = {
    "staff.incident": Viewed("incident.viewed", "incidents", "incident_id"),
    "staff.review": Viewed("review.viewed", "reviews", "review_id"),
    "staff.plan": Viewed("review.viewed", "reviews", "review_id", "action plan"),
    "staff.tracker": Viewed("cases.listed"),
    "staff.review_list": Viewed("reviews.listed"),
    "staff.audit_trail": Viewed("audit.viewed"),
    "incidents.IncidentDetail": Viewed("incident.viewed", "incidents", "incident_id"),
    "incidents.IncidentList": Viewed("cases.listed"),
    "reviews.ReviewDetail": Viewed("review.viewed", "reviews", "review_id"),
    "reviews.ReviewList": Viewed("reviews.listed"),
    "actions.RecommendationList": Viewed("review.viewed", "reviews", "review_id", "recommendations"),
    "actions.ActionDetail": Viewed("action.viewed", "actions", "action_id"),
}


def _where() -> dict[str, str]:
    return {"path": request.full_path.rstrip("?")[:500], "method": request.method}


def _refused(session: Session, actor: str, user_id: int | None, detail: dict[str, Any]) -> None:
    """Count a refusal in the session partnership's trail (an event while under the window's limit)."""
    rule = request.url_rule.rule if request.url_rule is not None else request.path[:200]
    config = current_app.config
    refusals.record(session, actor=actor, actor_user_id=user_id, route=f"{request.method} {rule}",
                    detail=detail, remote_addr=request.remote_addr,
                    limit=int(config["AUDIT_REFUSALS_PER_WINDOW"]),
                    window_minutes=int(config["AUDIT_REFUSAL_WINDOW_MINUTES"]))


def after_request(response: Response) -> Response:
    """Append the view or refusal this response answers to its partnership's chain."""
    c = g.get("ctx")
    if c is None:
        return response
    if response.status_code == 403:
        c.session.rollback()  # nothing of a refused request is kept, only the refusal
        role = getattr(c.role, "value", c.role)
        _refused(c.session, c.actor, c.user_id, {"reason": "role", "role": role, **_where()})
        c.session.commit()
        return response
    seen = VIEWS.get(request.endpoint or "")
    if seen is None or request.method != "GET" or not 200 <= response.status_code < 300:
        return response
    detail = _where()
    if seen.part:
        detail["part"] = seen.part
    object_id = (request.view_args or {}).get(seen.id_arg) if seen.id_arg else None
    audit.record(c.session, seen.action, actor=c.actor, actor_user_id=c.user_id,
                 object_type=seen.object_type, object_id=object_id, detail=detail,
                 remote_addr=c.remote_addr)
    c.session.commit()
    return response


def denied_elsewhere(session: Session, partnership: Partnership, user_id: int, reason: str) -> None:
    """Record, in ``partnership``'s chain, that this user was refused its pages; committed."""
    session.rollback()
    with acting_for(session, partnership.id):
        _refused(session, f"user:{user_id}", user_id, {"reason": reason, **_where()})
    session.commit()

