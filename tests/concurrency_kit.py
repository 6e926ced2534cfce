"""Parallel writers against a fresh database: PostgreSQL or SQLite, with one partnership in it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from cspr.db import make_engine, migrate
from cspr.partnerships.models import Partnership
from tests.conftest import _create_pg_database, _drop_pg_database


@contextmanager
def one_partnership_database(dialect: str, tmp_path: Path) -> Iterator[tuple[Engine, int]]:
    """A new database migrated to head with one partnership ("busy"); dropped afterwards."""
    url = _create_pg_database() if dialect == "postgresql" else f"sqlite:///{tmp_path / 'busy.sqlite3'}"
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        with Session(engine) as session:
            row = Partnership(slug="busy", name="Busy", short_name="B")
            session.add(row)
            session.commit()
            pid = row.id
        yield engine, pid
    finally:
        engine.dispose()
        if dialect == "postgresql":
            _drop_pg_database(url)


def in_parallel(work: Callable[[], None], threads: int = 6) -> list[Exception]:
    """Run ``work`` in that many threads at once; answers what they raised."""
    errors: list[Exception] = []

    def run() -> None:
        try:
            work()
        except Exception as exc:
            errors.append(exc)

    started = [threading.Thread(target=run) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()
    return errors
