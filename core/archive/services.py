"""Archival: reviews past their partnership's public period leave the public page, losing nothing.

Per the partnership's archive rule a review's deposit package is built (the report
files, a metadata file with the NSPCC catalogue's fields, a checksum manifest) for
the NSPCC National Case Review Repository or to answer requests; or, where the
partnership keeps its reports on the page, nothing moves. Never before the statutory
12 months; idempotent (an archived review is not taken again); every step audited.
``verify`` proves each package on disk is whole. Each deposit keeps its catalogue record
(:mod:`cspr.archive.catalogue`); an NSPCC deposit is then e-mailed through the outbox
(:mod:`cspr.archive.sending`) when the operator has configured the NSPCC's address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from cspr.archive import catalogue
from cspr.archive.models import ArchiveDeposit, DepositStatus
from cspr.calendar import add_months
from cspr.db.tenancy import across_partnerships, acting_for
from cspr.partnerships.models import Partnership
from cspr.plugins import PluginRegistry
from cspr.reviews import services as review_steps
from cspr.reviews.dates import PublicationDate
from cspr.reviews.models import ArchiveOutcome, Document, PublicationForm, Review
from cspr.services.context import Context

MANIFEST = "manifest-sha256.txt"
METADATA = "metadata.json"


@dataclass
class ArchiveResult:
    """What one archival run did."""

    archived: list[str] = field(default_factory=list)
    kept: int = 0
    problems: list[str] = field(default_factory=list)
    queued: int = 0  # NSPCC deposits whose e-mail was put in the outbox


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def metadata(ctx: Context, review: Review) -> dict[str, Any]:
    """The catalogue record: what the NSPCC repository files a report under. No child's name."""
    identity = ctx.policy.identity
    record = {
        "title": review.title,
        "partnership": {"name": identity["name"], "short_name": identity["short_name"],
                        "areas": identity["areas"]},
        "kind": review.kind.value,
        "kind_words": ctx.policy.kind(review.kind.value)["name"],  # as the partnership names it
        "pseudonym": review.pseudonym,
        "year": review.published_on.year,
        # the catalogue's author: the report's author(s), else the independent reviewer
        "author": ", ".join(review.authors or []) or review.reviewer_name,
        "authors": list(review.authors or []) or ([review.reviewer_name] if review.reviewer_name else []),
        "publisher": review.publisher or identity["name"],
        "co_publisher": review.co_publisher,
        # what one joint review is held under: cspr, dhr, sar
        "frameworks": list(review.frameworks or []),
        # as precise as it is known: 2014-03-12, 2014-03, 2014 or "before 2019"
        "published_on": PublicationDate(review.published_on, review.published_precision or "day").iso(),
        "published_precision": review.published_precision or "day",
        "published_as_known": review.published_as_known,
        "report_url": review.report_url,
        "publication_form": review.publication_form.value if review.publication_form else "full",
        "publication_note": review.publication_note,
        # too sensitive to publish locally: the NSPCC is asked to publish it without naming the area
        "publish_anonymously": anonymous(review),
        "decided_on": review.decided_on.isoformat() if review.decided_on else None,
        "report_sent_to_panel_on": review.sent_to_panel_on.isoformat() if review.sent_to_panel_on else None,
        "summary": review.summary,
        # the child's age band, sex, what happened and the month it happened: never a name
        "case": catalogue.case_summary(review),
        "themes": list(review.themes or []),
        "recommendations": [{"number": r.number, "text": r.text, "response": r.response}
                            for r in review.recommendations],
        "archived_on": review.archived_on.isoformat() if review.archived_on else None,
        "archive_rule": ctx.policy.archive_rule_for(review.kind.value, review.legacy),
    }
    if record["publish_anonymously"]:
        record["public_record"] = catalogue.public_record(record)
    return record


def anonymous(review: Review) -> bool:
    """Whether the review is published anonymously through the NSPCC (its report never on the page)."""
    return review.publication_form == PublicationForm.NSPCC


def build_package(ctx: Context, review: Review, documents_dir: Path) -> tuple[bytes, dict[str, str]]:
    """The zip: public documents of the review, the metadata file and the checksum manifest.

    A review published anonymously through the NSPCC carries its report, which was never public.
    """
    data, manifest, _record = package_with_record(ctx, review, documents_dir)
    return data, manifest


