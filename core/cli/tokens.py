"""``cspr tokens create|revoke``: API and calendar-feed tokens."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from cspr.cli.common import require_schema
from cspr.db import get_db


@click.group()
def tokens() -> None:
    """Issue and revoke API and calendar-feed tokens."""


@tokens.command("create")
@click.option("--email", required=True, help="The member the token acts as.")
@click.option("--partnership", "slug", required=True, help="The partnership's slug.")
@click.option("--name", default="API token", show_default=True, help="What the token is for.")
@click.option("--scope", type=click.Choice(["api", "feed"]), default="api", show_default=True,
              help="api: the JSON API; feed: the read-only calendar feed URL.")
@with_appcontext
def tokens_create(email: str, slug: str, name: str, scope: str) -> None:
    """Issue a token; it is shown once, so keep it safe."""
    from sqlalchemy import select

    from cspr.accounts import tokens as tokens_module
    from cspr.accounts.models import User
    from cspr.partnerships import services as partnerships

    database = get_db()
    require_schema(database)
    with database.session_scope() as session:
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise click.ClickException(f"no account for {email}")
        row = partnerships.get(session, slug)
        if row is None:
            raise click.ClickException(f"no partnership '{slug}'")
        try:
            token, clear = tokens_module.issue(session, user, row, name, scope)
        except tokens_module.TokenError as exc:
            raise click.ClickException(str(exc)) from exc
        token_id = token.id
    if scope == "feed":
        from cspr.web.links import external_url

        click.echo(f"Feed token {token_id}. Subscribe to: {external_url('feeds.deadlines', token=clear)}")
    else:
        click.echo(f"Token {token_id} for {email} in {slug}: {clear}")


@tokens.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def tokens_revoke(token_id: int) -> None:
    """Revoke a token by its number."""
    from cspr.accounts import tokens as tokens_module

    with get_db().session_scope() as session:
        if tokens_module.revoke(session, token_id) is None:
            raise click.ClickException(f"no token {token_id}")
    click.echo(f"Token {token_id} revoked.")
