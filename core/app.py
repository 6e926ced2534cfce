"""The app factory: configuration, database, plugins, Celery, templates and blueprints."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from cspr import config as config_module
from cspr.db import Database
from cspr.logs import configure_logging
from cspr.plugins import PluginRegistry, PluginsFailed

log = logging.getLogger(__name__)


def create_app(overrides: dict[str, Any] | None = None, *, api: bool = True) -> Flask:
    """Build the app: settings, database, plugins (checked), Celery, web.

    ``api=False`` leaves out the JSON API, which the ``cspr`` commands and the worker never serve:
    building its OpenAPI document is half of what starting a command costs.
    """
    settings = config_module.load(overrides)
    if settings["ENV"] == "production":
        check_secret_key(settings["SECRET_KEY"])
    instance_path = settings.get("INSTANCE_PATH") or None
    app = Flask("cspr", instance_path=os.path.abspath(instance_path) if instance_path else None)
    app.config.update(settings)
    from cspr.accounts import keys

    keys.install(app)  # TOTP and audit-heads keys: malformed ones, or none in production, stop here
    from cspr.web import links

    links.configure(app)  # BASE_URL for every link sent out; TRUSTED_HOSTS (production refuses others)
    configure_logging(app.config.get("LOG_LEVEL", "INFO"))
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'cspr.sqlite3'}"
    if not app.config["BROKER_URL"]:
        app.config["BROKER_URL"] = f"sqla+sqlite:///{instance / 'broker.sqlite3'}"
    for setting, folder in (("ARCHIVE_DIR", "archive"), ("DOCUMENTS_DIR", "documents")):
        if not app.config[setting]:
            app.config[setting] = str(instance / folder)

    Database(app.config["DATABASE_URL"], **pool_settings(app.config)).init_app(app)

    registry = PluginRegistry(
        allow=app.config["PLUGINS_ALLOW"],
        deny=app.config["PLUGINS_DENY"],
        extra=app.config.get("EXTRA_PLUGINS", ()),
    ).load()
    if registry.errors and app.config["PLUGINS_STRICT"]:
        raise PluginsFailed(registry.errors)
    app.extensions["cspr.plugins"] = registry

    from cspr.tasks import after_commit  # noqa: F401 - sends tasks after commits
    from cspr.tasks.celery import init_celery

    init_celery(app)  # calls each plugin's cspr_register_tasks: one that raises is broken too
    if registry.errors and app.config["PLUGINS_STRICT"]:
        raise PluginsFailed(registry.errors)

    app.jinja_loader = ChoiceLoader([
        FileSystemLoader([str(folder) for folder in template_folders()]),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])

    from cspr.web import init_web

    init_web(app, api=api)
    trust_proxies(app)
    return app


def template_folders() -> list[Path]:
    """The shared frame's templates (``web/templates``), then each domain's own ``templates`` folder."""
    core = Path(__file__).parent
    domains = sorted(p for p in core.glob("*/templates") if p.parent.name != "web")
    return [core / "web" / "templates", *domains]


def trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES proxies, take the client's address, scheme and host from their headers."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def pool_settings(config: dict[str, Any]) -> dict[str, Any]:
    """The database pool's size, overflow and timeout from the settings, or ConfigError saying which."""
    checks = (("DATABASE_POOL_SIZE", "pool_size", int, 1, "a whole number, at least 1"),
              ("DATABASE_MAX_OVERFLOW", "max_overflow", int, 0, "a whole number, 0 or more"),
              ("DATABASE_POOL_TIMEOUT", "pool_timeout", float, 0.01, "a number of seconds above 0"))
    found = {}
    for setting, name, kind, least, expected in checks:
        raw = config[setting]
        try:
            value = kind(raw)
            if isinstance(raw, bool) or value < least or (kind is int and value != float(raw)):
                raise ValueError
        except (TypeError, ValueError):
            raise config_module.ConfigError(
                f"CSPR_{setting} must be {expected}, not {raw!r}") from None
        found[name] = value
    return found


def check_secret_key(key: str) -> None:
    """Production needs a real secret: not the development default, not a placeholder, long enough."""
    if key == config_module.DEFAULTS["SECRET_KEY"]:
        raise config_module.ConfigError(
            "CSPR_SECRET_KEY is the development default: set a long random value in production")
    if len(key) < 32 or "change-me" in key.lower():
        raise config_module.ConfigError(
            "CSPR_SECRET_KEY must be a random value of at least 32 characters in production "
            "(python -c 'import secrets; print(secrets.token_urlsafe(48))' makes one)")
