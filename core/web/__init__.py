"""Web: blueprints for the public pages, the JSON API, feeds, ops endpoints and assets."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException, InternalServerError

from cspr.workflow.errors import WorkflowError

log = logging.getLogger(__name__)


def init_web(app: Flask) -> None:
    """Register the blueprints and the error pages (HTML, or JSON under /api/)."""
    from cspr.web import assets, feeds, ops, public
    from cspr.web.api import error_response, init_api, is_api_request

    app.register_blueprint(assets.bp)
    app.register_blueprint(ops.bp)
    app.register_blueprint(feeds.bp)
    init_api(app)
    app.register_blueprint(public.bp)

    @app.context_processor
    def _globals() -> dict:
        return {"service_name": "Child Safeguarding Practice Reviews"}

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # noqa: ANN202
        if is_api_request():
            return error_response(exc)
        return render_template("error.html", error=exc), exc.code

    @app.errorhandler(WorkflowError)
    def _workflow_error(exc: WorkflowError):  # noqa: ANN202
        return error_response(exc)

    @app.errorhandler(Exception)
    def _server_error(exc: Exception):  # noqa: ANN202
        log.exception("unhandled error", exc_info=exc)
        if is_api_request():
            return error_response(InternalServerError())
        return render_template("error.html", error=None), 500
