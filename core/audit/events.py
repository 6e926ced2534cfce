"""Append-only audit events, hash-chained per partnership; checking chains and exporting their heads.

Each event's ``hash`` is ``sha256(prev_hash + canonical JSON of its fields)`` (see
:func:`canonical`), so a chain can be re-checked outside the platform with nothing but
sha256. A chain alone shows an altered, removed or reordered event; removing the newest
events, or rewriting a chain with recomputed hashes, shows only against a chain head
exported earlier (``cspr audit head``, the daily job's ``audit-heads.jsonl``). Each heads
document is signed (HMAC-SHA256 with AUDIT_HEADS_KEYS, kept outside the database), so
whoever rewrites a chain cannot write matching heads without the key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import Session

from cspr.audit.models import AuditEvent
from cspr.db.tenancy import TenancyError, across_partnerships, current_partnership_id
from cspr.partnerships.models import Partnership

GENESIS = "0" * 64


def utc_iso(value: datetime) -> str:
    """A stored time as ISO 8601 in UTC, to the microsecond (SQLite gives naive UTC back)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(event: Any) -> str:
    """The event's fields as the JSON its hash covers (sorted keys, no spaces)."""
    payload = {
        "partnership_id": event.partnership_id,
        "seq": event.seq,
        "occurred_at": utc_iso(event.occurred_at),
        "actor": event.actor,
        "actor_user_id": event.actor_user_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "detail": event.detail,
        "remote_addr": event.remote_addr,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


def _digest(prev_hash: str, event: Any) -> str:
    return hashlib.sha256((prev_hash + canonical(event)).encode()).hexdigest()


def record(
    session: Session,
    action: str,
    *,
    actor: str,
    actor_user_id: int | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    detail: dict[str, Any] | None = None,
    remote_addr: str | None = None,
) -> AuditEvent:
    """Append an event to the chain of the partnership the session acts for."""
    pid = current_partnership_id(session)
    if pid is None:
        raise TenancyError("an audit event belongs to a partnership: act for one first")
    # Serialise writers of one partnership's chain before reading its head: a row lock on
    # PostgreSQL. pysqlite begins a transaction only at the first write, so on SQLite a
    # no-op write takes the database's one writer lock first.
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE partnerships SET enabled = enabled WHERE id = :pid"), {"pid": pid})
    else:
        session.execute(select(Partnership.id).where(Partnership.id == pid).with_for_update())
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last.seq + 1, last.hash) if last else (1, GENESIS)
    event = AuditEvent(
        partnership_id=pid, seq=seq, occurred_at=datetime.now(UTC), actor=actor,
        actor_user_id=actor_user_id, action=action, object_type=object_type,
        object_id=None if object_id is None else str(object_id)[:64], detail=detail or {},
        remote_addr=remote_addr, prev_hash=prev_hash, hash="",
    )
    event.hash = _digest(prev_hash, event)
    session.add(event)
    session.flush()
    return event


# -- checking a chain -------------------------------------------------------------

@dataclass
class ChainProblem:
    """Where a chain stops adding up."""

    seq: int | None
    reason: str


@dataclass
class ChainReport:
    """What checking one partnership's chain found."""

    events: int = 0
    last_seq: int = 0
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems


CHANGED = "its content was changed after it was written"
NOT_LINKED = "does not follow the event before it (removed or reordered)"
REWRITTEN = "differs from the head exported earlier (the chain was rewritten)"

_COLUMNS = (AuditEvent.partnership_id, AuditEvent.seq, AuditEvent.occurred_at, AuditEvent.actor,
            AuditEvent.actor_user_id, AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id,
            AuditEvent.detail, AuditEvent.remote_addr, AuditEvent.prev_hash, AuditEvent.hash)


