"""The JSON API under ``/api/v1/<slug>``: token authentication, JSON errors, the OpenAPI document.

A token belongs to one person in one partnership; a request for another
partnership's URL, or for a record of another partnership, answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, g, jsonify, request
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from werkzeug.exceptions import HTTPException

from cspr.db import get_session
from cspr.workflow.errors import InputError, NotFound, StepError, WorkflowError

PREFIX = "/api/v1"
MAX_PAGE = 10_000  # 100 a page: a million records; past it a page number is refused, not run
# The refusals the API answers, as flask-smorest's response components (its error schema).
REFUSALS = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT",
            422: "UNPROCESSABLE_ENTITY", 429: "TOO_MANY_REQUESTS", 503: "SERVICE_UNAVAILABLE"}


def init_api(app: Flask) -> Api:
    """Register the API blueprints and its OpenAPI document at /api/v1/openapi.json."""
    app.config.setdefault("API_TITLE", "CSPR platform API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": "Run Child Safeguarding Practice Reviews: incidents, the statutory "
                                "clock, reviews, action plans. Send `Authorization: Bearer <token>`; "
                                "a token is issued with `cspr tokens create`."},
        "security": [{"bearerAuth": []}],
    })
    api = Api(app)
    # Every status the API answers is listed per operation; no catch-all "default" hides one.
    api.DEFAULT_ERROR_RESPONSE_NAME = None
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    from cspr.web.converters import IdConverter, id_schema

    api.register_converter(IdConverter, id_schema)
    from cspr.web.api import actions, cases, deadlines, exports, reviews
    from cspr.web.api.document import init_converter, init_documents

    init_converter(api)

    api.blueprints = [m.blp for m in (cases, reviews, actions, deadlines, exports)]
    for blueprint in api.blueprints:
        api.register_blueprint(blueprint)
    init_documents(app, api, MAX_PAGE)
    app.extensions["cspr.api"] = api
    return api


def is_api_request() -> bool:
    """True for a request under /api/."""
    return request.path.startswith(PREFIX + "/") or request.path == PREFIX


def error_response(exc: Exception):  # noqa: ANN201
    """A JSON error body for the API (the session is rolled back: nothing half-written)."""
    get_session().rollback()
    if isinstance(exc, InputError):
        return jsonify(code=422, status="Unprocessable Entity",
                       message="Some values are not right.", errors={"json": exc.errors}), 422
    if isinstance(exc, StepError):
        return jsonify(code=409, status="Conflict", message=str(exc)), 409
    if isinstance(exc, NotFound):
        return jsonify(code=404, status="Not Found", message=str(exc)), 404
    if isinstance(exc, HTTPException):
        body = {"code": exc.code, "status": exc.name,
                "message": getattr(exc, "data", {}).get("message") or exc.description}
        errors = getattr(exc, "data", {}).get("messages")
        if errors:
            body["errors"] = errors
        response = jsonify(body)
        response.status_code = exc.code or 500
        response.headers.update(exception_headers(exc))  # e.g. 405's Allow (RFC 9110)
        if exc.code == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="cspr"'
        return response
    return jsonify(code=500, status="Internal Server Error",
                   message="Something went wrong; nothing was saved."), 500


def exception_headers(exc: HTTPException) -> dict[str, str]:
    """The headers an HTTP error carries besides its body's type: 405's ``Allow``, for one."""
    return {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}


def workflow_error_handler(exc: WorkflowError):  # noqa: ANN201
    """Workflow refusals raised anywhere in the API."""
    return error_response(exc)


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
    from cspr.web.api.auth import authenticate
    from cspr.web.auditing import after_request

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
