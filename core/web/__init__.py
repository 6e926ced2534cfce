"""Web: blueprints for the public pages, ops endpoints and assets, and GOV.UK error pages."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException


def init_web(app: Flask) -> None:
    """Register the blueprints and error pages."""
    from cspr.web import assets, ops, public

    app.register_blueprint(assets.bp)
    app.register_blueprint(ops.bp)
    app.register_blueprint(public.bp)

    @app.context_processor
    def _globals() -> dict:
        return {"service_name": "Child Safeguarding Practice Reviews"}

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # noqa: ANN202
        return render_template("error.html", error=exc), exc.code

    @app.errorhandler(500)
    def _server_error(_exc: Exception):  # noqa: ANN202
        return render_template("error.html", error=None), 500
