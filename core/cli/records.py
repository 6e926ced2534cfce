"""``cspr holds place|release|list`` and ``cspr retention apply``: legal holds and the retention rules."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from cspr.cli.common import data_dirs, require_migrated
from cspr.db import get_db
from cspr.plugins import get_registry


def _partnership(session, slug: str):  # noqa: ANN001, ANN202
    from cspr.partnerships import services as partnerships

    row = partnerships.get(session, slug)
    if row is None:
        raise click.ClickException(f"no partnership '{slug}'")
    return row


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

    require_migrated()
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

    require_migrated()
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

    require_migrated()
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

    require_migrated()
    documents_dir, archive_dir = data_dirs()
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
