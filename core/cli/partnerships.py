"""``cspr partnership disable|enable|export|verify-export|import``: one partnership on this deployment."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from cspr.cli.common import data_dirs, require_migrated, require_schema
from cspr.db import get_db
from cspr.plugins import get_registry
from cspr.services.words import counted


@click.group()
def partnership() -> None:
    """Enable or disable a partnership on this deployment; export it, or import one."""


def _set_enabled(slug: str, enabled: bool) -> None:
    from cspr.audit import events as audit
    from cspr.db.tenancy import acting_for
    from cspr.partnerships import services as partnerships

    database = get_db()
    require_schema(database)
    with database.session_scope() as session:
        row = partnerships.get(session, slug)
        if row is None:
            raise click.ClickException(f"no partnership '{slug}'")
        row.enabled = enabled
        with acting_for(session, row.id):
            audit.record(session, "partnership.enabled" if enabled else "partnership.disabled", actor="cli")
    state = "enabled" if enabled else "disabled: its data is kept; its pages and reminders are stopped"
    click.echo(f"{slug} is {state}.")


@partnership.command("disable")
@click.argument("slug")
@with_appcontext
def partnership_disable(slug: str) -> None:
    """Stop a partnership's pages and reminders without uninstalling its plugin; data is kept."""
    _set_enabled(slug, False)


@partnership.command("enable")
@click.argument("slug")
@with_appcontext
def partnership_enable(slug: str) -> None:
    """Serve a disabled partnership again."""
    _set_enabled(slug, True)


# -- export and import ---------------------------------------------------------
@partnership.command("export")
@click.argument("slug")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="The file to write (a zip).")
@with_appcontext
def partnership_export(slug: str, out: str) -> None:
    """Write one partnership's complete data and files to a verifiable zip."""
    from cspr.records import exporting as export_partnership

    require_migrated()
    documents_dir, archive_dir = data_dirs()
    try:
        result = export_partnership.export(get_db(), slug, Path(out), documents_dir=documents_dir,
                                           archive_dir=archive_dir)
    except export_partnership.ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Exported {slug} to {out}: {counted(sum(result.rows.values()), 'row')} in "
               f"{counted(len(result.rows), 'table')}, {counted(result.files, 'file')}.")
    click.echo(f"sha256 {result.sha256}  (keep it: it proves the file is the one written)")


@partnership.command("verify-export")
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
        raise click.ClickException(f"{counted(len(problems), 'problem')}: this export cannot be trusted")
    click.echo(f"{file}: export of {manifest['partnership']} made {manifest['exported_at']} is intact: "
               f"{counted(len(manifest['files']), 'file')} match their sha256, the audit chain of "
               f"{counted(manifest['audit_head']['seq'], 'event')} holds.")


@partnership.command("import")
@click.argument("file", type=click.Path())
@with_appcontext
def partnership_import(file: str) -> None:
    """Restore an exported partnership into this deployment (where it does not exist yet)."""
    from cspr.records import importing as import_partnership
    from cspr.records.export_file import ExportFileError

    require_migrated()
    documents_dir, archive_dir = data_dirs()
    try:
        result = import_partnership.restore(get_db(), get_registry(), Path(file),
                                            documents_dir=documents_dir, archive_dir=archive_dir)
    except (ExportFileError, import_partnership.ImportRefused) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Imported {result.slug}: {counted(sum(result.rows.values()), 'row')}, "
               f"{counted(result.files, 'file')}; "
               f"the audit chain of {counted(result.audit_events, 'event')} verified.")
