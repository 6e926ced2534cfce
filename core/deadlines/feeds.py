"""Calendar feeds Outlook can subscribe to: the secret is in the URL, a read-only feed token."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request

from cspr.accounts import tokens
from cspr.db import get_session
from cspr.db.tenancy import set_partnership
from cspr.deadlines import calendar_feed
from cspr.partnerships.models import Partnership
from cspr.plugins import get_registry
from cspr.services.context import Context

bp = Blueprint("feeds", __name__)


@bp.route("/feeds/<token>/deadlines.ics")
def deadlines(token: str) -> Response:
    """Open deadlines of the token's partnership; 404 for any other token."""
    session = get_session()
    grant = tokens.authenticate(session, token, scope="feed")
    if grant is None:
        abort(404)
    session.commit()
    partnership = session.get(Partnership, grant.partnership_id)
    registry = get_registry()
    if not partnership.enabled or partnership.slug not in registry.policies:
        abort(404)
    set_partnership(session, partnership.id)
    ctx = Context(session, partnership, registry.policy(partnership.slug),
                  actor=f"user:{grant.user_id}", user_id=grant.user_id, role=grant.role,
                  remote_addr=request.remote_addr)
    return Response(calendar_feed.deadlines_ics(ctx), mimetype="text/calendar",
                    headers={"Cache-Control": "private, max-age=300"})
