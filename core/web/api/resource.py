"""What every API resource module shares: the blueprint under /api/v1/<slug>, its refusals, page bounds."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g
from flask_smorest import Blueprint as SmorestBlueprint

PREFIX = "/api/v1"
MAX_PAGE = 10_000  # 100 a page: a million records; past it a page number is refused, not run
# The refusals the API answers, as flask-smorest's response components (its error schema).
REFUSALS = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT",
            422: "UNPROCESSABLE_ENTITY", 429: "TOO_MANY_REQUESTS", 503: "SERVICE_UNAVAILABLE"}


def refuses(blp: SmorestBlueprint, *codes: int) -> Callable:
    """Document the refusals a view answers: 401, 404, 429 and 503 always, plus ``codes``.

    400: a body that is not JSON; 403: the role may not; 409: a step out of order; 422: bad values;
    429: too many requests with a bad token from one address (see ``RATELIMIT_API_AUTH``);
    503: no database connection could be had in time (with ``Retry-After``).
    """
    def decorator(view: Callable) -> Callable:
        for code in sorted({401, 404, 429, 503, *codes}, reverse=True):
            view = blp.alt_response(code, response=REFUSALS[code])(view)
        return view
    return decorator


def bounded_pages(view: Callable) -> Callable:
    """Refuse a page number past MAX_PAGE with 422 (a huge one would overflow the query's offset)."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from flask_smorest import abort

        if kwargs["pagination_parameters"].page > MAX_PAGE:
            abort(422, message="Some values are not right.",
                  messages={"query": {"page": [f"Must be at most {MAX_PAGE}."]}})
        return view(*args, **kwargs)
    return wrapper


def scoped_blueprint(name: str, description: str) -> SmorestBlueprint:
    """A blueprint under /api/v1/<slug> whose views run in the token's partnership."""
    from cspr.accounts.api import authenticate
    from cspr.audit.requests import after_request

    blp = SmorestBlueprint(name, __name__, url_prefix=PREFIX + "/<slug>", description=description)

    @blp.url_value_preprocessor
    def _pop_slug(_endpoint, values) -> None:  # noqa: ANN001
        g.api_slug = (values or {}).pop("slug", None)

    @blp.url_defaults
    def _add_slug(_endpoint, values) -> None:  # noqa: ANN001
        if "slug" not in values and getattr(g, "api_slug", None):
            values["slug"] = g.api_slug

    blp.before_request(authenticate)
    blp.after_request(after_request)
    return blp
