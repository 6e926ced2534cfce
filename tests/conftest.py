"""Shared fixtures: PostgreSQL built by the migrations, SQLite, apps (rolled back or committing), plugins."""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import make_server

from cspr.db import migrate
from cspr.db.models import Base
from cspr.plugins import PluginRegistry
from tests.mailbox import free_port

PG_ADMIN_URL = os.environ.get(
    "CSPR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
#: Under pytest-xdist each worker has its own Redis database (15, 14, ...): a Celery worker started by
#: one test process must never take another's tasks.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)
REDIS_URL = os.environ.get("CSPR_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{15 - _WORKER}")


def _create_pg_database() -> str:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"cspr_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(url: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = make_url(url).database
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A new PostgreSQL database, migrated to head by Alembic, dropped at the end."""
    url = _create_pg_database()
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    _drop_pg_database(url)


@pytest.fixture(scope="session")
def app_role(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A LOGIN NOBYPASSRLS role, granted row access by `cspr db grant-app-role`, dropped at the end.

    The app connects as this role, so the whole suite runs under row-level security;
    migrations and truncation keep the owner (``pg_url``).
    """
    from cspr import create_app

    role = f"cspr_app_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS"))
    owner_app = create_app({"DATABASE_URL": pg_url, "TESTING": True,
                            "INSTANCE_PATH": str(tmp_path_factory.mktemp("owner"))})
    from cspr.cli import cli

    result = owner_app.test_cli_runner().invoke(cli, ["db", "grant-app-role", role])
    owner_app.extensions["cspr.db"].engine.dispose()
    assert result.exit_code == 0, result.output
    yield role
    owner = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :r"),
                     {"r": role})
        conn.execute(text(f"DROP OWNED BY {role}"))  # its grants in the test database
    owner.dispose()
    with admin.connect() as conn:
        conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
    admin.dispose()


@pytest.fixture(scope="session")
def app_pg_url(pg_url: str, app_role: str) -> str:
    """The test database as the application role (no ownership, no BYPASSRLS)."""
    return make_url(pg_url).set(username=app_role).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file migrated to head (the embedded default)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'cspr.sqlite3'}"
    from cspr.db import make_engine

    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def _upgraded_embedded_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded SQLite file as ``cspr db upgrade`` leaves it on a new machine, made once."""
    from tests.helpers import cspr, embedded_env

    folder = tmp_path_factory.mktemp("upgraded")
    upgraded = cspr("db", "upgrade", env=embedded_env(folder))
    assert upgraded.returncode == 0, upgraded.stderr
    return folder / "instance" / "cspr.sqlite3"


@pytest.fixture
def upgraded_env(tmp_path: Path, _upgraded_embedded_database: Path) -> dict[str, str]:
    """Settings for an embedded instance in ``tmp_path`` whose database ``cspr db upgrade`` already made."""
    from tests.helpers import embedded_env

    (tmp_path / "instance").mkdir()
    shutil.copyfile(_upgraded_embedded_database, tmp_path / "instance" / "cspr.sqlite3")
    return embedded_env(tmp_path)


@pytest.fixture(scope="session", params=["postgresql", "sqlite"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each database the platform supports, in turn."""
    return request.getfixturevalue("pg_url" if request.param == "postgresql" else "sqlite_url")


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    from cspr.db import make_engine

    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test."""
    conn = engine.connect()
    outer = conn.begin()
    sess = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield sess
    finally:
        sess.close()
        outer.rollback()
        conn.close()


QUICK_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def quick_password_hashes(request: pytest.FixtureRequest) -> Iterator[None]:
    """Passwords hashed in this process with argon2id at its lowest cost, not the production cost.

    The production cost (64 MiB, 3 passes) is deliberately slow: a tenth of a second for each hash
    and each sign-in, hundreds of times a run. Still argon2id, verified and refused the same way;
    hashes made elsewhere (``cspr`` subprocesses) still verify, since a hash carries its parameters.
    Tests of parallel requests (``commits``, ``live``) keep the production cost, and with it the
    production's window for a race.
    """
    from cspr.accounts import users

    if commits(request):
        yield
        return
    production = users._hasher
    users._hasher = QUICK_HASHER
    try:
        yield
    finally:
        users._hasher = production


@pytest.fixture(scope="session")
def registry() -> PluginRegistry:
    """The installed plugins, loaded and checked."""
    reg = PluginRegistry().load()
    assert not reg.errors, [str(e) for e in reg.errors]
    return reg


#: Every sequence of the schema back to its start (what TRUNCATE ... RESTART IDENTITY did).
_RESTART_SEQUENCES = text("""
DO $$
DECLARE seq regclass;
BEGIN
  FOR seq IN SELECT c.oid::regclass FROM pg_class c
             WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace
  LOOP
    EXECUTE format('ALTER SEQUENCE %s RESTART', seq);
  END LOOP;
END $$
""")


def truncate_all(url: str) -> None:
    """Empty every table and restart every id (for tests whose app commits).

    DELETE, not TRUNCATE: on tables this small it is ten times faster (TRUNCATE makes new files
    for each of ~40 tables and their indexes, and syncs them at commit).
    """
    eng = create_engine(url)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with eng.begin() as conn:
        if eng.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL lock_timeout = '20s'"))  # a leaked session fails, not hangs
            # audit_events refuses DELETE (a trigger); the test admin, a superuser, switches
            # triggers (and with them the foreign-key checks) off for this transaction only.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))
            conn.execute(_RESTART_SEQUENCES)
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))
    eng.dispose()


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server (aiosmtpd) for the whole run."""
    from tests.mailbox import start_smtp

    controller, box, port = start_smtp()
    yield box, port
    controller.stop()


