"""Row-level security: the database itself keeps each partnership's rows apart, under the app's role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, create_engine, select, text
from sqlalchemy.exc import DBAPIError, ProgrammingError

from cspr.accounts.models import Role
from cspr.audit.models import CrossPartnershipAccess
from cspr.db import get_db, migrate, rls
from cspr.db.models import Base, TenantOwned
from cspr.db.tenancy import across_partnerships, acting_for, public_view
from cspr.partnerships import demo
from cspr.partnerships import services as partnerships
from cspr.publication import public as publication
from tests.api_kit import Api, make_member

pytestmark = pytest.mark.commits  # raw SQL as the owner and as the app role reads what the app committed


def _set(conn: Connection, pid: int | None) -> None:
    conn.execute(text("SELECT set_config('cspr.partnership_id', :p, true)"),
                 {"p": "" if pid is None else str(pid)})


def _tenant_tables(conn: Connection) -> list[str]:
    return list(conn.scalars(text(
        "SELECT table_name FROM information_schema.columns WHERE column_name = 'partnership_id' "
        "AND table_schema = current_schema() ORDER BY 1")))


@pytest.fixture
def owner(pg_url: str) -> Iterator[Engine]:
    eng = create_engine(pg_url)
    yield eng
    eng.dispose()


@pytest.fixture
def as_app(app_pg_url: str) -> Iterator[Engine]:
    """A raw engine as the application role, one pooled connection."""
    eng = create_engine(app_pg_url, pool_size=1, max_overflow=0)
    yield eng
    eng.dispose()


@pytest.fixture
def loaded(app) -> dict[str, int]:
    """Demo content, live cases and accounts in every partnership, loaded through the app (its role)."""
    with app.app_context(), get_db().session_scope() as session:
        registry = app.extensions["cspr.plugins"]
        demo.load(session, registry)
        demo.load_cases(session, registry, per_partnership=2)
        demo.load_accounts(session, registry, "a long enough passphrase")
        ids = {row.slug: row.id for row in partnerships.sync(session, registry)}
    make_member(app, "doncaster", Role.ADMIN, "tokens@doncaster.example.org")
    make_member(app, "york", Role.ADMIN, "tokens@york.example.org")
    return ids


def test_the_app_connects_as_a_role_that_owns_nothing_and_cannot_bypass_rls(app, app_role, owner):
    with app.app_context():
        assert get_db().engine.connect().execute(text("SELECT current_user")).scalar() == app_role
    with owner.connect() as conn:
        role = conn.execute(text("SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles "
                                 "WHERE rolname = :r"), {"r": app_role}).one()
        assert role == (False, False, True)
        owned = conn.scalars(text("SELECT tablename FROM pg_tables WHERE tableowner = :r"),
                             {"r": app_role}).all()
        assert owned == []
        forced = conn.scalars(text("SELECT relname FROM pg_class WHERE relforcerowsecurity")).all()
        assert forced == []  # the owner (migrations, admin tasks) is exempt by design


def test_with_no_partnership_set_raw_sql_sees_no_tenant_row(loaded, owner, as_app):
    with owner.connect() as conn:
        tables = _tenant_tables(conn)
        existing = {t: conn.scalar(text(f"SELECT count(*) FROM {t}")) for t in tables}
    for table in ("incidents", "reviews", "memberships", "deadlines", "audit_events", "api_tokens",
                  "notifications", "briefings"):
        assert existing[table] > 0, table  # there is something to hide
    with as_app.connect() as conn:
        seen = {t: conn.scalar(text(f"SELECT count(*) FROM {t}")) for t in tables}
        assert set(seen.values()) == {0}, seen
        assert conn.execute(text("SELECT * FROM incidents")).all() == []


def test_with_a_partnership_set_raw_sql_sees_only_its_rows(loaded, owner, as_app):
    doncaster = loaded["doncaster"]
    with owner.connect() as conn:
        tables = _tenant_tables(conn)
        expected = {t: conn.scalar(text(f"SELECT count(*) FROM {t} WHERE partnership_id = :p"),
                                   {"p": doncaster}) for t in tables}
    with as_app.begin() as conn:
        _set(conn, doncaster)
        seen = {t: conn.scalar(text(f"SELECT count(*) FROM {t}")) for t in tables}
        others = conn.scalar(text("SELECT count(*) FROM incidents WHERE partnership_id <> :p"),
                             {"p": doncaster})
    assert seen == expected
    assert expected["incidents"] > 0 and others == 0


def test_a_write_into_another_partnership_is_refused(loaded, as_app):
    doncaster, york = loaded["doncaster"], loaded["york"]
    with as_app.connect() as conn:
        with conn.begin():
            _set(conn, doncaster)
            user_id = conn.scalar(text("SELECT user_id FROM memberships LIMIT 1"))
        with pytest.raises(ProgrammingError, match="row-level security"), conn.begin():
            _set(conn, doncaster)
            conn.execute(text("INSERT INTO memberships (user_id, partnership_id, role, created_at) "
                              "VALUES (:u, :p, 'viewer', now())"), {"u": user_id, "p": york})
        with pytest.raises(ProgrammingError, match="row-level security"), conn.begin():
            _set(conn, doncaster)
            conn.execute(text("UPDATE incidents SET partnership_id = :p"), {"p": york})
        with conn.begin():  # and with no partnership, an update finds nothing to change
            assert conn.execute(text("UPDATE incidents SET la_area = 'x'")).rowcount == 0
            assert conn.execute(text("DELETE FROM reviews")).rowcount == 0


def test_the_app_role_cannot_truncate_or_rewrite_the_access_record(loaded, as_app):
    for statement in ("TRUNCATE incidents", "DELETE FROM cross_partnership_access",
                      "UPDATE cross_partnership_access SET reason = 'x'", "ALTER TABLE incidents "
                      "DISABLE ROW LEVEL SECURITY"):
        with pytest.raises(DBAPIError, match="permission denied|must be owner"), as_app.begin() as conn:
            conn.execute(text(statement))


def test_the_setting_never_leaks_to_the_next_transaction_on_a_pooled_connection(loaded, as_app):
    with as_app.connect() as conn:
        with conn.begin():
            pid = conn.scalar(text("SELECT pg_backend_pid()"))
            _set(conn, loaded["doncaster"])
            assert conn.scalar(text("SELECT count(*) FROM incidents")) > 0
    with as_app.connect() as conn:  # the same pooled connection, a new transaction
        assert conn.scalar(text("SELECT pg_backend_pid()")) == pid
        assert conn.scalar(text("SELECT count(*) FROM incidents")) == 0


def test_an_orm_session_sets_the_partnership_per_transaction_only(app, loaded):
    with app.app_context():
        db = get_db()
        with db.session_scope() as session, acting_for(session, loaded["york"]):
            # raw SQL in the session sees the partnership the session acts for
            rows = session.execute(text("SELECT DISTINCT partnership_id FROM incidents")).scalars().all()
            assert rows == [loaded["york"]]
        with db.sessionmaker() as session:  # a new session, possibly the same connection
            assert session.execute(text("SELECT count(*) FROM incidents")).scalar() == 0
        with db.engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM incidents")) == 0


def test_every_tenant_table_has_row_level_security_and_a_policy(owner):
    """The CI check: a table with partnership_id and no policy fails the build."""
    with owner.connect() as conn:
        assert rls.unprotected_tables(conn) == []
        protected = set(_tenant_tables(conn))
    models = {m.class_.__tablename__ for m in Base.registry.mappers if issubclass(m.class_, TenantOwned)}
    assert models <= protected, f"tenant models without a protected table: {models - protected}"
    assert {"incidents", "reviews", "memberships", "audit_events", "outbox"} <= protected


def test_the_check_catches_a_new_tenant_table_without_a_policy(owner):
    with owner.connect() as conn, conn.begin() as tx:
        conn.execute(text("CREATE TABLE legal_holds_example (id int, partnership_id int)"))
        assert rls.unprotected_tables(conn) == ["legal_holds_example: row-level security is off"]
        conn.execute(text("ALTER TABLE legal_holds_example ENABLE ROW LEVEL SECURITY"))
        assert rls.unprotected_tables(conn) == ["legal_holds_example: no policy"]
        conn.execute(text(rls.enable_sql("legal_holds_example")[1]))
        assert rls.unprotected_tables(conn) == []
        tx.rollback()


def test_across_partnerships_records_who_and_why(app, loaded, owner):
    with app.app_context(), get_db().session_scope() as session:
        from cspr.cases.models import Incident

        with across_partnerships(session, "a test of the audited path", actor="test:rls"):
            found = {i.partnership_id for i in session.scalars(select(Incident))}
    assert found == set(loaded.values())  # every partnership, through the one audited door
    with owner.connect() as conn:
        rows = conn.execute(text("SELECT actor, reason, occurred_at FROM cross_partnership_access "
                                 "WHERE actor = 'test:rls'")).all()
    assert [(r.actor, r.reason) for r in rows] == [("test:rls", "a test of the audited path")]
    assert rows[0].occurred_at is not None


def test_per_request_lookups_need_no_cross_partnership_access(app, client, loaded, owner):
    member = make_member(app, "plymouth", Role.VIEWER, "viewer@plymouth.example.org")
    with owner.begin() as conn:
        conn.execute(text("DELETE FROM cross_partnership_access"))
    assert Api(client, member).get("/incidents").status_code == 200  # token lookup
    assert client.get("/library?q=information").status_code == 200  # public learning library
    assert client.get("/healthz").status_code in (200, 503)  # outbox backlog (counts only)
    with app.app_context():
        from cspr.accounts.models import User
        from cspr.accounts.views.sign_in import memberships_of

        session = get_db().sessionmaker()
        with app.test_request_context():
            user = session.scalar(select(User).where(User.email == "admin@demo.example.org"))
            assert len(memberships_of(user)) == len(loaded)  # every partnership, without crossing
        session.close()
    with owner.connect() as conn:
        assert conn.scalar(select(CrossPartnershipAccess.id).limit(1)) is None


def test_the_public_view_sees_published_reviews_only(app, loaded):
    with app.app_context(), get_db().session_scope() as session:
        with public_view(session):
            reviews = session.execute(text("SELECT published_on, archived_on FROM reviews")).all()
            incidents = session.execute(text("SELECT count(*) FROM incidents")).scalar()
        found = publication.library(session, app.extensions["cspr.plugins"], publication.LibraryQuery())
    assert reviews and all(r.published_on is not None and r.archived_on is None for r in reviews)
    assert incidents == 0
    assert {p.slug for p, _ in found} == set(loaded)


def test_grant_app_role_refuses_a_role_that_would_bypass_rls(pg_url, tmp_path):
    from cspr import create_app
    from cspr.cli import cli

    owner_app = create_app({"DATABASE_URL": pg_url, "TESTING": True, "INSTANCE_PATH": str(tmp_path)})
    runner = owner_app.test_cli_runner()
    try:
        result = runner.invoke(cli, ["db", "grant-app-role", "postgres"])
        assert result.exit_code == 1 and "superuser or has BYPASSRLS" in result.output
        result = runner.invoke(cli, ["db", "grant-app-role", "nobody_here"])
        assert result.exit_code == 1 and "there is no role 'nobody_here'" in result.output
        result = runner.invoke(cli, ["db", "grant-app-role", "Robert'); DROP TABLE users;--"])
        assert result.exit_code == 1 and "not a plain role name" in result.output
        result = runner.invoke(cli, ["db", "check"])
        assert result.exit_code == 0 and "Every tenant table has row-level security" in result.output
    finally:
        owner_app.extensions["cspr.db"].engine.dispose()


def test_db_upgrade_migrates_as_the_owner_while_the_app_role_serves(pg_url, app_pg_url, tmp_path):
    from cspr import create_app
    from cspr.cli import cli

    app = create_app({"DATABASE_URL": app_pg_url, "MIGRATION_DATABASE_URL": pg_url, "TESTING": True,
                      "INSTANCE_PATH": str(tmp_path)})
    try:
        result = app.test_cli_runner().invoke(cli, ["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert f"Database at {migrate.head()}; 4 partnerships registered." in result.output
        result = app.test_cli_runner().invoke(cli, ["db", "check"])  # as the app role
        assert result.exit_code == 0 and "Every tenant table has row-level security" in result.output
    finally:
        app.extensions["cspr.db"].engine.dispose()
        from tests.conftest import truncate_all

        truncate_all(pg_url)


def test_a_lookup_sees_only_its_own_rows_and_writes_nothing(app, loaded):
    from cspr.accounts.models import ApiToken, Membership, User
    from cspr.cases.models import Incident
    from cspr.db.tenancy import TenancyError, looking_up

    with app.app_context(), get_db().session_scope() as session:
        admin = session.scalar(select(User).where(User.email == "admin@demo.example.org"))
        viewer = session.scalar(select(User).where(User.email == "viewer@demo.example.org"))
        with looking_up(session, user_id=admin.id):
            mine = [(m.user_id, m.partnership_id) for m in session.scalars(select(Membership))]
            raw = session.execute(text("SELECT DISTINCT user_id FROM memberships")).scalars().all()
            assert session.scalars(select(Incident)).all() == []
            assert session.scalars(select(ApiToken)).all() == []
            assert session.execute(text("SELECT count(*) FROM incidents")).scalar() == 0
            session.add(Membership(user_id=viewer.id, partnership_id=loaded["york"], role=Role.VIEWER))
            with pytest.raises(TenancyError):
                session.flush()
            session.rollback()
        assert {user for user, _ in mine} == {admin.id} and len(mine) == len(loaded)
        assert raw == [admin.id]


@pytest.mark.parametrize("db_url", ["postgresql", "sqlite"], indirect=True)
def test_the_outbox_backlog_counts_every_partnership_without_crossing(session):
    import datetime as dt

    from cspr.messaging import relay as outbox
    from cspr.messaging.models import OutboxMessage, OutboxStatus
    from cspr.partnerships.models import Partnership

    rows = [Partnership(slug=s, name=f"{s} Partnership", short_name=s.upper()) for s in ("alpha", "beta")]
    session.add_all(rows)
    session.flush()
    old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    for n, (row, status) in enumerate([(rows[0], OutboxStatus.PENDING), (rows[1], OutboxStatus.PENDING),
                                       (rows[1], OutboxStatus.FAILED), (rows[0], OutboxStatus.SENT)]):
        with acting_for(session, row.id):
            session.add(OutboxMessage(idempotency_key=f"k{n}", recipient="a@example.org", subject="s",
                                      body="b", status=status, created_at=old if n == 1 else None))
    session.flush()
    found = outbox.backlog(session)
    assert found["pending"] == 2 and found["failed"] == 1
    assert 7100 < found["oldest_pending_seconds"] < 7300
    assert session.scalar(select(CrossPartnershipAccess.id).limit(1)) is None


def _carry_first_statement(session) -> None:
    """A request's first statement as the staff frame runs it: the session's row, carrying the settings."""
    from cspr.db.tenancy import carrying_settings

    with carrying_settings(session) as carried:
        assert carried is not None
        row = session.execute(select(carried.clause.c.cspr_partnership_id).select_from(carried.clause),
                              carried.params).one()
        carried.took(row)


def test_a_first_statement_carrying_the_expected_partnership_sets_row_level_security(app, loaded):
    from cspr.db import statement_counter
    from cspr.db.tenancy import expect_partnership, expected_partnership_id, set_partnership

    with app.app_context(), get_db().sessionmaker() as session:
        expect_partnership(session, "york")
        _carry_first_statement(session)
        assert expected_partnership_id(session) == loaded["york"]
        with statement_counter(get_db().engine) as seen:
            set_partnership(session, loaded["york"])
            rows = session.execute(text("SELECT DISTINCT partnership_id FROM incidents")).scalars().all()
        assert rows == [loaded["york"]]
        assert len(seen) == 1  # no set_config of its own: the first statement set it
    with app.app_context(), get_db().sessionmaker() as session:
        expect_partnership(session, "no-such-partnership")
        _carry_first_statement(session)
        assert expected_partnership_id(session) is None
        assert session.execute(text("SELECT count(*) FROM incidents")).scalar() == 0


def test_until_the_session_acts_for_the_expected_partnership_its_rows_stay_hidden(app, loaded):
    from cspr.db.tenancy import expect_partnership, set_partnership

    with app.app_context(), get_db().sessionmaker() as session:
        expect_partnership(session, "york")
        _carry_first_statement(session)
        # a statement before the member is known runs in the session's own context: no partnership
        assert session.execute(text("SELECT count(*) FROM incidents")).scalar() == 0
        set_partnership(session, loaded["doncaster"])  # and acting for another sees only that one
        rows = session.execute(text("SELECT DISTINCT partnership_id FROM incidents")).scalars().all()
        assert rows == [loaded["doncaster"]]
