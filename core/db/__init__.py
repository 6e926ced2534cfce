"""The database: engine, sessions bound to the Flask app context, and SQLite settings."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from cspr.db import tenancy  # noqa: F401 - registers the tenant-scoping session hooks

log = logging.getLogger(__name__)


def make_engine(url: str, *, pool_size: int | None = None, max_overflow: int | None = None,
                pool_timeout: float | None = None) -> Engine:
    """Create the engine for a URL; SQLite gets foreign keys and a busy timeout.

    A server database (PostgreSQL) gets a pool of ``pool_size`` connections kept open,
    up to ``max_overflow`` more when busy, and waits ``pool_timeout`` seconds for one before
    raising ``sqlalchemy.exc.TimeoutError`` (which the web app answers with 503). None:
    SQLAlchemy's defaults (5, 10, 30 s).
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        _note_writes(engine)
        return engine
    pool = {name: value for name, value in (("pool_size", pool_size), ("max_overflow", max_overflow),
                                            ("pool_timeout", pool_timeout)) if value is not None}
    # PostgreSQL's JIT compiles any plan whose estimated cost passes jit_above_cost: ~12 ms for the
    # deadline sweep at national scale (600 000 deadlines), for a query that then runs in 0.1 ms.
    # The platform's queries are short and indexed: no JIT on its connections.
    engine = create_engine(url, pool_pre_ping=True, connect_args={"options": "-c jit=off"}, **pool)
    _note_writes(engine)
    return engine


#: The key in a session's ``info`` under which work waits for its commit (cspr.tasks.after_commit
#: keeps its tasks there): a transaction with such work is never committed for having only read.
WAITING_FOR_COMMIT = "cspr.after_commit"

#: Set on a connection (its ``info``) once its transaction has sent anything but a SELECT.
_WROTE = "cspr.wrote"

#: The connections a session has begun its transaction on (in its ``info``).
_CONNECTIONS = "cspr.connections"


def _note_writes(engine: Engine) -> None:
    """Keep, per connection, whether its current transaction may have changed anything.

    Anything but a plain ``SELECT`` counts (an INSERT, an UPDATE, a data-modifying ``WITH``, a
    ``SET``): :func:`_close_session` commits only a transaction that has sent nothing else.
    """

    @event.listens_for(engine, "begin")
    def _fresh(conn) -> None:  # noqa: ANN001
        conn.info.pop(_WROTE, None)

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(conn, _cursor, statement, *_args) -> None:  # noqa: ANN001, ANN002
        if statement.lstrip()[:6].upper() != "SELECT":
            conn.info[_WROTE] = True


def _read_only(session: Session) -> bool:
    """True when the session's transaction has read and nothing more.

    Nothing to flush, nothing but ``SELECT`` sent, and no task waiting for its commit (a rollback
    drops such a task; committing would send it).
    """
    if session.new or session.dirty or session.deleted or session.info.get(WAITING_FOR_COMMIT):
        return False
    return not any(conn.info.get(_WROTE) for conn in session.info.get(_CONNECTIONS, ()))


@event.listens_for(Session, "after_begin")
def _remember_connection(session: Session, _transaction, connection) -> None:  # noqa: ANN001
    session.info.setdefault(_CONNECTIONS, []).append(connection)


@event.listens_for(Session, "after_transaction_end")
def _forget_connections(session: Session, transaction) -> None:  # noqa: ANN001
    if transaction.parent is None:
        session.info.pop(_CONNECTIONS, None)


class Database:
    """The engine and session factory of one app."""

    def __init__(self, url: str, *, pool_size: int | None = None, max_overflow: int | None = None,
                 pool_timeout: float | None = None) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size, max_overflow=max_overflow,
                                  pool_timeout=pool_timeout)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    def init_app(self, app: Flask) -> None:
        """Attach to the app and close the context's session when the context ends."""
        app.extensions["cspr.db"] = self
        app.teardown_appcontext(_close_session)

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


@contextmanager
def statement_counter(engine: Engine) -> Iterator[list[str]]:
    """Collect the SQL statements the engine runs inside the block (for N+1 checks)."""
    seen: list[str] = []

    def _count(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001, ANN002
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", _count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", _count)


def get_db(app: Flask | None = None) -> Database:
    """The Database of the app (the current one by default)."""
    return (app or current_app).extensions["cspr.db"]


def get_session() -> Session:
    """The session of the current app context, made on first use."""
    if "cspr_session" not in g:
        g.cspr_session = get_db().sessionmaker()
    return g.cspr_session


def _close_session(exc: BaseException | None) -> None:
    """End the context's session: a transaction that only read is committed, anything else rolled back.

    Committing a transaction that wrote nothing changes nothing, but it keeps psycopg's prepared
    statements, which a rollback discards: a page's queries are then planned once a connection,
    not each request (about a millisecond of the dashboard's eight).
    """
    session = g.pop("cspr_session", None)
    if session is None:
        return
    try:
        if exc is None and session.in_transaction() and _read_only(session):
            try:
                session.commit()
            except SQLAlchemyError as error:  # it only read: nothing is lost, and close() rolls back
                log.warning("a read-only transaction could not commit: %s", error.__class__.__name__)
    finally:
        session.close()
