"""Web: blueprints for the public pages, the JSON API, feeds, ops endpoints and assets."""

from __future__ import annotations

import importlib
import logging

from flask import Flask, Response, make_response, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from cspr.accounts.keys import SecretUnreadable
from cspr.db import get_session
from cspr.plugins import PluginError
from cspr.services.errors import WorkflowError

log = logging.getLogger(__name__)

#: Each domain's staff pages: importing one adds its routes to the staff blueprint.
STAFF_PAGES = (
    "cspr.accounts.views.members", "cspr.actions.views", "cspr.archive.views", "cspr.audit.views",
    "cspr.cases.views", "cspr.chronology.views", "cspr.deadlines.views", "cspr.documents.views",
    "cspr.imports.views", "cspr.messaging.views",
    "cspr.partnerships.settings_views", "cspr.proceedings.views",
    "cspr.publication.briefing_views", "cspr.records.views", "cspr.reporting.views", "cspr.returns.views",
    "cspr.reviews.views",
)


def init_web(app: Flask, *, api: bool = True) -> None:
    """Register the blueprints (the JSON API's if ``api``) and the error pages (HTML, or JSON under /api/)."""
    from flask_wtf.csrf import CSRFProtect

    from cspr.accounts.views import sign_in as auth
    from cspr.accounts.views.sso import bp as sso_bp
    from cspr.deadlines import feeds
    from cspr.operations import views as ops
    from cspr.operations.metrics import init_metrics
    from cspr.partnerships import views as operator
    from cspr.publication import views as public
    from cspr.web import assets, converters, staff
    from cspr.web.api import error_response, exception_headers, init_api, is_api_request
    from cspr.web.input_guard import init_input_guard
    from cspr.web.security import init_security
    from cspr.web.staff.helpers import init_helpers

    converters.install(app)
    init_metrics(app)  # request latency by endpoint, for /metrics
    init_security(app)
    init_input_guard(app)
    csrf = CSRFProtect(app)
    auth.init_login(app)
    init_helpers(app)
    assets.init_assets(app)  # fingerprinted, cached for a year, gzipped
    app.register_blueprint(ops.bp)
    app.register_blueprint(feeds.bp)
    if api:
        for blueprint in init_api(app).blueprints:  # bearer tokens, no cookies: no CSRF
            csrf.exempt(blueprint)
    from cspr.web.limits import init_limits

    init_limits(app)  # rate limits on sign-in, resets and failed API tokens
    app.register_blueprint(auth.bp)
    app.register_blueprint(sso_bp)  # single sign-on (OpenID Connect)
    app.register_blueprint(operator.bp)
    for module in STAFF_PAGES:
        importlib.import_module(module)
    app.register_blueprint(staff.bp)
    app.register_blueprint(public.bp)
    from cspr.archive.views import public_bp as deposit_links

    app.register_blueprint(deposit_links)  # the expiring link an oversized NSPCC deposit is e-mailed with

    @app.context_processor
    def _globals() -> dict:
        return {"service_name": "Child Safeguarding Practice Reviews"}

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> ResponseReturnValue:
        if is_api_request():
            return error_response(exc)
        return render_template("error.html", error=exc), exc.code, exception_headers(exc)

    @app.errorhandler(PluginError)
    def _plugin_error(exc: PluginError) -> ResponseReturnValue:
        """A partnership's plugin failed while serving: only that partnership's page fails."""
        from cspr.plugins import get_registry

        get_registry().runtime_errors[exc.plugin] = exc.reason
        log.error("plugin failed while serving: %s", exc, extra={"plugin": exc.plugin})
        if is_api_request():
            from flask import jsonify

            return jsonify(code=503, status="Service Unavailable",
                           message="This partnership's local settings have a problem; "
                                   "the platform team has been told."), 503
        return render_template("plugin_error.html"), 503

    @app.errorhandler(SecretUnreadable)
    def _secret_unreadable(exc: SecretUnreadable) -> ResponseReturnValue:
        """A TOTP secret the configured keys do not open: say so plainly, never a 500."""
        from werkzeug.exceptions import ServiceUnavailable

        log.error("two-factor secret unreadable: %s", exc)
        error = ServiceUnavailable("Signing in with an authenticator app is not available just now: the "
                                   "service cannot read its two-factor keys. The platform team has been "
                                   "told. Try again later.")
        if is_api_request():
            return error_response(error)
        return render_template("error.html", error=error), 503

    @app.errorhandler(WorkflowError)
    def _workflow_error(exc: WorkflowError) -> ResponseReturnValue:
        return error_response(exc)

    @app.errorhandler(Exception)
    def _server_error(exc: Exception) -> ResponseReturnValue:
        log.exception("unhandled error", exc_info=exc)
        if is_api_request():
            return error_response(InternalServerError())
        return render_template("error.html", error=None), 500

    @app.errorhandler(PoolTimeout)
    def _no_connection(exc: PoolTimeout) -> ResponseReturnValue:
        return _unavailable(app, exc)

    @app.errorhandler(OperationalError)
    def _database_error(exc: OperationalError) -> ResponseReturnValue:
        if database_unavailable(exc):
            return _unavailable(app, exc)
        return _server_error(exc)


#: What PostgreSQL and psycopg say when the server has no connection to give (SQLSTATE 53300).
_NO_CONNECTION = ("too many connections", "too many clients", "remaining connection slots",
                  "connection failed", "could not connect", "connection refused")


def database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` means no database connection could be had (not a bad query)."""
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, OperationalError):
        return False
    if getattr(exc.orig, "sqlstate", None) == "53300":
        return True
    text = str(exc.orig or exc).lower()
    return any(phrase in text for phrase in _NO_CONNECTION)


def _unavailable(app: Flask, exc: BaseException) -> Response:
    """503 with Retry-After: the database is busy. Touches no database (it has none to give)."""
    from flask import jsonify

    from cspr.web.api import is_api_request

    retry_after = int(app.config.get("DATABASE_RETRY_AFTER", 5))
    log.warning("no database connection: answered 503", extra={"error": type(exc).__name__})
    try:
        get_session().rollback()  # hand back whatever it holds; there may be nothing
    except SQLAlchemyError:
        pass
    if is_api_request():
        response = jsonify(code=503, status="Service Unavailable",
                           message="The service is busy. Nothing was saved. "
                                   f"Try again in {retry_after} seconds.")
        response.status_code = 503
    else:
        response = make_response(render_template("unavailable.html", retry_after=retry_after), 503)
    response.headers["Retry-After"] = str(retry_after)
    return response
