"""Deposits for the tests: the demo archived, and a report published anonymously through the NSPCC."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from sqlalchemy import select

from cspr.actions.models import Recommendation
from cspr.archive import services as archive
from cspr.archive.models import ArchiveDeposit
from cspr.cases.models import Child, Incident
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.partnerships import demo
from cspr.partnerships import services as partnerships
from cspr.reviews.models import Document, PublicationForm, Review, ReviewKind

TODAY = dt.date(2026, 11, 23)
NSPCC = "deposits@nspcc.example.org"
REPORT = b"%PDF-1.7\n% the anonymous report: too sensitive to publish locally\n" + b"x" * 4000


def load_demo(app) -> None:
    with app.app_context(), get_db().session_scope() as session:
        demo.load(session, app.extensions["cspr.plugins"])


def anonymous_review(app, slug: str = "doncaster") -> int:
    """A review published anonymously through the NSPCC, with its case, a child, a recommendation, a report."""
    documents = Path(app.config["DOCUMENTS_DIR"])
    documents.mkdir(parents=True, exist_ok=True)
    (documents / "anon-report-key").write_bytes(REPORT)
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, slug)
        with acting_for(session, row.id):
            incident = Incident(
                reference="DSCP-2025-041",
                stage="review",
                pseudonym="Child Rowan",
                la_case_reference="LA-ROWAN-77",
                la_area="Doncaster",
                age_band="1_4",
                harm="death",
                incident_on=dt.date(2025, 2, 14),
                aware_on=dt.date(2025, 2, 15),
            )
            incident.children.append(
                Child(
                    position=1,
                    pseudonym="Child Rowan",
                    sex="female",
                    age_band="1_4",
                    harm="death",
                    abuse=["neglect"],
                )
            )
            session.add(incident)
            session.flush()
            review = Review(
                kind=ReviewKind.LOCAL_CSPR,
                title="Child Rowan",
                pseudonym="Rowan",
                incident_id=incident.id,
                stage="published",
                published_on=dt.date(2026, 6, 10),
                publication_form=PublicationForm.NSPCC,
                authors=["Dr A Reviewer"],
                publisher="Doncaster Safeguarding Children Partnership",
                summary="Learning about a baby's care at home.",
                themes=["Neglect", "Information sharing"],
            )
            session.add(review)
            session.flush()
            session.add(Recommendation(review_id=review.id, number=1, text="Share health visiting records."))
            session.add(
                Document(
                    review_id=review.id,
                    kind="report",
                    title="Report",
                    filename="report.pdf",
                    media_type="application/pdf",
                    size_bytes=len(REPORT),
                    sha256=hashlib.sha256(REPORT).hexdigest(),
                    storage_key="anon-report-key",
                )
            )
            return review.id


def run_archive(app, config: dict | None = None, today: dt.date = TODAY):
    with app.app_context(), get_db().sessionmaker() as session:
        return archive.run(
            session,
            app.extensions["cspr.plugins"],
            today,
            Path(app.config["ARCHIVE_DIR"]),
            Path(app.config["DOCUMENTS_DIR"]),
            config,
        )


def deposit_of(app, review_id: int, slug: str = "doncaster") -> ArchiveDeposit:
    with app.app_context(), get_db().sessionmaker() as session:
        with acting_for(session, partnerships.get(session, slug).id):
            deposit = session.scalars(
                select(ArchiveDeposit).where(ArchiveDeposit.review_id == review_id)
            ).one()
            session.expunge(deposit)
            return deposit


def review_id(app, title: str, slug: str = "doncaster") -> int:
    with app.app_context(), get_db().sessionmaker() as session:
        with acting_for(session, partnerships.get(session, slug).id):
            return session.scalar(select(Review.id).where(Review.title == title))
