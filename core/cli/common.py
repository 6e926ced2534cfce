"""What several command groups share: the schema checks before they touch the database, the file stores."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from cspr.db import get_db, migrate


def require_schema(database) -> None:  # noqa: ANN001
    """Stop with what to do when the schema is missing or the app's role may not read it yet."""
    from sqlalchemy.exc import ProgrammingError

    try:
        revision = migrate.current(database.engine)
    except ProgrammingError as exc:
        if getattr(exc.orig, "sqlstate", None) != "42501":  # insufficient_privilege
            raise
        user = database.engine.url.username or "the application's role"
        raise click.ClickException(
            f"{user} may not read the tables yet: as the tables' owner, run "
            f"'cspr db grant-app-role {user}' (with CSPR_MIGRATION_DATABASE_URL set to the owner), "
            "after 'cspr db upgrade'; see docs/operations.md, Database roles") from None
    if revision is None:
        raise click.ClickException("the database has no schema yet: run 'cspr db upgrade' first")


def require_migrated() -> None:
    """The app's database has its schema and the app's role may read it (or stop, saying what to do)."""
    require_schema(get_db())


def data_dirs() -> tuple[Path, Path]:
    """The documents and archive directories of the app."""
    return Path(current_app.config["DOCUMENTS_DIR"]), Path(current_app.config["ARCHIVE_DIR"])
