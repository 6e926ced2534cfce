"""A report too sensitive to publish locally: published anonymously through the NSPCC."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from cspr.archive import services as archive
from cspr.archive.models import ArchiveDeposit
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.partnerships import demo
from cspr.partnerships import services as partnerships
from cspr.reviews.models import Document, Review
from cspr.services.context import Context
from cspr.services.errors import InputError

NOTE = "The family could be identified from the report, whatever was removed."


def publish(app, **kw):
    with app.app_context(), get_db().session_scope() as session:
        registry = app.extensions["cspr.plugins"]
        row = next(p for p in partnerships.sync(session, registry) if p.slug == "doncaster")
        with acting_for(session, row.id):
            ctx = Context(session, row, registry.policy("doncaster"), actor="test")
            review = demo.publish_example(ctx, documents_dir=Path(app.config["DOCUMENTS_DIR"]),
                                          secret_key=app.config["SECRET_KEY"], title="Child Hidden",
                                          publication_form="nspcc", **kw)
            return review.id


def run(app, today=None):
    import datetime as dt

    with app.app_context(), get_db().sessionmaker() as session:
        return archive.run(session, app.extensions["cspr.plugins"], today or dt.date.today(),
                           Path(app.config["ARCHIVE_DIR"]), Path(app.config["DOCUMENTS_DIR"]))


def test_the_page_says_it_exists_without_identifying_the_case(app, client):
    review_id = publish(app, publication_note=NOTE)
    page = client.get("/doncaster/").get_data(as_text=True)
    assert "Reviews published anonymously through the NSPCC" in page
    assert "1 review published anonymously through the NSPCC" in page
    for identifying in ("Child Hidden", "Demo child A", NOTE, "/reports/", "fictional review showing"):
        assert identifying not in page
    assert "Child Hidden" not in client.get("/library?q=Hidden").get_data(as_text=True)
    assert "Child Hidden" not in client.get("/doncaster/reviews.atom").get_data(as_text=True)
    with app.app_context(), get_db().sessionmaker() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            report = session.scalar(select(Document).where(Document.review_id == review_id))
    assert report.public is False  # kept for the deposit, never served from the page


def test_the_nspcc_deposit_carries_the_report_at_once_and_once(app):
    review_id = publish(app, publication_note=NOTE)
    first = run(app)
    assert f"doncaster/{review_id}" in first.archived and first.problems == []
    assert f"doncaster/{review_id}" not in run(app).archived
    with app.app_context(), get_db().sessionmaker() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            deposit = session.scalar(select(ArchiveDeposit).where(ArchiveDeposit.review_id == review_id))
            review = session.get(Review, review_id)
            assert review.archived_on is None  # still listed, anonymously
    with zipfile.ZipFile(io.BytesIO((Path(app.config["ARCHIVE_DIR"]) / deposit.path).read_bytes())) as package:
        record = json.loads(package.read("metadata.json"))
        assert "documents/demo-child-a-report.pdf" in package.namelist()
    assert record["publish_anonymously"] is True and record["publication_form"] == "nspcc"
    assert record["title"] == "Child Hidden" and deposit.outcome == "nspcc"


def test_publishing_anonymously_says_why_and_needs_the_report(app):
    with pytest.raises(InputError) as refused:
        publish(app)
    assert "too sensitive to publish here" in refused.value.errors["publication_note"]
