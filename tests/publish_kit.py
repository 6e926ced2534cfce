"""Publishing in tests through the one ``publish``: a partner's sign-off, a real PDF, identifying terms."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from pypdf import PdfWriter

from cspr.publication import publish as publishing
from cspr.reviews.models import PublicationForm, Review
from cspr.services.context import Context


def blank_pdf(marker: str) -> bytes:
    """A small, real PDF (distinct bytes per marker)."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": marker})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def publish(ctx: Context, review: Review, **fields: Any) -> Review:
    """``publishing.publish`` with real defaults for what a test does not care about."""
    fields.setdefault("signed_off_by", ctx.policy.partners["safeguarding_partners"][0]["key"])
    fields.setdefault("identifying_terms", "Jamie Smith\nOak Street Primary")
    fields.setdefault("secret_key", "a test key for the fingerprints")
    if "documents_dir" not in fields:
        fields["documents_dir"] = Path(tempfile.mkdtemp(prefix="cspr-docs-"))
    form = PublicationForm(fields.get("publication_form", PublicationForm.FULL))
    if form == PublicationForm.FULL:
        fields.setdefault("report", blank_pdf(f"report of {review.title}"))
    return publishing.publish(ctx, review, **fields)
