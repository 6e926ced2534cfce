"""Setting up in the order docs/operations.md gives: a fresh database, an owner and an app role."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from cspr.db import migrate
from tests.conftest import PG_ADMIN_URL
from tests.helpers import cspr


@pytest.fixture
def fresh(tmp_path) -> Iterator[dict[str, str]]:
    """CREATE ROLE owner, CREATE DATABASE ... OWNER owner, CREATE ROLE app NOBYPASSRLS: nothing else."""
    suffix = uuid.uuid4().hex[:10]
    owner, role, name = f"cspr_owner_{suffix}", f"cspr_app_{suffix}", f"cspr_setup_{suffix}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {owner} LOGIN"))
        conn.execute(text(f'CREATE DATABASE "{name}" OWNER {owner}'))
        conn.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS"))
    base = make_url(PG_ADMIN_URL).set(database=name)
    urls = {"owner": base.set(username=owner).render_as_string(hide_password=False),
            "app": base.set(username=role).render_as_string(hide_password=False), "role": role,
            "instance": str(tmp_path / "instance")}
    try:
        yield urls
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
            conn.execute(text(f"DROP ROLE IF EXISTS {owner}"))
        admin.dispose()


def test_the_documented_order_works_from_a_fresh_database(fresh):
    both = {"CSPR_MIGRATION_DATABASE_URL": fresh["owner"], "CSPR_DATABASE_URL": fresh["app"],
            "CSPR_INSTANCE_PATH": fresh["instance"]}
    head = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_current_head()

    upgrade = cspr("db", "upgrade", env=both)  # step 1, before the app role has any grant
    assert upgrade.returncode == 0, upgrade.stderr
    assert f"Database at {head}; 4 partnerships registered." in upgrade.stdout

    early = cspr("db", "check", env=both)  # the app role cannot read yet: say what to do
    assert early.returncode != 0 and "Traceback" not in early.stderr, early.stderr
    assert "may not read the tables yet" in early.stderr
    assert f"cspr db grant-app-role {fresh['role']}" in early.stderr
    for command in (("holds", "list", "--partnership", "york"), ("retention", "apply", "--dry-run")):
        refused = cspr(*command, env=both)  # the records commands say the same, never a traceback
        assert refused.returncode != 0 and "Traceback" not in refused.stderr, refused.stderr
        assert "may not read the tables yet" in refused.stderr

    grant = cspr("db", "grant-app-role", fresh["role"], env=both)  # step 2
    assert grant.returncode == 0, grant.stderr
    check = cspr("db", "check", env=both)
    assert check.returncode == 0 and "Every tenant table has row-level security" in check.stdout, check.stderr
    again = cspr("db", "upgrade", env=both)  # the next release's upgrade: nothing to do, no error
    assert again.returncode == 0 and f"Database at {head}" in again.stdout, again.stderr
