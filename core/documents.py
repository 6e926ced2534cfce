"""Report files: checked by content (a real PDF), size-limited, kept outside the web root by random key."""

from __future__ import annotations

import hashlib
import io
import secrets
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from cspr.models import Document, Review
from cspr.workflow.context import Context
from cspr.workflow.errors import InputError

MAX_BYTES = 25 * 1024 * 1024


def check_pdf(data: bytes, field: str = "report", max_bytes: int = MAX_BYTES) -> PdfReader:
    """The bytes are a readable PDF within the size limit, else an InputError for ``field``."""
    if not data:
        raise InputError({field: "The selected file is empty"})
    if len(data) > max_bytes:
        raise InputError({field: f"The selected file must be smaller than {max_bytes // (1024 * 1024)} MB"})
    if not data.startswith(b"%PDF-"):
        raise InputError({field: "The selected file must be a PDF"})
    try:
        reader = PdfReader(io.BytesIO(data))
        _ = len(reader.pages)
    except (PdfReadError, ValueError, OSError) as exc:
        raise InputError({field: "The selected file is not a PDF that can be read"}) from exc
    return reader


def pdf_text(data: bytes) -> list[str]:
    """The text of each page of a PDF."""
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def store(ctx: Context, review: Review, data: bytes, filename: str, kind: str, public: bool,
          documents_dir: Path) -> Document:
    """Keep the file under a random key, with its checksum, and record it."""
    key = f"{ctx.policy.slug}/{secrets.token_hex(16)}.pdf"
    path = documents_dir / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    safe_name = "".join(c for c in Path(filename or "report.pdf").name if c.isalnum() or c in "._- ")[:120]
    document = Document(review_id=review.id, kind=kind, title=review.title,
                        filename=safe_name or "report.pdf",
                        media_type="application/pdf", size_bytes=len(data),
                        sha256=hashlib.sha256(data).hexdigest(), storage_key=key, public=public)
    ctx.session.add(document)
    ctx.session.flush()
    ctx.audit("document.stored", document, review=review.id, sha256=document.sha256, public=public)
    return document