def check(session: Session, checkpoints: Iterable[tuple[int, str]] = ()) -> ChainReport:
    """Walk the chain of the partnership the session acts for, in order of ``seq``.

    ``checkpoints`` are (seq, hash) pairs exported earlier: the chain must still reach
    each one with the same hash, which shows removal of the newest events and a chain
    rewritten with recomputed hashes.
    """
    if current_partnership_id(session) is None:
        raise TenancyError("check a chain while acting for its partnership")
    expected: dict[int, set[str]] = {}
    for seq, digest in checkpoints:
        if seq > 0:
            expected.setdefault(seq, set()).add(digest)
    report = ChainReport()
    prev_hash, next_seq = GENESIS, 1
    rows = session.execute(select(*_COLUMNS).order_by(AuditEvent.seq).execution_options(yield_per=2000))
    for event in rows:
        report.events += 1
        problems = report.problems
        if event.seq > next_seq:
            gap = (f"event {next_seq} before it is" if event.seq == next_seq + 1
                   else f"events {next_seq}-{event.seq - 1} before it are")
            problems.append(ChainProblem(event.seq, f"{gap} missing (removed)"))
        elif event.seq < next_seq:
            problems.append(ChainProblem(event.seq, "is out of order"))
        if event.prev_hash != prev_hash:
            problems.append(ChainProblem(event.seq, NOT_LINKED))
        if _digest(event.prev_hash, event) != event.hash:
            problems.append(ChainProblem(event.seq, CHANGED))
        hashes = expected.get(event.seq)
        if hashes and hashes != {event.hash}:
            problems.append(ChainProblem(event.seq, REWRITTEN))
        prev_hash, next_seq = event.hash, max(next_seq, event.seq + 1)
        report.last_seq = max(report.last_seq, event.seq)
    beyond = [seq for seq in expected if seq > report.last_seq]
    if beyond:
        top = max(beyond)
        ends = f"the chain ends at event {report.last_seq}" if report.last_seq else "the chain is empty"
        report.problems.append(ChainProblem(top, f"{ends}, but event {top} was exported as its head: "
                                                 "the newest events were removed"))
    return report


def summarise(problems: list[ChainProblem]) -> list[str]:
    """One line per reason and run of consecutive events: "events 22-61: its content was changed..."."""
    runs: list[tuple[int, int, str]] = []
    for problem in sorted(problems, key=lambda p: (p.seq or 0)):
        seq = problem.seq or 0
        for i, (first, last, reason) in enumerate(runs):
            if reason == problem.reason and last + 1 == seq:
                runs[i] = (first, seq, reason)
                break
        else:
            runs.append((seq, seq, problem.reason))
    return [f"event {first}: {reason}" if first == last else f"events {first}-{last}: {reason}"
            for first, last, reason in sorted(runs, key=lambda r: r[0])]


def verify(session: Session, checkpoints: Iterable[tuple[int, str]] = ()) -> list[ChainProblem]:
    """Check the chain of the partnership the session acts for; an empty list means intact."""
    return check(session, checkpoints).problems


# -- chain heads, kept outside the database ------------------------------------------

def heads(session: Session) -> list[dict[str, Any]]:
    """Every partnership's newest event: slug, seq, hash and when (seq 0 for an empty chain)."""
    last = (select(AuditEvent.partnership_id, func.max(AuditEvent.seq).label("seq"))
            .group_by(AuditEvent.partnership_id).subquery())
    with across_partnerships(session, "export the audit chains' heads"):
        rows = session.execute(
            select(Partnership.slug, AuditEvent.seq, AuditEvent.hash, AuditEvent.occurred_at)
            .select_from(Partnership)
            .outerjoin(last, last.c.partnership_id == Partnership.id)
            .outerjoin(AuditEvent, (AuditEvent.partnership_id == last.c.partnership_id)
                       & (AuditEvent.seq == last.c.seq))
            .order_by(Partnership.slug)).all()
    return [{"slug": r.slug, "seq": r.seq or 0, "hash": r.hash or GENESIS,
             "occurred_at": utc_iso(r.occurred_at) if r.occurred_at else None} for r in rows]


