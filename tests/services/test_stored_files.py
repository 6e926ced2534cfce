"""A file kept for rows that are rolled back is removed with them; one kept for committed rows stays."""

from __future__ import annotations

from cspr.documents import services as case_documents
from cspr.documents.models import DocumentKind
from tests.cases.test_lifecycle import make_ctx, new_incident
from tests.publish_kit import blank_pdf
from tests.records.test_retention import rsession  # noqa: F401 - commits that stay in the test


def _upload(ctx, incident, documents_dir, marker):
    document = case_documents.create(ctx, incident=incident, kind=DocumentKind.OTHER, title="Strategy notes")
    version = case_documents.upload(ctx, document, content=blank_pdf(marker), filename="notes.pdf",
                                    documents_dir=documents_dir, max_bytes=1_000_000)
    return documents_dir / version.storage_key


def test_an_upload_rolled_back_leaves_no_file_and_a_committed_one_stays(rsession, registry, tmp_path):  # noqa: F811
    session = rsession
    ctx = make_ctx(session, registry.policy("doncaster"))
    incident = new_incident(ctx)
    session.commit()

    kept = _upload(ctx, incident, tmp_path, "kept")
    session.commit()
    lost = _upload(ctx, incident, tmp_path, "lost")
    assert lost.is_file()
    session.rollback()  # e.g. a later step of the same request failed: nothing refers to the file now
    assert not lost.exists() and kept.is_file()
