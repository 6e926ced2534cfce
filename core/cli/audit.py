"""``cspr audit head|verify``: check the audit chains and export their heads."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from cspr.cli.common import require_schema
from cspr.db import get_db
from cspr.services.words import counted, plural


@click.group("audit")
def audit_group() -> None:
    """Check the audit chains and export their heads to keep outside the database."""


@audit_group.command("head")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the heads to this file instead of standard output.")
@with_appcontext
def audit_head(out: str | None) -> None:
    """Each partnership's newest audit event (seq and hash) as signed JSON, for 'audit verify --heads'."""
    from pathlib import Path

    from cspr.audit import events as audit

    database = get_db()
    require_schema(database)
    with database.session_scope() as session:
        document = audit.heads_document(session)
    text = json.dumps(document, indent=2, sort_keys=True)
    if out is None:
        click.echo(text)
        return
    Path(out).write_text(text + "\n", encoding="utf-8")
    click.echo(f"{counted(len(document['heads']), 'chain head')} written to {out}", err=True)


@audit_group.command("verify")
@click.option("--partnership", "slug", default=None, help="Check only this partnership's chain.")
@click.option("--heads", "heads_file", type=click.Path(dir_okay=False), default=None,
              help="Heads exported earlier (cspr audit head, or the daily audit-heads.jsonl): "
                   "each chain must still reach them. Their signature must match CSPR_AUDIT_HEADS_KEYS.")
@click.option("--allow-unsigned", is_flag=True, default=False,
              help="Accept heads with no signature (written before heads were signed); a wrong "
                   "signature is still refused.")
@with_appcontext
def audit_verify(slug: str | None, heads_file: str | None, allow_unsigned: bool) -> None:
    """Check every partnership's audit chain; exit 1 naming each altered, removed or reordered event."""
    from pathlib import Path

    from sqlalchemy import select

    from cspr.accounts import keys
    from cspr.audit import events as audit
    from cspr.db.tenancy import acting_for
    from cspr.partnerships.models import Partnership

    database = get_db()
    require_schema(database)
    checkpoints: dict[str, list[tuple[int, str]]] = {}
    if heads_file:
        try:
            checkpoints = audit.read_checkpoints(Path(heads_file), signed_by=keys.current().heads,
                                                 allow_unsigned=allow_unsigned)
        except audit.HeadsFileError as exc:
            raise click.ClickException(str(exc)) from exc
        unsigned = audit.unsigned_documents(Path(heads_file))
        if unsigned:
            click.echo(f"warning: {counted(unsigned, 'heads document')} in {heads_file} "
                       f"{plural(unsigned, 'is', 'are')} unsigned: they prove "
                       "nothing against someone who can write that file", err=True)
    broken = 0
    with database.session_scope() as session:
        query = select(Partnership).order_by(Partnership.slug)
        if slug:
            query = query.where(Partnership.slug == slug)
        rows = session.scalars(query).all()
        if slug and not rows:
            raise click.ClickException(f"no partnership '{slug}'")
        for row in rows:
            with acting_for(session, row.id):
                report = audit.check(session, checkpoints.pop(row.slug, []))
            state = "intact" if report.intact else counted(len(report.problems), "problem")
            click.echo(f"{row.slug}: {report.events:,} event{'s' * (report.events != 1)}, {state}")
            for line in audit.summarise(report.problems):
                click.echo(f"  {line}")
            broken += not report.intact
        for missing in sorted(checkpoints) if not slug else []:
            click.echo(f"{missing}: in the heads file but not in the database (partnership removed)")
            broken += 1
    if not heads_file:
        click.echo("warning: checked without exported heads (--heads FILE): this cannot see events "
                   "removed from the end of a chain, a chain emptied (TRUNCATE), or a chain rewritten "
                   "with recomputed hashes. Check against the daily audit-heads.jsonl to see those.",
                   err=True)
    if broken:
        raise click.ClickException(
            f"{counted(broken, 'audit chain')} {plural(broken, 'fails', 'fail')} the check")
