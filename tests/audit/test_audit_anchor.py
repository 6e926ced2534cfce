"""The audit chains are anchored: TRUNCATE is refused, verify says what it cannot see, heads are signed."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from cspr.audit import events as audit
from cspr.config import ConfigError
from cspr.db import migrate
from cspr.db.models import Base
from cspr.db.tenancy import acting_for
from cspr.partnerships import services as partnerships
from tests.conftest import PG_ADMIN_URL, REDIS_URL
from tests.helpers import production_settings

KEY = "the-heads-key-kept-by-the-operators-" + "k" * 16
OTHER_KEY = "a-key-the-intruder-made-for-themselves-" + "x" * 16


def make_app(url: str, tmp: Path, heads_key: str = KEY):
    from cspr import create_app

    return create_app({"DATABASE_URL": url, "BROKER_URL": REDIS_URL, "INSTANCE_PATH": str(tmp),
                       "TESTING": True, "SERVER_NAME": "cspr.test", "AUDIT_HEADS_KEYS": [heads_key]})


def run_cli(world, *args: str, heads_key: str = KEY):
    from cspr.cli import cli

    app = make_app(world.url, world.tmp, heads_key)
    try:
        return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))
    finally:
        app.extensions["cspr.db"].engine.dispose()


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[SimpleNamespace]:
    """A database owned by an ordinary (not superuser) role, as in production, with a few events."""
    tmp = tmp_path_factory.mktemp("anchor")
    owner, name = f"cspr_owner_{uuid.uuid4().hex[:8]}", f"cspr_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {owner} LOGIN NOSUPERUSER NOBYPASSRLS"))
        conn.execute(text(f'CREATE DATABASE "{name}" OWNER {owner}'))
    url = make_url(PG_ADMIN_URL).set(database=name, username=owner).render_as_string(hide_password=False)
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = make_app(url, tmp)
    from cspr.db import get_db

    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            for i in range(12):
                audit.record(session, "incident.viewed", actor="user:1", object_type="incidents", object_id=i)
    app.extensions["cspr.db"].engine.dispose()
    yield SimpleNamespace(url=url, tmp=tmp, owner=owner, name=name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f"DROP ROLE IF EXISTS {owner}"))
    admin.dispose()


def count_events(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.scalar(text("SELECT count(*) FROM audit_events"))
    engine.dispose()
    return n


EVERY_TABLE = ", ".join(t.name for t in reversed(Base.metadata.sorted_tables))


@pytest.mark.parametrize("statement", ["TRUNCATE audit_events", "TRUNCATE partnerships CASCADE",
                                       f"TRUNCATE {EVERY_TABLE} RESTART IDENTITY CASCADE"])
def test_the_owner_cannot_truncate_the_audit_table(world, statement):
    before = count_events(world.url)
    engine = create_engine(world.url)  # the tables' owner, not a superuser
    with pytest.raises(DBAPIError, match="audit_events is append-only: TRUNCATE refused"):
        with engine.begin() as conn:
            assert conn.scalar(text("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_events'")) \
                == world.owner
            conn.execute(text(statement))
    engine.dispose()
    assert count_events(world.url) == before == 12


def test_verify_without_heads_warns_that_it_cannot_see_removals_at_the_end(world):
    result = run_cli(world, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "doncaster: 12 events, intact" in result.output
    assert "warning: checked without exported heads (--heads FILE): this cannot see events removed " \
           "from the end of a chain" in result.output
    headed = run_cli(world, "audit", "head", "--out", str(world.tmp / "h.json"))
    assert headed.exit_code == 0
    with_heads = run_cli(world, "audit", "verify", "--heads", str(world.tmp / "h.json"))
    assert with_heads.exit_code == 0 and "warning" not in with_heads.output


def heads_file(world, name: str, heads_key: str = KEY) -> Path:
    path = world.tmp / name
    result = run_cli(world, "audit", "head", "--out", str(path), heads_key=heads_key)
    assert result.exit_code == 0, result.output
    return path


def test_genuine_heads_pass_and_forged_ones_are_refused(world):
    genuine = heads_file(world, "genuine.json")
    document = json.loads(genuine.read_text())
    assert len(document["signature"]) == 64  # HMAC-SHA256, hex
    ok = run_cli(world, "audit", "verify", "--heads", str(genuine))
    assert ok.exit_code == 0 and "doncaster: 12 events, intact" in ok.output, ok.output

    forgeries = {}
    altered = json.loads(genuine.read_text())  # a head moved back, the signature kept
    next(h for h in altered["heads"] if h["slug"] == "doncaster").update(seq=5)
    forgeries["altered"] = altered
    forgeries["signed with another key"] = json.loads(heads_file(world, "theirs.json", OTHER_KEY).read_text())
    forgeries["signature removed"] = {k: v for k, v in document.items() if k != "signature"}
    for name, forged in forgeries.items():
        path = world.tmp / "forged.json"
        path.write_text(json.dumps(forged))
        result = run_cli(world, "audit", "verify", "--heads", str(path))
        assert result.exit_code == 1, (name, result.output)
        assert "refused" in result.output and "doncaster:" not in result.output, (name, result.output)
    assert "does not carry this deployment's signature" in run_cli(
        world, "audit", "verify", "--heads", str(world.tmp / "theirs.json")).output

    stripped = world.tmp / "old.json"  # written before heads were signed: only on request, with a warning
    stripped.write_text(json.dumps(forgeries["signature removed"]))
    legacy = run_cli(world, "audit", "verify", "--heads", str(stripped), "--allow-unsigned")
    assert legacy.exit_code == 0 and "1 heads document" in legacy.output and "unsigned" in legacy.output


def test_a_rewritten_chain_with_rewritten_heads_cannot_pass_without_the_key(world, tmp_path):
    """Someone with the database (and the heads file) rewrites event 3 and every hash after it."""
    genuine = heads_file(world, "before.json")
    copy = f"{world.name}_rw"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{copy}" TEMPLATE "{world.name}" OWNER {world.owner}'))
    url = make_url(world.url).set(database=copy).render_as_string(hide_password=False)
    try:
        engine = create_engine(make_url(PG_ADMIN_URL).set(database=copy))
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            pid = conn.scalar(text("SELECT id FROM partnerships WHERE slug = 'doncaster'"))
            rows = conn.execute(text("SELECT * FROM audit_events WHERE partnership_id = :p ORDER BY seq"),
                                {"p": pid}).mappings().all()
            prev = audit.GENESIS
            for event in rows:
                values = dict(event)
                if event["seq"] == 3:
                    values["action"] = "nothing.happened"
                if event["seq"] >= 3:
                    digest = audit._digest(prev, SimpleNamespace(**values))
                    conn.execute(text("UPDATE audit_events SET action = :a, prev_hash = :ph, hash = :h "
                                      "WHERE id = :id"),
                                 {"a": values["action"], "ph": prev, "h": digest, "id": event["id"]})
                    prev = digest
                else:
                    prev = event["hash"]
        engine.dispose()
        rewritten = SimpleNamespace(url=url, tmp=tmp_path)
        alone = run_cli(rewritten, "audit", "verify")
        assert alone.exit_code == 0 and "doncaster: 12 events, intact" in alone.output  # a perfect chain
        against_genuine = run_cli(rewritten, "audit", "verify", "--heads", str(genuine))
        assert against_genuine.exit_code == 1 and "the chain was rewritten" in against_genuine.output
        theirs = heads_file(rewritten, "rewritten-heads.json", OTHER_KEY)  # new heads, without our key
        forged = run_cli(rewritten, "audit", "verify", "--heads", str(theirs))
        assert forged.exit_code == 1 and "does not carry this deployment's signature" in forged.output
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))
        admin.dispose()


def test_the_daily_heads_lines_are_signed_and_verify(world):
    from cspr.audit.tasks import audit_heads
    from cspr.db import get_db

    app = make_app(world.url, world.tmp)
    daily = world.tmp / "audit-heads.jsonl"
    app.config["AUDIT_HEADS_FILE"] = str(daily)
    try:
        with app.app_context(), get_db().session_scope() as session:
            audit_heads(session, dt.date(2026, 12, 1))
            audit_heads(session, dt.date(2026, 12, 2))
    finally:
        app.extensions["cspr.db"].engine.dispose()
    lines = [json.loads(line) for line in daily.read_text().splitlines()]
    assert len(lines) == 2 and all(len(line["signature"]) == 64 for line in lines)
    assert run_cli(world, "audit", "verify", "--heads", str(daily)).exit_code == 0
    tampered = world.tmp / "tampered.jsonl"
    lines[1]["exported_at"] = "2020-01-01T00:00:00.000000+00:00"
    tampered.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    result = run_cli(world, "audit", "verify", "--heads", str(tampered))
    assert result.exit_code == 1 and "line 2 does not carry this deployment's signature" in result.output


def test_production_needs_a_heads_key_of_its_own(tmp_path):

    from cspr import create_app

    settings = production_settings("AUDIT_HEADS_KEYS", INSTANCE_PATH=str(tmp_path))
    with pytest.raises(ConfigError, match="CSPR_AUDIT_HEADS_KEYS is not set"):
        create_app(settings)
    with pytest.raises(ConfigError, match="CSPR_AUDIT_HEADS_KEYS: key 1 is shorter than 32 characters or a placeholder"):
        create_app({**settings, "AUDIT_HEADS_KEYS": ["short"]})
