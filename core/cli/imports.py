"""``cspr import FILE --partnership SLUG [--dry-run]``: going live with a filled-in template."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from cspr.cli.common import require_migrated
from cspr.db import get_db
from cspr.plugins import get_registry
from cspr.services.words import counted


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--partnership", "slug", required=True, help="The partnership's slug: the records go into it only."
)
@click.option("--dry-run", is_flag=True, help="Check every row and report its problems; import nothing.")
@click.option("--by", "by", default=None, help="Who is importing (recorded with every record).")
def import_file(file: Path, slug: str, dry_run: bool, by: str | None) -> None:
    """Import incidents, reviews under way, action plans and published reviews from the going-live template.

    Every row goes through the same rules as the app, and every deadline is worked out as if the
    case had been recorded on the platform. Nothing is imported unless every row is right; then
    everything is, in one transaction. Exits 1, listing each problem by sheet, row and column, if
    any row is wrong. The templates: the Going live page of the staff app.
    """
    _run(file, slug, dry_run, by)


@with_appcontext
def _run(file: Path, slug: str, dry_run: bool, by: str | None) -> None:
    from cspr.db.tenancy import acting_for
    from cspr.imports import services as imports
    from cspr.partnerships import services as partnerships
    from cspr.services.context import Context

    require_migrated()
    registry = get_registry()
    session = get_db().sessionmaker()
    try:
        row = partnerships.get(session, slug)
        policy = registry.policies.get(slug)
        if row is None or policy is None:
            raise click.ClickException(f"no partnership '{slug}' (see 'cspr plugins')")
        with acting_for(session, row.id):
            ctx = Context(session, row, policy, actor=f"cli:{by}" if by else "cli")
            try:
                outcome = imports.run(ctx, file.read_bytes(), dry_run=dry_run, file_name=file.name)
            except imports.ImportFailed as failed:
                session.rollback()
                click.echo(
                    f"Nothing was imported: {file.name} has "
                    f"{counted(len(failed.outcome.problems), 'problem')}. Correct them and run it again.",
                    err=True,
                )
                for message in failed.outcome.messages():
                    click.echo(f"  - {message}", err=True)
                raise SystemExit(1) from None
            if dry_run:
                found = ", ".join(outcome.summary()) or "no records"
                if outcome.problems:
                    click.echo(
                        f"Checked {file.name}: {counted(len(outcome.problems), 'problem')}; nothing would be "
                        "imported until they are corrected.",
                        err=True,
                    )
                    for message in outcome.messages():
                        click.echo(f"  - {message}", err=True)
                    raise SystemExit(1)
                click.echo(
                    f"Checked {file.name}: every row is right. It would import {found}. Nothing was "
                    "imported (this was a dry run)."
                )
                return
            session.commit()
            click.echo(f"Imported into {slug}: {', '.join(outcome.summary())}.")
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
