"""Links the platform sends out (e-mails, feeds): built from the configured BASE_URL, never the request.

A request's ``Host`` header is whatever the client says. A link built from it (Flask's
``url_for(..., _external=True)``) lets anyone who can ask for a password reset choose the
host the victim's e-mail points at. Every absolute link therefore goes through
:func:`external_url`, and in production the app answers only the hosts in ``TRUSTED_HOSTS``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from werkzeug.exceptions import SecurityError

from cspr.config import DEFAULTS, ConfigError

DEVELOPMENT_BASE_URL = DEFAULTS["BASE_URL"]  # what `cspr up` serves
FOREIGN_HOST = "This service does not answer to that web address (Host). Use the service's own address."


def check_base_url(url: str) -> str:
    """The base URL without a trailing slash; ConfigError unless it is http(s)://host[:port][/path]."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment \
            or parts.username or parts.password:
        raise ConfigError(f"CSPR_BASE_URL must be the service's public address, like "
                          f"https://cspr.example.org, not {url!r}")
    return url.rstrip("/")


def configure(app: Flask) -> None:
    """Settle BASE_URL and TRUSTED_HOSTS at start-up; production must name its BASE_URL.

    Production refuses BASE_URL's development default (the address ``cspr up`` serves), as
    it refuses the development secret key. Production with no TRUSTED_HOSTS answers only
    the BASE_URL's host.
    """
    config = app.config
    production = config["ENV"] == "production"
    base = (config.get("BASE_URL") or "").strip() or DEVELOPMENT_BASE_URL
    if production and base.rstrip("/") == DEVELOPMENT_BASE_URL:
        raise ConfigError("CSPR_BASE_URL is not set: in production set it to the service's public "
                          "address, like https://cspr.example.org (links in e-mails and feeds use it)")
    config["BASE_URL"] = check_base_url(base)
    hosts = config.get("TRUSTED_HOSTS")
    if isinstance(hosts, str):
        hosts = [part.strip() for part in hosts.split(",")]
    hosts = [h for h in (hosts or []) if h]
    if not hosts and production:
        hosts = [urlsplit(config["BASE_URL"]).hostname]
    config["TRUSTED_HOSTS"] = hosts or None  # None: any host (development only, unless set)

    @app.before_request
    def _refuse_foreign_host() -> Any:
        """A Host outside TRUSTED_HOSTS: a plain 400 before any other work (Flask found it already)."""
        if isinstance(request.routing_exception, SecurityError):
            return _foreign_host(request.routing_exception)
        return None

    app.register_error_handler(SecurityError, _foreign_host)

    app.add_template_global(external_url)


def _foreign_host(exc: SecurityError) -> tuple[str, int, dict[str, str]]:
    """The answer to a foreign Host: plain text (a page's links would need a host)."""
    return FOREIGN_HOST, 400, {"Content-Type": "text/plain; charset=utf-8"}


def base_url() -> str:
    """The service's public address, without a trailing slash (from BASE_URL)."""
    return current_app.config["BASE_URL"].rstrip("/")


def absolute(path: str) -> str:
    """``path`` (starting with /) on the service's public address."""
    return base_url() + "/" + path.lstrip("/")


def external_url(endpoint: str, _anchor: str | None = None, **values: Any) -> str:
    """The absolute URL of ``endpoint`` on BASE_URL, whatever host this request came in on.

    Needs only an app context, so tasks and commands can build links too.
    """
    adapter = current_app.url_map.bind("base.invalid", url_scheme="https")  # only the path is used
    path = adapter.build(endpoint, values)
    return absolute(path) + (f"#{_anchor}" if _anchor else "")
