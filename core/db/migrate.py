"""Run and check the Alembic migrations from code (``cspr db upgrade``, the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from cspr.db.models import Base

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the packaged migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision``."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the database down to ``revision``."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def differences(engine: Engine) -> list:
    """What the models declare that the migrated database lacks (empty when in step)."""
    from cspr.publication.search import DOCUMENT_COLUMN, DOCUMENT_INDEX

    def declared(obj: object, name: str | None, type_: str, reflected: bool, _compare_to: object) -> bool:
        # the library's stored tsvector and its full-text index are only PostgreSQL's: their
        # migrations (0027, 0029) declare them, and tests/publication/test_search_index.py checks
        # that the search uses them
        if type_ == "column" and name == DOCUMENT_COLUMN:
            return getattr(getattr(obj, "table", None), "name", None) != "reviews"
        return not (type_ == "index" and name == DOCUMENT_INDEX)

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": declared})
        return compare_metadata(ctx, Base.metadata)


def current(engine: Engine) -> str | None:
    """The revision the database is at."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head() -> str:
    """The newest revision the packaged migrations reach (one line of history: one head)."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads ({', '.join(heads)}): "
                           "link them in one line")
    return heads[0]
