"""The audit log: a hash chain per partnership that shows any change, removal or reordering.

The database refuses UPDATE and DELETE on the table (a trigger), so these tests tamper the
way someone with the database's owner or superuser rights would: with the guard switched off.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from cspr.accounts.models import Role
from cspr.audit import events as audit
from cspr.db import make_engine, migrate
from cspr.db.tenancy import TenancyError, acting_for
from cspr.partnerships import services as partnerships
from cspr.partnerships.models import Partnership
from tests.concurrency_kit import in_parallel, one_partnership_database
from tests.conftest import PG_ADMIN_URL, REDIS_URL, _create_pg_database, _drop_pg_database


@pytest.fixture
def chain(session):
    p = Partnership(slug="alpha", name="Alpha Partnership", short_name="APSCP")
    q = Partnership(slug="beta", name="Beta Partnership", short_name="BPSCP")
    session.add_all([p, q])
    session.flush()
    with acting_for(session, p.id):
        for i in range(4):
            audit.record(session, "case.viewed", actor="user:1", object_type="incident",
                         object_id=i, detail={"i": i}, remote_addr="127.0.0.1")
    with acting_for(session, q.id):
        audit.record(session, "case.viewed", actor="user:2")
    return p, q


@contextmanager
def guard_off(session: Session) -> Iterator[None]:
    """Switch off the append-only trigger, as a database owner could (restored after)."""
    if session.bind.dialect.name == "postgresql":
        session.execute(text("SET LOCAL session_replication_role = replica"))
        try:
            yield
        finally:
            session.execute(text("SET LOCAL session_replication_role = origin"))
        return
    saved = session.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                 "AND tbl_name = 'audit_events'")).all()
    assert saved, "the guard triggers are missing"
    for name, _ in saved:
        session.execute(text(f"DROP TRIGGER {name}"))
    try:
        yield
    finally:
        for _, sql in saved:
            session.execute(text(sql))


def rows_of(session, pid):
    return session.execute(text("SELECT seq, action, hash FROM audit_events WHERE partnership_id = :p "
                                "ORDER BY seq"), {"p": pid}).all()


def test_an_untouched_chain_verifies(session, chain):
    p, q = chain
    for partnership in chain:
        with acting_for(session, partnership.id):
            assert audit.verify(session) == []
    with acting_for(session, q.id):
        (event,) = session.scalars(text("SELECT seq FROM audit_events WHERE partnership_id = :p"),
                                   {"p": q.id})
        assert event == 1  # each partnership has its own chain


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET action = 'nothing.happened' WHERE partnership_id = :p AND seq = 2",
    "UPDATE audit_events SET remote_addr = NULL WHERE partnership_id = :p",
    "DELETE FROM audit_events WHERE partnership_id = :p AND seq = 4",
    "DELETE FROM audit_events WHERE partnership_id = :p",
])
def test_the_database_refuses_update_and_delete(session, chain, statement):
    p, _ = chain
    before = rows_of(session, p.id)
    with pytest.raises(DBAPIError, match="append-only"):
        with session.begin_nested():
            session.execute(text(statement), {"p": p.id})
    assert rows_of(session, p.id) == before
    with acting_for(session, p.id):
        assert audit.verify(session) == []


def test_the_guard_triggers_are_made_and_dropped_by_the_migration(tmp_path, pg_url):
    engine = make_engine(f"sqlite:///{tmp_path / 'guard.sqlite3'}")
    names = "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert conn.scalars(text(names)).all() == ["audit_events_no_delete", "audit_events_no_update"]
    migrate.downgrade(engine, "0005")
    with engine.connect() as conn:
        assert conn.scalars(text(names)).all() == []
    engine.dispose()
    pg = create_engine(pg_url)
    with pg.connect() as conn:
        assert conn.scalars(text("SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_events'::regclass "
                                 "AND NOT tgisinternal ORDER BY tgname")).all() == [
            "audit_events_append_only", "audit_events_no_truncate"]  # the second from 0010
    pg.dispose()


def test_a_changed_event_is_detected(session, chain):
    p, _ = chain
    with guard_off(session):
        session.execute(text("UPDATE audit_events SET action = 'case.exported' "
                             "WHERE partnership_id = :p AND seq = 2"), {"p": p.id})
    with acting_for(session, p.id):
        problems = audit.verify(session)
    assert [(x.seq, x.reason) for x in problems] == [
        (2, "its content was changed after it was written")]


def test_a_removed_event_is_detected(session, chain):
    p, _ = chain
    with guard_off(session):
        session.execute(text("DELETE FROM audit_events WHERE partnership_id = :p AND seq = 3"),
                        {"p": p.id})
    with acting_for(session, p.id):
        problems = audit.verify(session)
    assert {x.seq for x in problems} == {4}
    assert "event 3 before it is missing (removed)" in [x.reason for x in problems]


def test_reordered_events_are_detected(session, chain):
    p, _ = chain
    with guard_off(session):
        for old, new in ((2, -2), (3, 2), (-2, 3)):
            session.execute(text("UPDATE audit_events SET seq = :new WHERE partnership_id = :p "
                                 "AND seq = :old"), {"p": p.id, "old": old, "new": new})
    with acting_for(session, p.id):
        assert {x.seq for x in audit.verify(session)} >= {2, 3}


def test_removing_the_newest_events_shows_only_against_an_exported_head(session, chain):
    p, _ = chain
    head = next(h for h in audit.heads(session) if h["slug"] == "alpha")
    assert head["seq"] == 4
    with guard_off(session):
        session.execute(text("DELETE FROM audit_events WHERE partnership_id = :p AND seq >= 3"),
                        {"p": p.id})
    with acting_for(session, p.id):
        assert audit.verify(session) == []  # what is left is a perfect chain
        problems = audit.verify(session, [(head["seq"], head["hash"])])
    assert [x.seq for x in problems] == [4]
    assert "the chain ends at event 2" in problems[0].reason


def test_heads_name_every_partnership_and_an_empty_chain_is_seq_0(session, chain):
    session.add(Partnership(slug="gamma", name="Gamma", short_name="G"))
    session.flush()
    found = {h["slug"]: h for h in audit.heads(session)}
    assert found["alpha"]["seq"] == 4 and found["beta"]["seq"] == 1
    assert found["gamma"] == {"slug": "gamma", "seq": 0, "hash": audit.GENESIS, "occurred_at": None}
    assert found["alpha"]["occurred_at"].endswith("+00:00")


def test_an_event_needs_a_partnership(session):
    with pytest.raises(TenancyError):
        audit.record(session, "x", actor="cli")


def test_heads_files_are_read_as_json_or_json_lines(tmp_path):
    one = tmp_path / "head.json"
    one.write_text(json.dumps({"heads": [{"slug": "a", "seq": 3, "hash": "h3"}]}, indent=2))
    assert audit.read_checkpoints(one) == {"a": [(3, "h3")]}
    lines = tmp_path / "audit-heads.jsonl"
    lines.write_text("\n".join(json.dumps({"heads": [{"slug": "a", "seq": n, "hash": f"h{n}"}]})
                               for n in (1, 5)) + "\n")
    assert audit.read_checkpoints(lines) == {"a": [(1, "h1"), (5, "h5")]}
    for bad, message in (("not json", "is not JSON"), ('{"x": 1}', "no 'heads' list"),
                         ('{"heads": [{"slug": "a"}]}', "needs slug, seq and hash")):
        (tmp_path / "bad.json").write_text(bad)
        with pytest.raises(audit.HeadsFileError, match=message):
            audit.read_checkpoints(tmp_path / "bad.json")
    with pytest.raises(audit.HeadsFileError, match="cannot read"):
        audit.read_checkpoints(tmp_path / "missing.json")


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_concurrent_writers_extend_one_chain_without_collisions(dialect, tmp_path):
    with one_partnership_database(dialect, tmp_path) as (engine, pid):

        def views() -> None:
            for _ in range(25):
                with Session(engine) as session:
                    with acting_for(session, pid):
                        audit.record(session, "incident.viewed", actor="user:1")
                    session.commit()

        assert in_parallel(views) == []
        with Session(engine) as session, acting_for(session, pid):
            report = audit.check(session)
        assert (report.events, report.problems) == (150, [])



# -- tampered copies of a real chain, checked by `cspr audit verify` --------------------

def _app(url: str, tmp: Path):
    from cspr import create_app

    return create_app({"DATABASE_URL": url, "BROKER_URL": REDIS_URL, "INSTANCE_PATH": str(tmp),
                       "TESTING": True, "SERVER_NAME": "cspr.test"})


def run_cli(url: str, tmp: Path, *args: str):
    """``cspr ARGS`` against the database at ``url``, through click's runner."""
    from cspr.cli import cli

    app = _app(url, tmp)
    try:
        return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))
    finally:
        app.extensions["cspr.db"].engine.dispose()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A PostgreSQL database whose Doncaster chain was built by the real workflow and web app."""
    from cspr.db import get_db
    from cspr.partnerships import demo
    from cspr.services.context import Context
    from tests.api_kit import Api, make_member

    tmp = tmp_path_factory.mktemp("pristine")
    url = _create_pg_database()
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = _app(url, tmp)
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            ctx = Context(session, row, app.extensions["cspr.plugins"].policy("doncaster"),
                          actor="test", today=dt.date(2026, 11, 23))
            demo.seed_cases(ctx, 8, seed=7)
    api = Api(app.test_client(), make_member(app, "doncaster", Role.ADMIN))
    for path in ("/incidents", "/reviews", "/incidents/1", "/tracker.csv"):
        api.get(path, environ_base={"REMOTE_ADDR": "198.51.100.4"})
    app.extensions["cspr.db"].engine.dispose()
    heads_file = tmp / "heads.json"
    result = run_cli(url, tmp, "audit", "head", "--out", str(heads_file))
    assert result.exit_code == 0, result.output
    head = next(h for h in json.loads(heads_file.read_text())["heads"] if h["slug"] == "doncaster")
    assert head["seq"] >= 30, head  # a few dozen events
    yield SimpleNamespace(url=url, tmp=tmp, heads=heads_file, last=head["seq"])
    _drop_pg_database(url)


def _events(db) -> list:
    return db.conn.execute(text(
        "SELECT id, partnership_id, seq, occurred_at, actor, actor_user_id, action, object_type, "
        "object_id, detail, remote_addr, prev_hash, hash FROM audit_events "
        "WHERE partnership_id = :p ORDER BY seq"), {"p": db.pid}).all()


def _set(db, at: int, **values) -> None:
    assignments = ", ".join(f"{k} = :{k}" for k in values)
    db.conn.execute(text(f"UPDATE audit_events SET {assignments} WHERE partnership_id = :p AND seq = :s"),
                    {"p": db.pid, "s": at, **values})


def alter_one(db, n: int) -> None:
    _set(db, 10, action="nothing.happened")


def delete_middle(db, n: int) -> None:
    db.conn.execute(text("DELETE FROM audit_events WHERE partnership_id = :p AND seq = 15"), {"p": db.pid})


def delete_newest(db, n: int) -> None:
    db.conn.execute(text("DELETE FROM audit_events WHERE partnership_id = :p AND seq > :s"),
                    {"p": db.pid, "s": n - 3})


def delete_all(db, n: int) -> None:
    db.conn.execute(text("DELETE FROM audit_events WHERE partnership_id = :p"), {"p": db.pid})


def swap_two(db, n: int) -> None:
    for old, new in ((7, -7), (8, 7), (-7, 8)):
        _set(db, old, seq=new)


def insert_forged(db, n: int) -> None:
    """Make room at 20 and insert an event whose own hash is right (the algorithm is public)."""
    db.conn.execute(text("UPDATE audit_events SET seq = -seq WHERE partnership_id = :p AND seq >= 20"),
                    {"p": db.pid})
    db.conn.execute(text("UPDATE audit_events SET seq = 1 - seq WHERE partnership_id = :p AND seq < 0"),
                    {"p": db.pid})
    before = next(e for e in _events(db) if e.seq == 19)
    forged = SimpleNamespace(partnership_id=db.pid, seq=20, occurred_at=before.occurred_at, actor="user:1",
                             actor_user_id=None, action="review.published", object_type="reviews",
                             object_id="1", detail={"note": "backdated"}, remote_addr="10.0.0.1")
    digest = audit._digest(before.hash, forged)
    db.conn.execute(text(
        "INSERT INTO audit_events (partnership_id, seq, occurred_at, actor, action, object_type, "
        "object_id, detail, remote_addr, prev_hash, hash) VALUES (:p, 20, :at, 'user:1', "
        "'review.published', 'reviews', '1', CAST(:detail AS json), '10.0.0.1', :prev, :hash)"),
        {"p": db.pid, "at": before.occurred_at, "detail": json.dumps(forged.detail),
         "prev": before.hash, "hash": digest})


def rewrite_from(db, n: int) -> None:
    """Alter event 10 and recompute every hash after it: a perfect chain, but not the exported one."""
    prev = None
    for event in _events(db):
        if event.seq < 10:
            prev = event.hash
            continue
        values = {c: getattr(event, c) for c in event._fields}
        if event.seq == 10:
            values["action"] = "nothing.happened"
        values["prev_hash"] = prev
        digest = audit._digest(prev, SimpleNamespace(**values))
        _set(db, event.seq, action=values["action"], prev_hash=prev, hash=digest)
        prev = digest


#: name -> (tamper, the seq the report must name (n: the newest), caught by the chain alone?)
TAMPERINGS = {
    "one event altered": (alter_one, lambda n: 10, True),
    "a middle event deleted": (delete_middle, lambda n: 16, True),
    "the newest 3 events deleted": (delete_newest, lambda n: n, False),
    "every event deleted": (delete_all, lambda n: n, False),
    "two events swapped": (swap_two, lambda n: 7, True),
    "a forged event inserted": (insert_forged, lambda n: 21, True),
    "the chain rewritten with recomputed hashes": (rewrite_from, lambda n: n, False),
}


def first_named(output: str) -> int | None:
    """The first event a verify report names ("  event 7: ..." or "  events 7-9: ...")."""
    found = re.findall(r"^  events? (\d+)(?:-\d+)?: ", output, flags=re.MULTILINE)
    return min(int(n) for n in found) if found else None


@pytest.mark.slow
def test_cspr_audit_verify_catches_every_tampered_copy(pristine, capsys):
    tmp = pristine.tmp
    clean = run_cli(pristine.url, tmp, "audit", "verify", "--heads", str(pristine.heads))
    assert clean.exit_code == 0, clean.output
    assert f"doncaster: {pristine.last:,} events, intact" in clean.output
    assert "york: 0 events, intact" in clean.output

    outcomes = {}
    for name, (tamper, named, chain_alone) in TAMPERINGS.items():
        with tampered_copy(pristine, tamper) as url:
            alone = run_cli(url, tmp, "audit", "verify", "--partnership", "doncaster")
            headed = run_cli(url, tmp, "audit", "verify", "--heads", str(pristine.heads))
        seq = named(pristine.last)
        outcomes[name] = {
            "detected": headed.exit_code == 1 and first_named(headed.output) == seq,
            "chain alone": alone.exit_code == 1 and first_named(alone.output) == seq,
            "others intact": "york: 0 events, intact" in headed.output,
            "expected chain alone": chain_alone,
            "output": headed.output,
        }
    detected = sum(o["detected"] for o in outcomes.values())
    with capsys.disabled():
        print(f"\ntampered copies: {len(outcomes)}, detected: {detected} "
              f"(by the chain alone: {sum(o['chain alone'] for o in outcomes.values())}, "
              f"the rest only against the exported heads)")
    for name, o in outcomes.items():
        assert o["detected"], (name, o["output"])
        assert o["chain alone"] == o["expected chain alone"], name
        assert o["others intact"], (name, o["output"])


@contextmanager
def tampered_copy(pristine, tamper) -> Iterator[str]:
    """A copy of the pristine database, tampered by a superuser with the guard off, for the block."""
    name = make_url(pristine.url).database
    copy = f"{name}_t"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"'))
    url = make_url(pristine.url).set(database=copy).render_as_string(hide_password=False)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            pid = conn.scalar(text("SELECT id FROM partnerships WHERE slug = 'doncaster'"))
            tamper(SimpleNamespace(conn=conn, pid=pid), pristine.last)
        engine.dispose()
        yield url
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))
        admin.dispose()


def test_cli_refuses_an_unknown_partnership_or_a_bad_heads_file(pristine):
    tmp = pristine.tmp
    unknown = run_cli(pristine.url, tmp, "audit", "verify", "--partnership", "atlantis")
    assert unknown.exit_code == 1 and "no partnership 'atlantis'" in unknown.output
    (tmp / "junk.json").write_text("{{{")
    junk = run_cli(pristine.url, tmp, "audit", "verify", "--heads", str(tmp / "junk.json"))
    assert junk.exit_code == 1 and "is not JSON" in junk.output
    one = run_cli(pristine.url, tmp, "audit", "verify", "--partnership", "doncaster")
    assert one.exit_code == 0 and one.output.startswith("doncaster: ") and "york" not in one.output
    printed = run_cli(pristine.url, tmp, "audit", "head")
    assert printed.exit_code == 0
    assert {h["slug"] for h in json.loads(printed.stdout)["heads"]} >= {"doncaster", "york"}