def heads_document(session: Session) -> dict[str, Any]:
    """The heads with the time they were taken, signed with the app's heads key, as written to a file."""
    from cspr.accounts import keys

    return keys.sign({"exported_at": utc_iso(datetime.now(UTC)), "heads": heads(session)})


def append_heads(session: Session, path: Path) -> dict[str, Any]:
    """Append the current heads as one JSON line to ``path`` (made if missing); return them."""
    document = heads_document(session)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(document, sort_keys=True) + "\n")
    return document


class HeadsFileError(ValueError):
    """A heads file that cannot be read."""


def read_checkpoints(path: Path, signed_by: tuple[bytes, ...] | None = None,
                     allow_unsigned: bool = False) -> dict[str, list[tuple[int, str]]]:
    """Every (seq, hash) per slug in a heads file: one JSON document, or JSON lines (the daily file).

    With ``signed_by`` (the heads keys), every document must carry a signature made by one of
    them over exactly its content, or the file is refused; ``allow_unsigned`` lets documents
    with no signature at all through (files written before heads were signed).
    """
    from cspr.accounts import keys

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise HeadsFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    documents: list[tuple[str, Any]]
    try:
        documents = [("the file", json.loads(text))]
    except json.JSONDecodeError:
        try:
            documents = [(f"line {n}", json.loads(line)) for n, line in enumerate(text.splitlines(), 1)
                         if line.strip()]
        except json.JSONDecodeError as exc:
            raise HeadsFileError(f"{path} is not JSON (line {exc.lineno}: {exc.msg})") from None
    out: dict[str, list[tuple[int, str]]] = {}
    for where, document in documents:
        entries = document.get("heads") if isinstance(document, Mapping) else None
        if not isinstance(entries, list):
            raise HeadsFileError(f"{path} has no 'heads' list: write it with 'cspr audit head'")
        if signed_by is not None:
            if keys.SIGNATURE not in document:
                if not allow_unsigned:
                    raise HeadsFileError(
                        f"{path}: {where} has no signature (written before heads were signed, or the "
                        "signature was removed): refused. --allow-unsigned accepts such heads, which prove "
                        "nothing against someone who can write the file")
            elif not keys.signature_matches(dict(document), signed_by):
                raise HeadsFileError(
                    f"{path}: {where} does not carry this deployment's signature (CSPR_AUDIT_HEADS_KEYS): "
                    "the heads were altered or forged, or signed with another key: refused")
        for entry in entries:
            try:
                slug, seq, digest = str(entry["slug"]), int(entry["seq"]), str(entry["hash"])
            except (KeyError, TypeError, ValueError):
                raise HeadsFileError(f"{path}: a head needs slug, seq and hash: {entry!r}") from None
            out.setdefault(slug, []).append((seq, digest))
    return out


def unsigned_documents(path: Path) -> int:
    """How many documents of a (readable) heads file carry no signature."""
    from cspr.accounts import keys

    text = path.read_text(encoding="utf-8")
    try:
        documents = [json.loads(text)]
    except json.JSONDecodeError:
        documents = [json.loads(line) for line in text.splitlines() if line.strip()]
    return sum(1 for d in documents if isinstance(d, Mapping) and keys.SIGNATURE not in d)


# -- reading the trail -----------------------------------------------------------------

def trail(action_prefix: str = "", user_id: int | None = None, since: dt.date | None = None,
          until: dt.date | None = None) -> Select:
    """The session partnership's events, newest first, filtered (dates are whole UTC days)."""
    query = select(AuditEvent)
    if action_prefix:
        escaped = action_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(AuditEvent.action.like(escaped + "%", escape="\\"))
    if user_id is not None:
        query = query.where(AuditEvent.actor_user_id == user_id)
    if since is not None:
        query = query.where(AuditEvent.occurred_at >= datetime.combine(since, dt.time(), UTC))
    if until is not None:
        query = query.where(AuditEvent.occurred_at
                            < datetime.combine(until + dt.timedelta(days=1), dt.time(), UTC))
    return query.order_by(AuditEvent.seq.desc())
