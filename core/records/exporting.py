"""``cspr partnership export``: one partnership's rows and files in one verifiable zip, audited."""

from __future__ import annotations

import datetime as dt
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspr import __version__
from cspr.audit import events as audit
from cspr.db import Database, migrate
from cspr.db.models import Base
from cspr.db.tenancy import acting_for
from cspr.partnerships import services as partnerships
from cspr.records.export_file import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    TABLES,
    USER_COLUMNS_NOT_EXPORTED,
    USER_TABLES,
    deposit_member,
    document_member,
    encode,
    sha256,
    tenant_tables,
    unclassified_tables,
)
from cspr.services.words import plural


class ExportError(Exception):
    """The export cannot be made: the message says why."""


@dataclass
class ExportResult:
    """What was written."""

    path: Path
    rows: dict[str, int]
    files: int
    sha256: str


def _rows(session: Session, table: Any, *where: Any) -> list[dict[str, Any]]:
    order = [c for c in table.primary_key.columns]
    result = session.execute(select(table).where(*where).order_by(*order)).mappings()
    return [{k: encode(v) for k, v in row.items()} for row in result]


def _user_ids(tables: dict[str, list[dict[str, Any]]]) -> set[int]:
    """Every user a partnership's row points at: members, reviewers, actors in the audit log."""
    ids: set[int] = set()
    for table in tenant_tables():
        for fk in table.foreign_keys:
            if fk.column.table.name == "users":
                ids |= {row[fk.parent.name] for row in tables[table.name] if row[fk.parent.name] is not None}
    return ids


def _sealed(user: dict[str, Any]) -> dict[str, Any]:
    """A user row whose TOTP secret travels encrypted, never in clear (one not yet encrypted is now)."""
    if user.get("totp_secret"):
        from cspr.accounts import keys

        user["totp_secret_encrypted"], user["totp_secret"] = keys.seal(user["totp_secret"]), None
    return user


def collect(session: Session, slug: str, documents_dir: Path,
            archive_dir: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The rows of every table of the partnership and its files (checked against their rows)."""
    unknown = unclassified_tables()
    if unknown:
        raise ExportError(f"the export does not know the {plural(len(unknown), 'table')} "
                          f"{', '.join(unknown)}: "
                          "classify them in cspr.records.export_file first")
    row = partnerships.get(session, slug)
    if row is None:
        raise ExportError(f"no partnership '{slug}'")
    metadata = Base.metadata.tables
    tables: dict[str, list[dict[str, Any]]] = {
        "partnerships": _rows(session, metadata["partnerships"], metadata["partnerships"].c.id == row.id)}
    with acting_for(session, row.id):
        for table in tenant_tables():
            tables[table.name] = _rows(session, table, table.c.partnership_id == row.id)
    users = metadata["users"]
    tables["users"] = [_sealed({k: v for k, v in user.items() if k not in USER_COLUMNS_NOT_EXPORTED})
                       for user in _rows(session, users, users.c.id.in_(sorted(_user_ids(tables))))]
    exported_users = sorted(user["id"] for user in tables["users"])
    for name in sorted(USER_TABLES):
        tables[name] = _rows(session, metadata[name], metadata[name].c.user_id.in_(exported_users))
    files: dict[str, bytes] = {}
    problems: list[str] = []
    for doc in tables["documents"]:
        _file(files, problems, document_member(doc["storage_key"]), documents_dir / doc["storage_key"],
              doc["sha256"], f"document {doc['id']} ({doc['filename']})")
    for returned in tables["information_requests"]:  # agencies' returns, kept beside the documents
        if returned["return_key"]:
            key = returned["return_key"]
            _file(files, problems, document_member(key), documents_dir / key, returned["return_sha256"],
                  f"the return of information request {returned['id']}")
    for version in tables.get("case_document_versions", []):
        key = version["storage_key"]
        _file(files, problems, document_member(key), documents_dir / key, version["sha256"],
              f"case document version {version['id']} ({version['filename']})")
    for deposit in tables["archive_deposits"]:
        _file(files, problems, deposit_member(deposit["path"]), archive_dir / deposit["path"],
              deposit["sha256"], f"archive deposit {deposit['id']}")
    if problems:
        raise ExportError("the export would not be complete: " + "; ".join(problems))
    return tables, files


def _file(files: dict[str, bytes], problems: list[str], member: str, path: Path, digest: str,
          what: str) -> None:
    try:
        data = path.read_bytes()
    except OSError:
        problems.append(f"{what} is missing from {path.parent}")
        return
    if sha256(data) != digest:
        problems.append(f"{what} does not match its checksum")
        return
    files[member] = data


def write(out: Path, slug: str, revision: str | None, tables: dict[str, list[dict[str, Any]]],
          files: dict[str, bytes]) -> None:
    """Write the zip, manifest last, to ``out`` (a temporary name first, then renamed by the caller)."""
    members = {f"{TABLES}{name}.json": json.dumps(rows, indent=1, sort_keys=True).encode()
               for name, rows in tables.items()}
    members.update(files)
    events = tables["audit_events"]
    head = max(events, key=lambda e: e["seq"]) if events else {"seq": 0, "hash": audit.GENESIS}
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "partnership": slug,
        "partnership_id": tables["partnerships"][0]["id"],
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "platform_version": __version__, "schema_revision": revision,
        "tables": {name: len(rows) for name, rows in tables.items()},
        "files": {name: sha256(data) for name, data in sorted(members.items())},
        "audit_head": {"seq": head["seq"], "hash": head["hash"]},
    }
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))


def export(db: Database, slug: str, out: Path, *, documents_dir: Path, archive_dir: Path,
           actor: str = "cli") -> ExportResult:
    """Export one partnership; the export is audited in its chain (and the event is in the file)."""
    if out.is_dir():
        raise ExportError(f"{out} is a folder: give a file name, e.g. {out / (slug + '.zip')}")
    if not out.parent.is_dir():
        raise ExportError(f"the folder {out.parent} does not exist")
    tmp = out.with_name(f".{out.name}.partial")
    try:
        with db.session_scope() as session:
            if session.get_bind().dialect.name == "postgresql":  # one consistent snapshot of every table
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            row = partnerships.get(session, slug)
            if row is None:
                raise ExportError(f"no partnership '{slug}'")
            with acting_for(session, row.id):
                audit.record(session, "partnership.exported", actor=actor,
                             detail={"format_version": FORMAT_VERSION, "file": out.name})
            tables, files = collect(session, slug, documents_dir, archive_dir)
            write(tmp, slug, migrate.current(session.get_bind()), tables, files)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return ExportResult(out, {name: len(rows) for name, rows in tables.items()}, len(files),
                        sha256(out.read_bytes()))
