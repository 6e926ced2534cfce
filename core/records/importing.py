"""``cspr partnership import``: restore an export into a deployment where the partnership is not yet.

Ids are kept as they were: the audit chain's hashes include the partnership's id and
each actor's user id, so renumbering would break the proof the chain gives. Where an
id is already taken here the import refuses, naming the table, rather than corrupt
anything. A partnership row that ``cspr db upgrade`` registered but that holds no
data is replaced (and re-registered afterwards if its id was needed). Everything
happens in one transaction: the files are written before the commit and removed
again if it fails, and the restored audit chain is verified before it commits.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, delete, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cspr.audit import events as audit
from cspr.db import Database, migrate
from cspr.db.models import Base
from cspr.db.tenancy import across_partnerships, acting_for
from cspr.partnerships import services as partnerships
from cspr.plugins import PluginRegistry
from cspr.records.export_file import (
    USER_TABLES,
    ExportReader,
    decode,
    deposit_member,
    document_member,
    sha256,
    tenant_tables,
)
from cspr.services.words import counted, plural

log = logging.getLogger(__name__)


class ImportRefused(Exception):
    """The import was refused and nothing was changed: the message says why."""


@dataclass
class ImportResult:
    """What was restored."""

    slug: str
    rows: dict[str, int]
    files: int
    audit_events: int


def _has_data(session: Session, partnership_id: int) -> int:
    return sum(session.scalar(select(func.count()).select_from(t).where(t.c.partnership_id == partnership_id))
               for t in tenant_tables())


def _clashes(session: Session, table: Any, ids: list[int]) -> int:
    taken = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        taken += session.scalar(select(func.count()).select_from(table).where(table.c.id.in_(chunk)))
    return taken


def _make_room(session: Session, slug: str, partnership_id: int) -> list[str]:
    """Remove empty registrations in the way; refuse if the slug or the id holds data here."""
    table = Base.metadata.tables["partnerships"]
    dropped = []
    for row in session.execute(select(table.c.id, table.c.slug).where(
            (table.c.slug == slug) | (table.c.id == partnership_id))).all():
        held = _has_data(session, row.id)
        if held and row.slug == slug:
            raise ImportRefused(f"the partnership '{slug}' already exists here with "
                                f"{counted(held, 'row')} of data: "
                                "import only into a deployment where it does not exist")
        if held:
            raise ImportRefused(f"the export's partnership id {partnership_id} is used here by '{row.slug}', "
                                "which has data: import into a fresh database")
        session.execute(delete(table).where(table.c.id == row.id))
        dropped.append(row.slug)
    return dropped


def _check_ids(session: Session, reader: ExportReader, names: list[str]) -> None:
    problems = []
    for name in names:
        ids = [row["id"] for row in reader.rows(name)]
        taken = _clashes(session, Base.metadata.tables[name], ids) if ids else 0
        if taken:
            problems.append(f"{counted(taken, 'id')} in {name}")
    users = Base.metadata.tables["users"]
    emails = [row["email"] for row in reader.rows("users")]
    if emails and session.scalar(select(func.count()).select_from(users).where(users.c.email.in_(emails))):
        problems.append("accounts with the same e-mail addresses")
    if problems:
        raise ImportRefused("this database already holds " + ", ".join(problems) + ": ids are kept as "
                            "exported (the audit chain's hashes depend on them), so import into a fresh "
                            "database (cspr db upgrade, then import, before anything else is created)")


def _reset_sequences(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite numbers new rows from the largest id in the table
    for table in Base.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and pk[0].name == "id" and isinstance(pk[0].type, Integer):
            session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))


def restore(db: Database, registry: PluginRegistry, path: Path, *, documents_dir: Path,
            archive_dir: Path, actor: str = "cli") -> ImportResult:
    """Verify the export, then restore it in one transaction; refuse with the reason if anything is off."""
    with ExportReader(path) as reader:
        problems = reader.verify()
        if problems:
            listed = "; ".join(problems[:5]) + (f" and {len(problems) - 5} more" if len(problems) > 5 else "")
            raise ImportRefused(f"the export is damaged or was changed after it was made: {listed}")
        manifest = reader.manifest
        here = migrate.current(db.engine)
        if manifest.get("schema_revision") != here:
            raise ImportRefused(f"the export was made at schema revision {manifest.get('schema_revision')}, "
                                f"this database is at {here}: both must be the same")
        slug, pid = manifest["partnership"], manifest["partnership_id"]
        tables = [t for t in tenant_tables() if t.name in manifest["tables"]]
        missing = sorted(set(manifest["tables"]) - {t.name for t in tables}
                         - {"partnerships", "users", *USER_TABLES})
        if missing:
            raise ImportRefused(f"this platform has no {plural(len(missing), 'table')} "
                                f"{', '.join(missing)} for the export's rows")
        files = _files(reader, documents_dir, archive_dir)
        _check_totp_keys(reader)
        session = db.sessionmaker()
        written: list[Path] = []
        try:
            with across_partnerships(session, "partnership import: make room and check ids"):
                dropped = _make_room(session, slug, pid)
                _check_ids(session, reader, ["users", *sorted(USER_TABLES & set(manifest["tables"])),
                                             *(t.name for t in tables)])
            for target in files:
                if target[0].exists():
                    raise ImportRefused(f"{target[0]} already exists: this deployment's files would be "
                                        "overwritten")
            metadata = Base.metadata.tables
            counts = {"partnerships": 1}
            session.execute(insert(metadata["partnerships"]),
                            [decode(metadata["partnerships"], r) for r in reader.rows("partnerships")])
            users = [decode(metadata["users"], r) for r in reader.rows("users")]
            if users:
                session.execute(insert(metadata["users"]), users)
            counts["users"] = len(users)
            for name in sorted(USER_TABLES & set(manifest["tables"])):
                rows = [decode(metadata[name], r) for r in reader.rows(name)]
                if rows:
                    session.execute(insert(metadata[name]), rows)
                counts[name] = len(rows)
            with acting_for(session, pid):
                for table in tables:
                    rows = [decode(table, r) for r in reader.rows(table.name)]
                    if rows:
                        session.execute(insert(table), rows)
                    counts[table.name] = len(rows)
                chain = audit.verify(session)
                if chain:
                    raise ImportRefused("the restored audit chain does not hold: "
                                        + "; ".join(f"event {p.seq}: {p.reason}" for p in chain[:5]))
                _reset_sequences(session)
                audit.record(session, "partnership.imported", actor=actor, detail={
                    "exported_at": manifest["exported_at"], "from_version": manifest["platform_version"],
                    "file_sha256": sha256(path.read_bytes()), "rows": sum(counts.values())})
            if dropped:
                partnerships.sync(session, registry)  # re-register the empty ones that made room
            for target, member in files:
                target.parent.mkdir(parents=True, exist_ok=True)
                data = reader.read(member)
                with open(target, "xb") as handle:  # never overwrite
                    written.append(target)
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            _remove(written)
            raise ImportRefused(f"the database refused a row: {exc.orig}") from exc
        except BaseException:
            session.rollback()
            _remove(written)
            raise
        finally:
            session.close()
    log.info("partnership imported", extra={"partnership": slug, "rows": sum(counts.values())})
    return ImportResult(slug, counts, len(files), manifest["audit_head"]["seq"])


def _check_totp_keys(reader: ExportReader) -> None:
    """Refuse an export whose TOTP secrets this deployment's keys cannot decrypt (they travel encrypted)."""
    from cspr.accounts import keys

    unreadable = []
    for row in reader.rows("users"):
        if row.get("totp_secret_encrypted"):
            try:
                keys.unseal(row["totp_secret_encrypted"])
            except keys.SecretUnreadable:
                unreadable.append(row["email"])
    if unreadable:
        raise ImportRefused(
            f"the two-factor secrets of {counted(len(unreadable), 'account')} "
            f"({', '.join(unreadable[:5])}) were "
            "encrypted with a key this deployment does not have: add the exporting deployment's key to "
            f"CSPR_{keys.TOTP_SETTING} (after this deployment's own) and import again")


def _files(reader: ExportReader, documents_dir: Path, archive_dir: Path) -> list[tuple[Path, str]]:
    """Where each file of the export goes here, and its member in the export."""
    out = []
    if "documents" in reader.manifest["tables"]:
        out += [(documents_dir / row["storage_key"], document_member(row["storage_key"]))
                for row in reader.rows("documents")]
    if "information_requests" in reader.manifest["tables"]:  # agencies' returns, beside the documents
        out += [(documents_dir / row["return_key"], document_member(row["return_key"]))
                for row in reader.rows("information_requests") if row["return_key"]]
    if "case_document_versions" in reader.manifest["tables"]:
        out += [(documents_dir / row["storage_key"], document_member(row["storage_key"]))
                for row in reader.rows("case_document_versions")]
    if "archive_deposits" in reader.manifest["tables"]:
        out += [(archive_dir / row["path"], deposit_member(row["path"]))
                for row in reader.rows("archive_deposits")]
    for target, member in out:
        base = documents_dir if member.startswith("files/documents/") else archive_dir
        if not target.resolve().is_relative_to(base.resolve()):
            raise ImportRefused(f"{member} would be written outside {base}")
    return out


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