def package_with_record(ctx: Context, review: Review,
                        documents_dir: Path) -> tuple[bytes, dict[str, str], dict[str, Any]]:
    """:func:`build_package`, with the catalogue record it carries."""
    files: dict[str, bytes] = {}
    which = Document.kind == "report" if anonymous(review) else Document.public.is_(True)
    for doc in ctx.session.scalars(select(Document).where(Document.review_id == review.id, which)):
        data = (documents_dir / doc.storage_key).read_bytes()
        if _sha256(data) != doc.sha256:
            raise ValueError(f"document {doc.id} ({doc.filename}) does not match its checksum")
        files[f"documents/{doc.filename}"] = data
    record = metadata(ctx, review)
    files[METADATA] = json.dumps(record, indent=2, sort_keys=True).encode()
    manifest = {name: _sha256(data) for name, data in sorted(files.items())}
    files[MANIFEST] = "".join(f"{digest}  {name}\n" for name, digest in manifest.items()).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(review.published_on.year, 1, 1, 0, 0, 0))
            archive.writestr(info, data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue(), manifest, record


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def rule_of(ctx: Context, review: Review) -> dict[str, Any]:
    """The archive rule the review follows: its kind's, and legacy reviews kept unless it says so."""
    return ctx.policy.archive_rule_for(review.kind.value, review.legacy)


def due(ctx: Context, today: dt.date) -> list[Review]:
    """Published reviews whose public period under their kind's archive rule has ended."""
    rows = ctx.session.scalars(
        select(Review).where(Review.published_on.is_not(None), Review.archived_on.is_(None))
        .options(selectinload(Review.recommendations)).order_by(Review.published_on, Review.id)
    ).all()
    return [r for r in rows if not anonymous(r)
            and add_months(r.published_on, rule_of(ctx, r)["public_months"]) <= today]


def anonymous_due(ctx: Context) -> list[Review]:
    """Reviews published anonymously through the NSPCC whose deposit is not built yet."""
    deposited = select(ArchiveDeposit.review_id)
    return list(ctx.session.scalars(
        select(Review).where(Review.publication_form == PublicationForm.NSPCC,
                             Review.published_on.is_not(None), Review.id.not_in(deposited))
        .options(selectinload(Review.recommendations)).order_by(Review.published_on, Review.id)))


def deposit_anonymous(ctx: Context, review: Review, archive_dir: Path, documents_dir: Path) -> ArchiveDeposit:
    """Build the NSPCC deposit of a review it publishes anonymously, at once (its page entry stays)."""
    data, manifest, record = package_with_record(ctx, review, documents_dir)
    relative = Path(ctx.policy.slug) / str(review.published_on.year) / f"{review.id}-anonymous.zip"
    _write_atomically(archive_dir / relative, data)
    deposit = ArchiveDeposit(review_id=review.id, outcome=ArchiveOutcome.NSPCC.value, path=str(relative),
                             sha256=_sha256(data), size_bytes=len(data), manifest=manifest, catalogue=record,
                             status=DepositStatus.PREPARED)
    ctx.session.add(deposit)
    ctx.session.flush()
    ctx.audit("archive.deposited", deposit, review=review.id, outcome=ArchiveOutcome.NSPCC,
              path=str(relative), sha256=deposit.sha256, anonymous=True)
    return deposit


def archive_one(ctx: Context, review: Review, today: dt.date, archive_dir: Path,
                documents_dir: Path) -> ArchiveDeposit | None:
    """Archive one review as its rule says; None when the rule keeps it on the page."""
    rule = rule_of(ctx, review)["then"]
    if rule == "keep":
        return None
    outcome = ArchiveOutcome.NSPCC if rule == "nspcc" else ArchiveOutcome.ON_REQUEST
    review_steps.archive(ctx, review, archived_on=today, outcome=outcome)  # refuses before 12 months
    data, manifest, record = package_with_record(ctx, review, documents_dir)
    slug = re.sub(r"[^a-z0-9]+", "-", review.title.lower()).strip("-")[:60] or "review"
    relative = Path(ctx.policy.slug) / str(review.published_on.year) / f"{review.id}-{slug}.zip"
    _write_atomically(archive_dir / relative, data)
    deposit = ArchiveDeposit(review_id=review.id, outcome=outcome.value, path=str(relative),
                             sha256=_sha256(data), size_bytes=len(data), manifest=manifest, catalogue=record,
                             status=DepositStatus.PREPARED)
    ctx.session.add(deposit)
    ctx.session.flush()
    ctx.audit("archive.deposited", deposit, review=review.id, outcome=outcome, path=str(relative),
              sha256=deposit.sha256)
    return deposit


def run(session: Session, registry: PluginRegistry, today: dt.date, archive_dir: Path,
        documents_dir: Path, config: dict[str, Any] | None = None) -> ArchiveResult:
    """Archive what is due in every enabled partnership; one commit per review.

    With ``config`` naming the NSPCC's address (NSPCC_DEPOSIT_ADDRESS), each new NSPCC deposit is
    queued in the outbox in the commit that records it.
    """
    from cspr.archive import sending

    def send(ctx: Context, deposit: ArchiveDeposit | None) -> None:
        if deposit is not None and config and sending.configured(config) \
                and deposit.outcome == ArchiveOutcome.NSPCC.value:
            sending.queue(ctx, deposit, config, archive_dir)
            result.queued += 1

    result = ArchiveResult()
    rows = session.scalars(select(Partnership).where(Partnership.enabled.is_(True))).all()
    for row in rows:
        policy = registry.policies.get(row.slug)
        if policy is None:
            continue
        with acting_for(session, row.id):
            ctx = Context(session, row, policy, actor="system:archival", today=today)
            for review in anonymous_due(ctx):
                try:
                    send(ctx, deposit_anonymous(ctx, review, archive_dir, documents_dir))
                except Exception as exc:  # one review's problem must not stop the others
                    session.rollback()
                    result.problems.append(f"{row.slug} review {review.id}: {exc}")
                    continue
                result.archived.append(f"{row.slug}/{review.id}")
                session.commit()
            for review in due(ctx, today):
                try:
                    deposit = archive_one(ctx, review, today, archive_dir, documents_dir)
                    send(ctx, deposit)
                except Exception as exc:  # one review's problem must not stop the others
                    session.rollback()
                    result.problems.append(f"{row.slug} review {review.id}: {exc}")
                    continue
                if deposit is None:
                    result.kept += 1
                else:
                    result.archived.append(f"{row.slug}/{review.id}")
                session.commit()
    return result


def verify(session: Session, archive_dir: Path) -> tuple[int, list[str]]:
    """Check every deposit: the file is there, whole, and each member matches the manifest."""
    problems: list[str] = []
    with across_partnerships(session, "archive verification", actor="system:archive"):
        deposits = session.scalars(select(ArchiveDeposit).order_by(ArchiveDeposit.id)).all()
    for deposit in deposits:
        problems.extend(f"{deposit.path}: {problem}" for problem in verify_one(deposit, archive_dir))
    return len(deposits), problems


def verify_one(deposit: ArchiveDeposit, archive_dir: Path) -> list[str]:
    """One deposit's problems: the file missing, its checksum or a member's not matching the manifest."""
    path = archive_dir / deposit.path
    if not path.is_file():
        return ["missing"]
    data = path.read_bytes()
    if _sha256(data) != deposit.sha256:
        return ["the package's checksum does not match the record"]
    problems = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name, digest in deposit.manifest.items():
                if _sha256(archive.read(name)) != digest:
                    problems.append(f"{name} does not match the manifest")
    except (zipfile.BadZipFile, KeyError) as exc:
        problems.append(str(exc))
    return problems


def deposited(ctx: Context) -> list[tuple[ArchiveDeposit, dict[str, Any]]]:
    """Every deposit with the NSPCC and its catalogue record (as deposited; worked out for older ones)."""
    rows = ctx.session.execute(
        select(ArchiveDeposit, Review).join(Review, Review.id == ArchiveDeposit.review_id)
        .where(ArchiveDeposit.outcome == ArchiveOutcome.NSPCC.value)
        .options(selectinload(Review.recommendations))
        .order_by(Review.published_on, ArchiveDeposit.id)).all()
    return [(deposit, deposit.catalogue or metadata(ctx, review)) for deposit, review in rows]


def catalogue_download(ctx: Context) -> tuple[str, str]:
    """The catalogue of everything deposited as CSV, and its file name; the export is audited first."""
    ctx.audit("export.downloaded", what="NSPCC deposit catalogue", format="csv")
    ctx.session.commit()
    name = f"{ctx.policy.slug}-nspcc-catalogue-{ctx.today:%Y-%m-%d}.csv"
    return catalogue.catalogue_csv(deposited(ctx)), name