@pytest.fixture
def mailbox(smtp_server):
    """The SMTP server's inbox, emptied for this test."""
    box, _ = smtp_server
    box.messages.clear()
    box.refuse, box.reject, box.delay = 0, False, 0.0
    return box


COMMITS = "commits"


def commits(request: pytest.FixtureRequest) -> bool:
    """Does this test need the app's commits to be real (seen by other connections)?

    Marked ``@pytest.mark.commits`` (a test, a class or ``pytestmark`` of a module), or asks
    for ``live`` (a server in another thread, one connection per request).
    """
    return request.node.get_closest_marker(COMMITS) is not None or "live" in request.fixturenames


def bind_to_one_transaction(application) -> Callable[[], None]:
    """Run every session of the app in one transaction on one connection; returns its rollback.

    Each session joins it through a savepoint (``join_transaction_mode="create_savepoint"``): a
    session's commit releases its savepoint, its rollback returns to it, and the end of the test
    rolls the whole transaction back, which empties the database far faster than truncating.
    The connection is the app's own (the application role), so row-level security still applies.
    """
    db = application.extensions["cspr.db"]
    connection = db.engine.connect()
    transaction = connection.begin()
    db.sessionmaker = sessionmaker(bind=connection, expire_on_commit=False,
                                   join_transaction_mode="create_savepoint")

    def rollback() -> None:
        if transaction.is_active:
            transaction.rollback()
        connection.close()

    return rollback


@pytest.fixture(scope="session")
def owner_engine(pg_url: str) -> Iterator[Engine]:
    """The test database as its owner (no row-level security), for checks between tests."""
    eng = create_engine(pg_url)
    yield eng
    eng.dispose()


#: The tables that hold a row, in one statement.
_TABLES_WITH_ROWS = text(" UNION ALL ".join(
    f"SELECT '{table.name}' WHERE EXISTS (SELECT 1 FROM {table.name})" for table in Base.metadata.sorted_tables))


def left_behind(owner: Engine) -> list[str]:
    """After a rolled-back test: the tables something committed to anyway; every id restarted.

    Ids are drawn outside transactions, so the rollback leaves them advanced; they restart here,
    as after a truncation, so the next test starts from 1 whichever way this one ran.
    """
    with owner.begin() as conn:
        tables = conn.scalars(_TABLES_WITH_ROWS).all()
        conn.execute(_RESTART_SEQUENCES)
    return tables


@pytest.fixture
def app(request, pg_url: str, app_pg_url: str, tmp_path, smtp_server, owner_engine):
    """The app on the PostgreSQL test database as the application role (row-level security on),
    Redis as broker, a real SMTP server.

    Its sessions share one transaction, rolled back after the test. A test whose rows other
    connections, threads or processes must see is marked ``commits`` (or uses ``live``): its
    commits are real, and every table is emptied after it instead. A rolled-back test that
    committed through another connection all the same fails, naming the tables."""
    from cspr import create_app

    application = create_app({
        "DATABASE_URL": app_pg_url,
        "MIGRATION_DATABASE_URL": pg_url,
        "BROKER_URL": REDIS_URL,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "TESTING": True,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_server[1],
        "SERVER_NAME": "cspr.test",
        # Rate limits count in the test Redis; a prefix of its own keeps each test's counters apart.
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": f"cspr-test-{uuid.uuid4().hex[:10]}",
    })
    committing = commits(request)
    rollback = None if committing else bind_to_one_transaction(application)
    try:
        yield application
    finally:
        if rollback is not None:
            rollback()
        application.extensions["cspr.db"].engine.dispose()
        if committing:
            truncate_all(pg_url)
        else:
            leaked = left_behind(owner_engine)
            if leaked:
                truncate_all(pg_url)
                pytest.fail(f"rows were committed outside the test's transaction (in {', '.join(leaked)}): "
                            "mark the test @pytest.mark.commits", pytrace=False)


@pytest.fixture(autouse=True)
def _emptied_after_committing_without_the_app(request: pytest.FixtureRequest) -> Iterator[None]:
    """A ``commits`` test that starts processes or connections of its own but not the ``app``: every
    table is emptied once it and its processes have finished (autouse: torn down last), so what a
    worker or beat wrote while stopping never reaches the next test's rolled-back transaction."""
    if request.node.get_closest_marker(COMMITS) is None or "app" in request.fixturenames:
        yield
        return
    url = request.getfixturevalue("pg_url")
    yield
    truncate_all(url)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def live(app) -> Iterator[str]:
    """The app on 127.0.0.1:<free port>, one thread per request (for parallel requests and browsers)."""
    app.config["SERVER_NAME"] = None
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()  # thread-safe: the loop stops, then the socket closes
    thread.join(timeout=10)
    server.server_close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked ``long`` start first: with two processes, neither is left running one alone."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Under pytest-xdist, a worker hands the figures its tests measured to the controller."""
    from tests.figures import FIGURES

    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["figures"] = list(FIGURES)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """The controller gathers each worker's figures, to print them all at the end."""
    from tests.figures import FIGURES

    FIGURES.extend(getattr(node, "workeroutput", {}).get("figures", []))


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the figures tests measured (tests/figures.py)."""
    from tests.figures import FIGURES

    if FIGURES:
        terminalreporter.section("figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
