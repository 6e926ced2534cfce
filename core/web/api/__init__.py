"""The JSON API under ``/api/v1/<slug>``: token authentication, JSON errors, the OpenAPI document.

A token belongs to one person in one partnership; a request for another
partnership's URL, or for a record of another partnership, answers 404.
"""

from __future__ import annotations

from flask import Flask, jsonify, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from cspr.db import get_session
from cspr.services.errors import InputError, KeptRefusal, NotFound, StepError, WorkflowError
from cspr.web.api.resource import MAX_PAGE, PREFIX


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
    from cspr.actions import api as actions
    from cspr.cases import api as cases
    from cspr.chronology import api as chronology
    from cspr.deadlines import api as deadlines
    from cspr.documents import api as documents
    from cspr.proceedings import api as proceedings
    from cspr.reporting import api as exports
    from cspr.returns import api as information_requests
    from cspr.reviews import api as reviews
    from cspr.web.api.document import init_converter, init_documents

    init_converter(api)

    api.blueprints = [m.blp for m in (cases, reviews, actions, deadlines, proceedings, exports, chronology,
                                        information_requests, documents)] + [exports.figures_blp]
    for blueprint in api.blueprints:
        api.register_blueprint(blueprint)
    init_documents(app, api, MAX_PAGE)
    app.extensions["cspr.api"] = api
    return api


def is_api_request() -> bool:
    """True for a request under /api/."""
    return request.path.startswith(PREFIX + "/") or request.path == PREFIX


def error_response(exc: Exception):  # noqa: ANN201
    """A JSON error body for the API (the session is rolled back: nothing half-written).

    A refusal that keeps its record (:class:`KeptRefusal`) commits that record instead.
    """
    if isinstance(exc, KeptRefusal):
        get_session().commit()
    else:
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
