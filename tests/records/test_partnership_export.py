"""A partnership exported and imported into an empty PostgreSQL database: every row and file the same."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from cspr.accounts import tokens, two_factor
from cspr.accounts.models import Role, User
from cspr.accounts.users import create_user
from cspr.audit import events as audit
from cspr.audit.models import AuditEvent
from cspr.db import get_db, migrate
from cspr.db.models import Base
from cspr.db.tenancy import across_partnerships, acting_for
from cspr.deadlines import reminders
from cspr.partnerships import demo
from cspr.partnerships import services as partnerships
from cspr.records import holds
from cspr.records.export_file import PLATFORM_TABLES, SHARED_TABLES, tenant_tables, unclassified_tables
from cspr.returns import services as returns
from cspr.services.context import Context
from tests.conftest import _create_pg_database, _drop_pg_database
from tests.helpers import cspr, embedded_env
from tests.publish_kit import blank_pdf
from tests.records_kit import archived_case

pytestmark = [pytest.mark.slow, pytest.mark.commits]  # commits: `cspr partnership export` runs in a subprocess
LATER = dt.date(2028, 1, 10)


def build(app) -> int:
    """Doncaster with the full life of a case, its people, a token, a hold and reminders; others with demo data."""
    registry = app.extensions["cspr.plugins"]
    docs, arch = Path(app.config["DOCUMENTS_DIR"]), Path(app.config["ARCHIVE_DIR"])
    with app.app_context(), get_db().session_scope() as session:
        demo.load(session, registry)
        row = partnerships.get(session, "doncaster")
        york = partnerships.get(session, "york")
        admin = create_user(session, "lead@doncaster.example.org", "Lead", "a long enough passphrase",
                            memberships=[(row, Role.ADMIN), (york, Role.VIEWER)])
        create_user(session, "york-only@york.example.org", "York", "a long enough passphrase",
                    memberships=[(york, Role.ADMIN)])
        admin.totp_secret = two_factor.new_secret()  # the lead has set up two factors
        two_factor.make_recovery_codes(session, admin)
        token, _ = tokens.issue(session, admin, row, "old script")
        tokens.revoke(session, token.id)
        tokens.issue(session, admin, row, "feed", scope="feed")
        with acting_for(session, row.id):
            ctx = Context(session, row, registry.policy("doncaster"), actor=f"user:{admin.id}",
                          user_id=admin.id, today=LATER)
            review = archived_case(ctx, docs, arch, pseudonym="Child K")
            from cspr.archive import sending
            from cspr.archive.models import ArchiveDeposit

            deposit = session.scalars(select(ArchiveDeposit).where(ArchiveDeposit.review_id == review.id)).one()
            sending.queue(ctx, deposit, dict(app.config, NSPCC_DEPOSIT_ADDRESS="library@nspcc.example.org"),
                          arch)  # its e-mail waits in the outbox with the package attached: bytes travel too
            archived_case(ctx, docs, arch, pseudonym="Child L")
            asked = returns.send(ctx, review=review, agency="sy-police", asked="The police's involvement.")
            returns.upload_return(ctx, asked, blank_pdf("police return"), "return.pdf", docs)  # its file travels
            holds.place(session, row, reason="Inquiry direction", actor=f"user:{admin.id}",
                        review_id=review.id)
        reminders.sweep(session, registry, dt.date(2026, 12, 1), "http://cspr.test")
        return row.id


def plain(row) -> tuple:
    """A row with its datetimes in naive UTC (SQLite gives them back without a zone)."""
    return tuple(v.astimezone(dt.UTC).replace(tzinfo=None) if isinstance(v, dt.datetime) and v.tzinfo else v
                 for v in row)


def dump(url: str, pid: int) -> dict[str, list[tuple]]:
    """Every row of the partnership in every table (and its people), in id order."""
    from cspr.db import make_engine

    engine = make_engine(url)
    out: dict[str, list[tuple]] = {}
    with Session(engine) as session, across_partnerships(session, "test: compare"):
        for table in tenant_tables():
            out[table.name] = [plain(r) for r in session.execute(
                select(table).where(table.c.partnership_id == pid).order_by(table.c.id))]
        parts = Base.metadata.tables["partnerships"]
        out["partnerships"] = [plain(r) for r in session.execute(select(parts).where(parts.c.id == pid))]
        members = {r.user_id for r in session.execute(select(Base.metadata.tables["memberships"])
                                                       .where(Base.metadata.tables["memberships"].c.partnership_id == pid))}
        users = Base.metadata.tables["users"]
        columns = [c for c in users.c if c.name != "is_operator"]
        out["users"] = [plain(r) for r in session.execute(select(*columns).where(users.c.id.in_(members))
                                                          .order_by(users.c.id))]
        codes = Base.metadata.tables["recovery_codes"]
        out["recovery_codes"] = [plain(r) for r in session.execute(
            select(codes).where(codes.c.user_id.in_(members)).order_by(codes.c.id))]
    engine.dispose()
    return out


@pytest.fixture
def target(tmp_path):
    """A second, fresh PostgreSQL database set up as a new deployment would be (cspr db upgrade)."""
    url = _create_pg_database()
    env = {"CSPR_DATABASE_URL": url, "CSPR_INSTANCE_PATH": str(tmp_path / "target")}
    up = cspr("db", "upgrade", env=env)
    assert up.returncode == 0, up.stderr
    yield url, env
    _drop_pg_database(url)


def test_export_then_import_into_an_empty_database_loses_nothing(app, pg_url, target, tmp_path):
    pid = build(app)
    source_env = {"CSPR_DATABASE_URL": pg_url, "CSPR_INSTANCE_PATH": app.instance_path}
    out = tmp_path / "doncaster.zip"
    made = cspr("partnership", "export", "doncaster", "--out", str(out), env=source_env)
    assert made.returncode == 0, made.stderr
    assert "sha256 " in made.stdout

    checked = cspr("partnership", "verify-export", str(out))
    assert checked.returncode == 0, checked.stderr
    assert "is intact" in checked.stdout
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = set(archive.namelist())
    assert manifest["partnership"] == "doncaster" and manifest["schema_revision"] == migrate.head()
    assert manifest["tables"]["incidents"] == 2 and manifest["tables"]["legal_holds"] == 1
    assert sum(n.startswith("files/documents/doncaster/") for n in names) == 5  # 4 reports, 1 agency's return
    assert sum(n.startswith("files/archive/doncaster/") for n in names) == 2
    assert "york-only@york.example.org" not in str(archive_rows(out, "users"))  # another partnership's person
    assert all("password_hash" in u and "is_operator" not in u for u in archive_rows(out, "users"))

    url, env = target
    restored = cspr("partnership", "import", str(out), env=env)
    assert restored.returncode == 0, restored.stderr
    assert "audit chain" in restored.stdout

    before, after = dump(pg_url, pid), dump(url, pid)
    imported = after["audit_events"].pop()  # the import's own event, continuing the chain
    for table, rows in before.items():
        assert rows == after[table], f"{table} differs"
    assert sum(len(rows) for rows in before.values()) > 80
    assert len(before["recovery_codes"]) == 10  # people keep their second factor across the move
    audit_columns = [c.name for c in Base.metadata.tables["audit_events"].c]
    last = dict(zip(audit_columns, before["audit_events"][-1], strict=True))
    new = dict(zip(audit_columns, imported, strict=True))
    assert new["action"] == "partnership.imported" and new["prev_hash"] == last["hash"]
    assert last["action"] == "partnership.exported"  # the export is audited, and travels with it

    source_root, target_root = Path(app.instance_path), tmp_path / "target"
    copied = 0
    for folder in ("documents", "archive"):
        for path in (source_root / folder / "doncaster").rglob("*"):
            if path.is_file():
                twin = target_root / folder / path.relative_to(source_root / folder)
                assert twin.read_bytes() == path.read_bytes(), path
                copied += 1
    assert copied == 7  # the reports, the deposits and the agency's return

    engine = create_engine(url)
    with Session(engine) as session:
        row = partnerships.get(session, "doncaster")
        assert row.id == pid
        with acting_for(session, pid):
            assert audit.verify(session) == []
        user = User(email="new@example.org", name="New")  # sequences moved past the imported ids
        session.add(user)
        session.flush()
        assert user.id > max(r[0] for r in before["users"])
        with across_partnerships(session, "test"):
            assert session.scalar(select(AuditEvent.partnership_id).distinct()) == pid  # nobody else's data
        session.rollback()
    engine.dispose()
    listed = cspr("holds", "list", "--partnership", "doncaster", env=env)
    assert "Inquiry direction" in listed.stdout

    embedded = embedded_env(tmp_path / "embedded")  # the same file restores into the embedded SQLite too
    assert cspr("db", "upgrade", env=embedded).returncode == 0
    into_sqlite = cspr("partnership", "import", str(out), env=embedded)
    assert into_sqlite.returncode == 0, into_sqlite.stderr
    on_sqlite = dump(f"sqlite:///{tmp_path / 'embedded' / 'instance' / 'cspr.sqlite3'}", pid)
    on_sqlite["audit_events"].pop()
    assert on_sqlite == before


def archive_rows(path: Path, table: str) -> list[dict]:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read(f"tables/{table}.json"))


def test_a_tampered_export_is_refused_and_nothing_is_imported(app, pg_url, target, tmp_path):
    build(app)
    out = tmp_path / "doncaster.zip"
    assert cspr("partnership", "export", "doncaster", "--out", str(out),
                env={"CSPR_DATABASE_URL": pg_url, "CSPR_INSTANCE_PATH": app.instance_path}).returncode == 0
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "tables/incidents.json":
                data = data.replace(b"Child K", b"Child Z")
            dst.writestr(info, data)
    bad = cspr("partnership", "verify-export", str(tampered))
    assert bad.returncode == 1 and "tables/incidents.json does not match its sha256" in bad.stderr
    url, env = target
    refused = cspr("partnership", "import", str(tampered), env=env)
    assert refused.returncode == 1 and "damaged or was changed" in refused.stderr
    assert not (tmp_path / "target" / "documents" / "doncaster").exists()

    rehashed = tmp_path / "rehashed.zip"  # a careful forger also fixes the manifest: the chain still tells
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(rehashed, "w") as dst:
        manifest = json.loads(src.read("manifest.json"))
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "tables/audit_events.json":
                events = json.loads(data)
                events[0]["actor"] = "someone else"
                data = json.dumps(events).encode()
                import hashlib

                manifest["files"][info.filename] = hashlib.sha256(data).hexdigest()
            if info.filename != "manifest.json":
                dst.writestr(info, data)
        dst.writestr("manifest.json", json.dumps(manifest))
    forged = cspr("partnership", "import", str(rehashed), env=env)
    assert forged.returncode == 1 and "changed after it was written" in forged.stderr
    engine = create_engine(url)
    with Session(engine) as session, across_partnerships(session, "test"):
        assert session.scalars(select(AuditEvent)).all() == []
    engine.dispose()


def test_import_refuses_a_partnership_that_exists_with_data_and_a_bad_path(app, pg_url, tmp_path):
    build(app)
    env = {"CSPR_DATABASE_URL": pg_url, "CSPR_INSTANCE_PATH": app.instance_path}
    out = tmp_path / "doncaster.zip"
    assert cspr("partnership", "export", "doncaster", "--out", str(out), env=env).returncode == 0
    again = cspr("partnership", "import", str(out), env=env)
    assert again.returncode == 1 and "already exists here with" in again.stderr
    missing = cspr("partnership", "import", str(tmp_path / "nowhere.zip"), env=env)
    assert missing.returncode == 1 and "there is no file at" in missing.stderr
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    junk = cspr("partnership", "verify-export", str(tmp_path / "junk.zip"))
    assert junk.returncode == 1 and "not a partnership export" in junk.stderr
    nobody = cspr("partnership", "export", "atlantis", "--out", str(tmp_path / "a.zip"), env=env)
    assert nobody.returncode == 1 and "no partnership 'atlantis'" in nobody.stderr
    no_folder = cspr("partnership", "export", "doncaster", "--out", str(tmp_path / "no" / "a.zip"), env=env)
    assert no_folder.returncode == 1 and "does not exist" in no_folder.stderr


def test_every_table_is_either_exported_or_deliberately_left_out():
    assert unclassified_tables() == []
    assert {"legal_holds", "incidents", "audit_events", "documents"} <= {t.name for t in tenant_tables()}
    assert PLATFORM_TABLES.isdisjoint(SHARED_TABLES)

