"""Information requests in the API: a case's or a review's requests, sending one, the return, received."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from flask import Response, current_app
from flask.views import MethodView

from cspr.accounts.api import commit, ctx, requires
from cspr.accounts.permissions import Permission
from cspr.cases.models import Incident
from cspr.returns import inputs as i
from cspr.returns import outputs as o
from cspr.returns import services as returns
from cspr.returns.models import InformationRequest
from cspr.reviews import services as reviews
from cspr.reviews.models import Review
from cspr.services.errors import NotFound
from cspr.tasks.after_commit import send_after_commit
from cspr.web.api.resource import refuses, scoped_blueprint
from cspr.web.files import send_document

blp = scoped_blueprint("information_requests", "Agency information requests for a rapid review or a local "
                                               "review, and the agencies' returns (an agency contributor: "
                                               "their own agency's only).")


def _out(row: InformationRequest) -> dict[str, Any]:
    c = ctx()
    return {**{k: getattr(row, k) for k in o.RequestOut().fields if hasattr(row, k)},
            "agency_name": returns.agency_name(c, row.agency), "status": returns.status(row, c.today)}


def _listing(rows: list[InformationRequest]) -> dict[str, Any]:
    return {"summary": returns.returned(rows), "requests": [_out(r) for r in rows]}


def _incident(incident_id: int) -> Incident:
    incident = ctx().session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    return incident


def _review(review_id: int) -> Review:
    review = ctx().session.get(Review, review_id)
    if review is None:
        raise NotFound(f"no review {review_id}")
    return reviews.visible(ctx(), review)


def request_first(view: Callable) -> Callable:
    """Look the request up before the body is read: one the caller may not see is 404 whatever is sent."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        returns.get(ctx(), kwargs["request_id"])
        return view(*args, **kwargs)
    return wrapper


def _documents() -> Path:
    return Path(current_app.config["DOCUMENTS_DIR"])


@blp.route("/information-requests")
@requires(Permission.READ_INFORMATION_REQUESTS)
@refuses(blp, 403)
@blp.response(200, o.RequestsOut)
def information_requests() -> dict[str, Any]:
    """Every request the caller may see, newest due first (an agency contributor: their agency's)."""
    return _listing(returns.mine(ctx()))


@blp.route("/incidents/<int:incident_id>/information-requests")
class IncidentRequests(MethodView):
    """A rapid review's information requests."""

    @requires(Permission.READ_INFORMATION_REQUESTS)
    @refuses(blp, 403)
    @blp.response(200, o.RequestsOut)
    def get(self, incident_id: int) -> dict[str, Any]:
        """The requests of the case's rapid review, and how many agencies have returned."""
        return _listing(returns.of_case(ctx(), incident=_incident(incident_id)))

    @requires(Permission.SEND_INFORMATION_REQUESTS)
    @refuses(blp, 400, 403, 422)
    @blp.arguments(i.RequestIn)
    @blp.response(201, o.RequestOut)
    def post(self, data: dict, incident_id: int) -> dict[str, Any]:
        """Send an agency a request for the rapid review (e-mailed to its contributors)."""
        row = returns.send(ctx(), incident=_incident(incident_id), **data)
        send_after_commit(ctx().session, "cspr.tasks.outbox.relay")  # the request's e-mails
        commit()
        return _out(row)


@blp.route("/reviews/<int:review_id>/information-requests")
class ReviewRequests(MethodView):
    """A local review's information requests."""

    @requires(Permission.READ_INFORMATION_REQUESTS)
    @refuses(blp, 403)
    @blp.response(200, o.RequestsOut)
    def get(self, review_id: int) -> dict[str, Any]:
        """The requests of the local review, and how many agencies have returned."""
        return _listing(returns.of_case(ctx(), review=_review(review_id)))

    @requires(Permission.SEND_INFORMATION_REQUESTS)
    @refuses(blp, 400, 403, 422)
    @blp.arguments(i.RequestIn)
    @blp.response(201, o.RequestOut)
    def post(self, data: dict, review_id: int) -> dict[str, Any]:
        """Send an agency a request for the local review (e-mailed to its contributors)."""
        row = returns.send(ctx(), review=_review(review_id), **data)
        send_after_commit(ctx().session, "cspr.tasks.outbox.relay")  # the request's e-mails
        commit()
        return _out(row)


@blp.route("/information-requests/<int:request_id>")
@requires(Permission.READ_INFORMATION_REQUESTS)
@refuses(blp, 403)
@blp.response(200, o.RequestOut)
def information_request(request_id: int) -> dict[str, Any]:
    """One request: what is asked, by when, and whether it is returned."""
    return _out(returns.get(ctx(), request_id))


@blp.route("/information-requests/<int:request_id>/return", methods=["POST"])
@requires(Permission.UPLOAD_RETURNS)
@refuses(blp, 400, 403, 422)
@request_first
@blp.arguments(i.ReturnIn)
@blp.response(200, o.RequestOut)
def upload_return(data: dict, request_id: int) -> dict[str, Any]:
    """Upload the agency's return: a PDF (base64), checked by its content, up to 10 MB."""
    c = ctx()
    row = returns.upload_return(c, returns.get(c, request_id), data["file"].content,
                                data["file"].filename, _documents())
    commit()
    return _out(row)


@blp.route("/information-requests/<int:request_id>/return.pdf")
@requires(Permission.READ_INFORMATION_REQUESTS)
@refuses(blp, 403)
@blp.response(200, content_type="application/pdf")
def download_return(request_id: int) -> Response:
    """The uploaded return, as a download named return-<agency>-<date>.pdf (audited)."""
    c = ctx()
    path, name = returns.return_file(c, returns.get(c, request_id), _documents())
    commit()
    return send_document(path, filename=name)


@blp.route("/information-requests/<int:request_id>/received", methods=["POST"])
@requires(Permission.SEND_INFORMATION_REQUESTS)
@refuses(blp, 400, 403, 409, 422)
@request_first
@blp.arguments(i.ReceivedIn)
@blp.response(200, o.RequestOut)
def mark_received(data: dict, request_id: int) -> dict[str, Any]:
    """Record a return that came another way (by e-mail, on paper)."""
    c = ctx()
    row = returns.mark_received(c, returns.get(c, request_id), **data)
    commit()
    return _out(row)
