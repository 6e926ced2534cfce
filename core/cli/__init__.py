"""The ``cspr`` command: the root group, made of one module per command group (``cspr.cli.<group>``)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import ScriptInfo

from cspr import __version__
from cspr.app import create_app
from cspr.cli import (
    archive,
    audit,
    db,
    demo,
    figures,
    imports,
    partnerships,
    plugins,
    records,
    tokens,
    users,
    workers,
)
from cspr.config import ConfigError
from cspr.plugins import PluginsFailed


def _make_app() -> Flask:
    """The commands' app: without the JSON API (``cspr up`` builds a whole one to serve)."""
    try:
        return create_app(api=False)
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from exc
    except PluginsFailed as exc:
        lines = "\n".join(f"  - {e}" for e in exc.errors)
        raise click.ClickException(
            f"plugins failed to load (CSPR_PLUGINS_STRICT is on):\n{lines}"
        ) from exc


@click.group()
@click.version_option(__version__, prog_name="cspr")
def cli() -> None:
    """Run Child Safeguarding Practice Reviews for many partnerships on one deployment.

    Settings come from CSPR_* environment variables (e.g. CSPR_DATABASE_URL,
    CSPR_BROKER_URL) or a TOML file named by CSPR_CONFIG.
    """


def main() -> None:
    """The console entry point."""
    cli(obj=ScriptInfo(create_app=_make_app, set_debug_flag=False))


for _command in (db.db, plugins.plugins, plugins.plugin, plugins.themes, partnerships.partnership, demo.demo,
                 users.users, tokens.tokens, archive.archive, audit.audit_group, records.holds,
                 records.retention, workers.worker, workers.beat, workers.up, figures.figures,
                 imports.import_file):
    cli.add_command(_command)
