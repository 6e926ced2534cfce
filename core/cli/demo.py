"""``cspr demo``: load the partnerships' demo data and accounts."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from cspr.cli.common import require_schema
from cspr.db import get_db
from cspr.plugins import get_registry
from cspr.services.words import counted


@click.command()
@click.option("--cases/--no-cases", default=True, show_default=True,
              help="Add fictional live cases so the dashboards have deadlines.")
@click.option("--accounts/--no-accounts", default=True, show_default=True,
              help="Create (or reset) the demo accounts and print their password.")
@click.option("--partnership", "also", multiple=True, metavar="SLUG",
              help="Also give this installed partnership the demo admin and fictional cases (the bundled "
                   "four get them; a partnership installed from its own package does not unless named).")
@with_appcontext
def demo(cases: bool, accounts: bool, also: tuple[str, ...]) -> None:
    """Load demo data: published reviews and briefings, live cases, demo accounts."""
    database = get_db()
    require_schema(database)
    unknown = [s for s in also if s not in get_registry().policies]
    if unknown:
        raise click.BadParameter(f"no loaded partnership is called {', '.join(unknown)}",
                                 param_hint="--partnership")
    load_demo(database, cases, accounts, also)


def load_demo(database, cases: bool, accounts: bool, also: tuple[str, ...] = (),  # noqa: ANN001
              echo: Callable[[str], Any] = click.echo) -> None:
    """Load the demo data; what was added is said through ``echo`` (`cspr up` says it last)."""
    import secrets

    from cspr.partnerships import demo as demo_module

    if current_app.config["ENV"] == "production" and accounts:
        raise click.ClickException("demo accounts are not created in production")
    password = os.environ.get("CSPR_DEMO_PASSWORD") or secrets.token_urlsafe(9)
    with database.session_scope() as session:
        registry = get_registry()
        only = demo_module.demo_partnerships(registry, also)
        counts = demo_module.load(session, registry)
        added = demo_module.load_cases(session, registry, only=only) if cases else 0
        emails = demo_module.load_accounts(session, registry, password, only=only) if accounts else []
    for count in counts:
        added_here = f"{counted(count.reviews, 'review')}, {counted(count.briefings, 'briefing')}"
        echo(f"{count.slug}: {added_here} added")
    if added:
        echo(f"{counted(added, 'fictional live case')} added")
    if emails:
        echo(f"Demo accounts ({', '.join(emails)}), password: {password}")
        others = sorted(set(registry.policies) - only)
        if others:
            echo(f"No demo account or fictional case in {', '.join(others)} (installed from its own "
                       "package); add --partnership SLUG to give it them")
