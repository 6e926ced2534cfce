"""``cspr db upgrade|check|grant-app-role``: create, migrate and check the database and its roles."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from cspr.cli.common import require_schema
from cspr.db import get_db, migrate
from cspr.plugins import get_registry
from cspr.services.words import counted


@click.group()
def db() -> None:
    """Create and migrate the database."""


def migrate_and_register(revision: str = "head") -> tuple[int, str | None]:
    """Migrate and register the installed partnerships as the tables' owner.

    The owner is MIGRATION_DATABASE_URL when set, else DATABASE_URL; it does all of it,
    reading the revision too (the app role may not have its grants yet). Returns how many
    partnerships are registered and the revision the database is at.
    """
    from sqlalchemy.orm import Session

    from cspr.db import make_engine
    from cspr.partnerships import services as partnerships

    owner_url = current_app.config.get("MIGRATION_DATABASE_URL")
    engine = make_engine(owner_url) if owner_url else get_db().engine
    try:
        migrate.upgrade(engine, revision)
        with Session(engine) as session, session.begin():
            registered = len(partnerships.sync(session, get_registry()))
        return registered, migrate.current(engine)
    finally:
        if owner_url:
            engine.dispose()


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Migrate to this revision.")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Migrate the database to the latest schema and register the installed partnerships."""
    registered, at = migrate_and_register(revision)
    click.echo(f"Database at {at}; {counted(registered, 'partnership')} registered.")


@db.command("check")
@with_appcontext
def db_check() -> None:
    """Fail if the models and the migrated database differ."""
    require_schema(get_db())
    diffs = migrate.differences(get_db().engine)
    if diffs:
        for diff in diffs:
            click.echo(f"  {diff}", err=True)
        raise click.ClickException("the models and the migrations differ; write a migration")
    click.echo("The database matches the models.")
    engine = get_db().engine
    if engine.dialect.name == "postgresql":
        from cspr.db import rls

        with engine.connect() as conn:
            problems = rls.unprotected_tables(conn)
        if problems:
            for problem in problems:
                click.echo(f"  {problem}", err=True)
            raise click.ClickException("tenant tables without row-level security: protect them in a "
                                       "migration with rls.protect(table)")
        click.echo("Every tenant table has row-level security.")


@db.command("grant-app-role")
@click.argument("role")
@with_appcontext
def db_grant_app_role(role: str) -> None:
    """As the tables' owner, let ROLE (LOGIN NOBYPASSRLS, owning nothing) read and write rows, no more.

    Grants SELECT, INSERT, UPDATE, DELETE on every table and USAGE on sequences, now and
    for tables later migrations create. Run after `cspr db upgrade`, with the owner's
    MIGRATION_DATABASE_URL. Never TRUNCATE, ownership or BYPASSRLS.
    """
    from cspr.db import make_engine, rls

    engine = make_engine(current_app.config.get("MIGRATION_DATABASE_URL") or get_db().url)
    try:
        if engine.dialect.name != "postgresql":
            raise click.ClickException("application roles and row-level security need PostgreSQL")
        with engine.begin() as conn:
            statements = rls.grant_app_role(conn, role)
    except rls.GrantError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    for statement in statements:
        click.echo(f"  {statement}")
    click.echo(f"Role {role} may read and write rows under row-level security.")
