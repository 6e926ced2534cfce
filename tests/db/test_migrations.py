"""Migrations are the schema: they build the database, match the models, and go both ways."""

from __future__ import annotations

from sqlalchemy import inspect

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
