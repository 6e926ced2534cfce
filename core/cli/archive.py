"""``cspr archive run|verify``: archive reviews past their public period, and check the archive."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from cspr.cli.common import require_schema
from cspr.db import get_db
from cspr.plugins import get_registry
from cspr.services.words import counted


@click.group()
def archive() -> None:
    """Archive reviews past their public period, and check the archive."""


@archive.command("run")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Archive as of this day (default: today in England).")
@with_appcontext
def archive_run(on) -> None:  # noqa: ANN001
    """Archive what is due now (the daily job does this by itself)."""
    from pathlib import Path

    from cspr.archive import services as archive_module
    from cspr.services.context import london_today

    database = get_db()
    require_schema(database)
    config = current_app.config
    with database.session_scope() as session:
        result = archive_module.run(session, get_registry(), on.date() if on else london_today(),
                                    Path(config["ARCHIVE_DIR"]), Path(config["DOCUMENTS_DIR"]), config)
    from cspr.archive import sending

    unsent = "" if sending.configured(config) else (
        " (CSPR_NSPCC_DEPOSIT_ADDRESS is not set: the NSPCC's packages are prepared in the archive, "
        "not e-mailed)")
    click.echo(f"{counted(len(result.archived), 'review')} archived, {result.kept} kept on the page by rule, "
               f"{counted(result.queued, 'deposit')} queued to be e-mailed to the NSPCC{unsent}")
    for problem in result.problems:
        click.echo(f"problem: {problem}", err=True)
    if result.problems:
        raise SystemExit(1)


@archive.command("verify")
@with_appcontext
def archive_verify() -> None:
    """Prove every archived package is intact; exit 1 and say what is wrong if not."""
    from pathlib import Path

    from cspr.archive import services as archive_module

    database = get_db()
    require_schema(database)
    with database.session_scope() as session:
        count, problems = archive_module.verify(session, Path(current_app.config["ARCHIVE_DIR"]))
    for problem in problems:
        click.echo(f"problem: {problem}", err=True)
    if problems:
        raise click.ClickException(f"{counted(len(problems), 'problem')} in {counted(count, 'package')}")
    click.echo(f"{counted(count, 'package')} verified: every file matches its checksum.")
