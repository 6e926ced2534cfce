"""``cspr holds``, ``cspr retention`` and ``cspr partnership export|verify-export|import``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from cspr.db import get_db, migrate
from cspr.plugins import get_registry


def _ready() -> None:
    if migrate.current(get_db().engine) is None:
        raise click.ClickException("the database has no schema yet: run 'cspr db upgrade' first")


def _partnership(session, slug: str):  # noqa: ANN001, ANN202
    from cspr.partnerships import services as partnerships

    row = partnerships.get(session, slug)
    if row is None:
        raise click.ClickException(f"no partnership '{slug}'")
    return row


def _dirs() -> tuple[Path, Path]:
    return Path(current_app.config["DOCUMENTS_DIR"]), Path(current_app.config["ARCHIVE_DIR"])


# -- legal holds ----------------------------------------------------------------
@click.group()
def holds() -> None:
    """Place, release and list legal holds: nothing they cover is deleted."""


@holds.command("place")
@click.option("--partnership", "slug", required=True, help="The partnership's slug.")
@click.option("--incident", "incident_ref", default=None, help="Hold one case, by its reference.")
@click.option("--review", "review_id", type=int, default=None, help="Hold one review, by its number.")
@click.option("--reason", required=True, help="Why (e.g. the inquiry's direction and its date).")
@click.option("--by", "by", default=None, help="Who asked for it (recorded with the hold).")
@with_appcontext
def holds_place(slug: str, incident_ref: str | None, review_id: int | None, reason: str,
                by: str | None) -> None:
    """Place a hold on the whole partnership, or on one case or review."""
    from cspr.records import holds as holds_module

    _ready()
    with get_db().session_scope() as session:
        row = _partnership(session, slug)
        try:
            hold = holds_module.place(session, row, reason=reason, actor=f"cli:{by}" if by else "cli",
                                      incident_ref=incident_ref, review_id=review_id)
        except holds_module.HoldError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Hold {hold.id} placed on {hold.subject}. Retention deletes nothing it covers "
                   "until it is released.")


@holds.command("release")
@click.argument("hold_id", type=int)
@click.option("--partnership", "slug", required=True, help="The partnership's slug.")
@click.option("--reason", required=True, help="Why it ends (e.g. the inquiry's notice).")
@click.option("--by", "by", default=None, help="Who released it.")
@with_appcontext
def holds_release(hold_id: int, slug: str, reason: str, by: str | None) -> None:
    """Release a hold; what it covered falls under the retention rules again."""
    from cspr.records import holds as holds_module

    _ready()
    with get_db().session_scope() as session:
        row = _partnership(session, slug)
        try:
            hold = holds_module.release(session, row, hold_id, reason=reason,
                                        actor=f"cli:{by}" if by else "cli")
        except holds_module.HoldError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Hold {hold.id} on {hold.subject} released.")


@holds.command("list")
@click.option("--partnership", "slug", required=True, help="The partnership's slug.")
@click.option("--all", "include_released", is_flag=True, help="Include released holds.")
@with_appcontext
def holds_list(slug: str, include_released: bool) -> None:
    """The partnership's holds in force (with --all, released ones too)."""
    from cspr.db.tenancy import acting_for
    from cspr.records import holds as holds_module

    _ready()
    with get_db().session_scope() as session:
        row = _partnership(session, slug)
        with acting_for(session, row.id):
            rows = holds_module.listing(session, include_released)
            if not rows:
                click.echo(f"No hold {'recorded' if include_released else 'in force'} in {slug}.")
            for hold in rows:
                state = (f"released {hold.released_at:%Y-%m-%d} by {hold.released_by}"
                         if hold.released_at else "in force")
                click.echo(f"{hold.id}  {hold.subject}  placed {hold.placed_at:%Y-%m-%d} by {hold.placed_by}"
                           f"  {state}  reason: {hold.reason}")


# -- retention ------------------------------------------------------------------
@click.group()
def retention() -> None:
    """Apply the retention rules (the daily job does it by itself)."""


@retention.command("apply")
@click.option("--dry-run", is_flag=True, help="Report what would go; delete nothing.")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Apply as of this day (default: today in England).")
@with_appcontext
def retention_apply(dry_run: bool, on) -> None:  # noqa: ANN001
    """Delete what the rules say has been kept long enough, except under a hold; print the report."""
    from cspr.records import retention as retention_module
    from cspr.services.context import london_today

    _ready()
    documents_dir, archive_dir = _dirs()
    session = get_db().sessionmaker()
    try:
        report = retention_module.apply(session, get_registry(), on.date() if on else london_today(),
                                        documents_dir=documents_dir, archive_dir=archive_dir,
                                        dry_run=dry_run)
    finally:
        session.close()
    for line in report.lines():
        click.echo(line)
    if any(p.problems for p in report.partnerships):
        raise SystemExit(1)


# -- export and import ---------------------------------------------------------
@click.command("export")
@click.argument("slug")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="The file to write (a zip).")
@with_appcontext
def partnership_export(slug: str, out: str) -> None:
    """Write one partnership's complete data and files to a verifiable zip."""
    from cspr.records import exporting as export_partnership

    _ready()
    documents_dir, archive_dir = _dirs()
    try:
        result = export_partnership.export(get_db(), slug, Path(out), documents_dir=documents_dir,
                                           archive_dir=archive_dir)
    except export_partnership.ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Exported {slug} to {out}: {sum(result.rows.values())} row(s) in {len(result.rows)} "
               f"table(s), {result.files} file(s).")
    click.echo(f"sha256 {result.sha256}  (keep it: it proves the file is the one written)")


@click.command("verify-export")
@click.argument("file", type=click.Path())
def partnership_verify_export(file: str) -> None:
    """Check an export: every file's sha256 and the audit chain inside it."""
    from cspr.records import export_file as export_archive

    try:
        with export_archive.ExportReader(Path(file)) as reader:
            problems = reader.verify()
            manifest = reader.manifest
    except export_archive.ExportFileError as exc:
        raise click.ClickException(str(exc)) from exc
    if problems:
        for problem in problems:
            click.echo(f"problem: {problem}", err=True)
        raise click.ClickException(f"{len(problems)} problem(s): this export cannot be trusted")
    click.echo(f"{file}: export of {manifest['partnership']} made {manifest['exported_at']} is intact: "
               f"{len(manifest['files'])} file(s) match their sha256, the audit chain of "
               f"{manifest['audit_head']['seq']} event(s) holds.")


@click.command("import")
@click.argument("file", type=click.Path())
@with_appcontext
def partnership_import(file: str) -> None:
    """Restore an exported partnership into this deployment (where it does not exist yet)."""
    from cspr.records import importing as import_partnership
    from cspr.records.export_file import ExportFileError

    _ready()
    documents_dir, archive_dir = _dirs()
    try:
        result = import_partnership.restore(get_db(), get_registry(), Path(file),
                                            documents_dir=documents_dir, archive_dir=archive_dir)
    except (ExportFileError, import_partnership.ImportRefused) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Imported {result.slug}: {sum(result.rows.values())} row(s), {result.files} file(s); "
               f"the audit chain of {result.audit_events} event(s) verified.")


def register(cli: click.Group, partnership: click.Group) -> None:
    """Add these commands to the ``cspr`` command."""
    cli.add_command(holds)
    cli.add_command(retention)
    partnership.add_command(partnership_export)
    partnership.add_command(partnership_verify_export)
    partnership.add_command(partnership_import)
