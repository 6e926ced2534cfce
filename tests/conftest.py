"""Shared fixtures: a real PostgreSQL database built by the migrations, SQLite, apps, plugins."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from cspr.db import migrate
from cspr.db.models import Base
from cspr.plugins import PluginRegistry
from tests.mailbox import free_port

PG_ADMIN_URL = os.environ.get(
    "CSPR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("CSPR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


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


@pytest.fixture(scope="session")
def registry() -> PluginRegistry:
    """The installed plugins, loaded and checked."""
    reg = PluginRegistry().load()
    assert not reg.errors, [str(e) for e in reg.errors]
    return reg


def truncate_all(url: str) -> None:
    """Empty every table (for tests whose app commits)."""
    eng = create_engine(url)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with eng.begin() as conn:
        if eng.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL lock_timeout = '20s'"))  # a leaked session fails, not hangs
            # audit_events refuses TRUNCATE (a trigger); the test admin, a superuser, switches
            # triggers off for this transaction only.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
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


@pytest.fixture
def app(pg_url: str, app_pg_url: str, tmp_path, smtp_server):
    """The app on the PostgreSQL test database as the application role (row-level security on),
    Redis as broker, a real SMTP server; emptied after."""
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
    try:
        yield application
    finally:
        application.extensions["cspr.db"].engine.dispose()
        truncate_all(pg_url)


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


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the figures tests measured (tests/figures.py)."""
    from tests.figures import FIGURES

    if FIGURES:
        terminalreporter.section("figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
