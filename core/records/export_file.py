"""The partnership export file: its layout, how rows become JSON and back, and its verification.

One zip holds ``manifest.json`` (format, partnership, when, platform version and schema
revision, row counts per table, the sha256 of every other member, the audit chain's
head), ``tables/<table>.json`` (every row of the partnership in that table) and the
files: ``files/documents/<storage key>`` and ``files/archive/<deposit path>``.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import json
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import Date, DateTime, LargeBinary, Table

from cspr.audit import events as audit
from cspr.audit.models import AuditEvent
from cspr.db.models import Base

FORMAT = "cspr-partnership-export"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TABLES = "tables/"
DOCUMENTS = "files/documents/"
ARCHIVE = "files/archive/"
#: The deployment's own records (clock runs, cross-partnership access, sessions): not exported.
PLATFORM_TABLES = frozenset({"job_runs", "daily_runs", "cross_partnership_access", "user_sessions",
                             "password_reset_tokens",  # a reset link is spent or expires within the hour
                             "answer_drafts"})  # answers awaiting their check, until the confirm
#: Exported apart from the tenant tables: the partnership's row and the people its rows name.
SHARED_TABLES = frozenset({"partnerships", "users"})
#: Rows of the people exported, so they sign in as before after an import (their recovery codes).
USER_TABLES = frozenset({"recovery_codes"})
#: A platform operator's right belongs to the deployment, not to a partnership: not carried over.
USER_COLUMNS_NOT_EXPORTED = frozenset({"is_operator"})


class ExportFileError(Exception):
    """The file is not a readable partnership export: the message says why."""


def sha256(data: bytes) -> str:
    """The hex sha256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def tenant_tables() -> list[Table]:
    """Every table whose rows belong to one partnership, parents before children."""
    return [t for t in Base.metadata.sorted_tables if "partnership_id" in t.c]


def unclassified_tables() -> list[str]:
    """Tables the export does not know what to do with (a new table needs a decision here)."""
    known = PLATFORM_TABLES | SHARED_TABLES | USER_TABLES | {t.name for t in tenant_tables()}
    return sorted(set(Base.metadata.tables) - known)


def encode(value: Any) -> Any:
    """A column's value as JSON: datetimes in UTC ISO 8601, dates ISO, enums by value."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # SQLite hands back naive datetimes; they were stored as UTC
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes | memoryview):  # an outbox attachment's file
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def decode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """A row read from JSON, with its dates and datetimes as Python values again."""
    out: dict[str, Any] = {}
    for name, value in row.items():
        column = table.c.get(name)
        if column is None:
            raise ExportFileError(f"{table.name}.{name} is not a column of this platform's schema")
        if value is not None and isinstance(column.type, DateTime):
            value = dt.datetime.fromisoformat(value)
        elif value is not None and isinstance(column.type, Date):
            value = dt.date.fromisoformat(value)
        elif value is not None and isinstance(column.type, LargeBinary):
            value = base64.b64decode(value)
        out[name] = value
    return out


def document_member(storage_key: str) -> str:
    """Where a document's file sits in the export."""
    return _safe(DOCUMENTS + storage_key)


def deposit_member(path: str) -> str:
    """Where an archive deposit's package sits in the export."""
    return _safe(ARCHIVE + path)


def _safe(name: str) -> str:
    parts = PurePosixPath(name).parts
    if name.startswith("/") or ".." in parts or "\\" in name:
        raise ExportFileError(f"unsafe path in the export: {name!r}")
    return name


def chain_problems(rows: list[dict[str, Any]]) -> list[str]:
    """Check an exported audit chain: each event follows the one before and hashes to its hash."""
    table = Base.metadata.tables["audit_events"]
    problems: list[str] = []
    prev_hash, expected = audit.GENESIS, 1
    for row in sorted(rows, key=lambda r: r["seq"]):
        event = AuditEvent(**decode(table, row))
        if event.seq != expected:
            problems.append(f"audit event {event.seq}: expected event {expected} here")
        if event.prev_hash != prev_hash:
            problems.append(f"audit event {event.seq}: does not follow the event before it")
        if audit._digest(event.prev_hash, event) != event.hash:  # the chain's own hash function
            problems.append(f"audit event {event.seq}: its content was changed after it was written")
        prev_hash, expected = event.hash, event.seq + 1
    return problems


class ExportReader:
    """An export opened for reading; ``verify`` checks it through."""

    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise ExportFileError(f"there is no file at {path}")
        if not path.is_file():
            raise ExportFileError(f"{path} is not a file")
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ExportFileError(f"{path} is not a partnership export (not a readable zip: {exc})") from exc
        try:
            self.manifest: dict[str, Any] = json.loads(self.zip.read(MANIFEST))
        except KeyError as exc:
            self.zip.close()
            raise ExportFileError(f"{path} has no {MANIFEST}: not a partnership export") from exc
        except ValueError as exc:
            self.zip.close()
            raise ExportFileError(f"{path}: {MANIFEST} is not valid JSON") from exc
        if self.manifest.get("format") != FORMAT:
            self.zip.close()
            found = self.manifest.get("format")
            raise ExportFileError(f"{path} is not a partnership export (format {found!r})")
        if self.manifest.get("format_version") != FORMAT_VERSION:
            self.zip.close()
            raise ExportFileError(f"{path} is in export format {self.manifest.get('format_version')}; "
                                  f"this platform reads format {FORMAT_VERSION}")

    def __enter__(self) -> ExportReader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.zip.close()

    def read(self, name: str) -> bytes:
        """One member's bytes."""
        try:
            return self.zip.read(_safe(name))
        except KeyError as exc:
            raise ExportFileError(f"the export has no {name}") from exc

    def rows(self, table: str) -> list[dict[str, Any]]:
        """The rows of one table, as exported (JSON values)."""
        return json.loads(self.read(f"{TABLES}{table}.json"))

    def verify(self) -> list[str]:
        """Every problem found: checksums, counts, files against their rows, the audit chain."""
        problems: list[str] = []
        listed: dict[str, str] = self.manifest.get("files", {})
        present = {info.filename for info in self.zip.infolist() if not info.is_dir()} - {MANIFEST}
        for name in sorted(present - set(listed)):
            problems.append(f"{name} is in the export but not in its manifest")
        for name, digest in sorted(listed.items()):
            if name not in present:
                problems.append(f"{name} is missing")
            elif sha256(self.zip.read(name)) != digest:
                problems.append(f"{name} does not match its sha256 in the manifest")
        if problems:
            return problems
        tables = self.manifest.get("tables", {})
        for name, count in tables.items():
            if len(self.rows(name)) != count:
                problems.append(f"tables/{name}.json has a different number of rows than the manifest says")
        for row in self.rows("documents") if "documents" in tables else []:
            if sha256(self.read(document_member(row["storage_key"]))) != row["sha256"]:
                problems.append(f"document {row['id']} does not match the checksum in its row")
        for row in self.rows("archive_deposits") if "archive_deposits" in tables else []:
            if sha256(self.read(deposit_member(row["path"]))) != row["sha256"]:
                problems.append(f"archive deposit {row['id']} does not match the checksum in its row")
        events = self.rows("audit_events") if "audit_events" in tables else []
        problems += chain_problems(events)
        head = max(events, key=lambda r: r["seq"]) if events else None
        expected = self.manifest.get("audit_head") or {}
        if (head["seq"] if head else 0, head["hash"] if head else audit.GENESIS) != (
                expected.get("seq"), expected.get("hash")):
            problems.append("the audit chain does not end at the head the manifest records")
        return problems
