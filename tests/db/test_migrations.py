"""Migrations are the schema: they build the database, match the models, and go both ways."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

from cspr.db import make_engine, migrate
from cspr.db.models import Base


def test_migrated_database_matches_the_models(engine):
    assert migrate.current(engine) == migrate.head()  # the newest revision
    assert migrate.differences(engine) == []


def test_downgrade_and_upgrade_round_trip(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'rt.sqlite3'}")
    migrate.upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.differences(engine) == []


def test_no_column_can_hold_a_childs_name_or_address():
    forbidden = {"first_name", "surname", "last_name", "child_name", "date_of_birth", "dob",
                 "address", "postcode", "nhs_number"}
    case_tables = {"incidents", "notifications", "rapid_reviews", "reviews", "documents",
                   "briefings", "recommendations", "actions", "deadlines", "reminders", "outbox",
                   "chronology_entries"}
    for table in case_tables:
        columns = set(Base.metadata.tables[table].columns.keys())
        assert not columns & forbidden, (table, columns & forbidden)
        assert "name" not in columns, table


def test_every_case_table_carries_the_partnership():
    tenant_free = {"partnerships", "users", "job_runs", "daily_runs", "cross_partnership_access",
                   "user_sessions", "recovery_codes", "password_reset_tokens",
                   "answer_drafts"}  # a signed-in browser's answers awaiting its check: reached only by its session
    for name, table in Base.metadata.tables.items():
        if name in tenant_free:
            continue
        column = table.columns.get("partnership_id")
        assert column is not None and not column.nullable, name


def test_the_stored_search_document_goes_both_ways_on_postgresql():
    """Migration 0029 on PostgreSQL: the column is filled for existing reviews, and down again restores 0027."""
    from tests.conftest import _create_pg_database, _drop_pg_database

    url = _create_pg_database()
    engine = create_engine(url)
    search = text("SELECT title FROM reviews WHERE search_document @@ websearch_to_tsquery('english', 'neglect')")
    try:
        migrate.upgrade(engine, "0027")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO partnerships (slug, name, short_name, enabled, created_at)"
                              " VALUES ('doncaster', 'Doncaster', 'DSCP', true, now())"))
            conn.execute(text(
                "INSERT INTO reviews (partnership_id, kind, title, stage, legacy, final_report_agreed_by, authors,"
                " frameworks, themes, summary, published_on, created_at) SELECT id, 'local_cspr', 'Child Ash',"
                " 'published', false, '[]', '[]', '[]', '[\"Neglect\"]', 'Missed school.', '2024-01-01', now()"
                " FROM partnerships"))
        migrate.upgrade(engine)
        assert migrate.differences(engine) == []
        with engine.connect() as conn:
            assert conn.execute(search).scalars().all() == ["Child Ash"]  # filled for the rows already there
        migrate.downgrade(engine, "0027")
        columns = {c["name"] for c in inspect(engine).get_columns("reviews")}
        indexes = {i["name"] for i in inspect(engine).get_indexes("deadlines")}
        with engine.connect() as conn:
            definition = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"),
                                      {"n": "ix_reviews_search_document"}).scalar()
        assert "search_document" not in columns and "ix_deadlines_partnership_met_on" not in indexes
        assert definition is not None and "to_tsvector" in definition  # 0027's expression index again
        migrate.upgrade(engine)
        assert migrate.differences(engine) == []
        with engine.connect() as conn:
            assert conn.execute(search).scalars().all() == ["Child Ash"]
    finally:
        engine.dispose()
        _drop_pg_database(url)
