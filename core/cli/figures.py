"""``cspr figures``: the yearly figures across partnerships, counts only, small numbers suppressed."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from cspr.cli.common import require_schema
from cspr.db import get_db
from cspr.plugins import get_registry
from cspr.reporting.figures import FIRST_YEAR, LAST_YEAR


@click.command("figures")
@click.option("--year", type=click.IntRange(FIRST_YEAR, LAST_YEAR), default=None,
              help="The year the partnerships' reporting years start in (default: the one holding today, "
                   "for an April start).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (suppressed counts are null).")
@with_appcontext
def figures(year: int | None, as_json: bool) -> None:
    """Every partnership's yearly counts and their totals; any count from 1 to 4 shows as 'fewer than 5'."""
    from cspr.reporting import national
    from cspr.services.context import london_today

    database = get_db()
    require_schema(database)
    today = london_today()
    year = year if year is not None else (today.year if today.month >= 4 else today.year - 1)
    with database.session_scope() as session:
        found = national.national_figures(session, get_registry(), year, today, actor="cli:figures")
    if as_json:
        click.echo(json.dumps(national.as_dict(found), indent=2))
        return
    click.echo(f"Reporting years starting in {year}; counts only, 1 to {national.SMALL - 1} suppressed.")
    names = [short for _, short, _ in found.partnerships]
    click.echo("\t".join(["Figure", *names, "All"]))
    for row in found.rows:
        cells = [row.text(row.counts[slug]) for slug, _, _ in found.partnerships]
        click.echo("\t".join([f"{row.table}: {row.label}", *cells, row.text(row.total)]))
