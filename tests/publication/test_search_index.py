"""The learning library's search on PostgreSQL: the full-text GIN index serves it, and it finds by word."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, text

from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.partnerships import services as partnerships
from cspr.publication import public as publication
from cspr.publication.search import DOCUMENT_INDEX
from cspr.reviews.models import Review, ReviewKind

pytestmark = pytest.mark.commits  # the search runs in its own session, the EXPLAIN on the owner's connection

TOPICS = [
    "neglect and school attendance",
    "domestic abuse in the home",
    "bruising in non-mobile babies",
    "adolescent exploitation",
    "parental mental health",
]


@pytest.fixture
def seeded(app):
    """200 published reviews across two partnerships, five topics among them."""
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        for slug in ("doncaster", "york"):
            row = partnerships.get(session, slug)
            with acting_for(session, row.id):
                for i in range(100):
                    topic = TOPICS[i % len(TOPICS)]
                    session.add(
                        Review(
                            kind=ReviewKind.LOCAL_CSPR,
                            title=f"Child {slug[0].upper()}{i}",
                            stage="published",
                            published_on=dt.date(2020 + i % 5, 3, 1),
                            summary=f"The review looked at {topic}.",
                            themes=[topic.title()],
                        )
                    )
    return app


def search(app, words: str) -> tuple[list[str], list[tuple[str, dict]]]:
    """The titles the library finds for ``words``, and the SQL it sent."""
    sent: list[tuple[str, dict]] = []
    engine = get_db(app).engine

    def seen(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if "FROM reviews" in statement:
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with app.app_context(), get_db().session_scope() as session:
            found = publication.library(
                session, app.extensions["cspr.plugins"], publication.LibraryQuery(text=words)
            )
            titles = [review.title for _, review in found]
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return titles, sent


def test_the_library_search_finds_reviews_by_a_word_in_their_summary_stemmed(seeded):
    titles, _ = search(seeded, "babies bruise")  # stemmed: "bruising" matches "bruise", "babies" itself
    assert len(titles) == 40 and all(int(t[7:]) % 5 == 2 for t in titles), titles


def test_postgresql_uses_the_full_text_index_for_the_library_search(seeded, owner_engine):
    _, sent = search(seeded, "exploitation")
    statement, parameters = sent[-1]
    assert "websearch_to_tsquery" in statement
    with owner_engine.connect() as conn:
        conn.execute(text("ANALYZE reviews"))
        # 200 rows: a scan, or the partnership's index, would be cheaper than the GIN index here; the
        # question is whether the planner can use it at all (the query's expression is the index's)
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        conn.execute(text("DROP INDEX ix_reviews_partnership_id"))  # rolled back below
        raw = conn.connection.dbapi_connection.cursor()
        raw.execute(f"EXPLAIN {statement}", parameters)
        plan = "\n".join(row[0] for row in raw.fetchall())
        conn.rollback()
    assert DOCUMENT_INDEX in plan, plan
    assert "Bitmap Index Scan" in plan, plan
    # the stored vector is read (migration 0029): no review's text is made into a vector at search time
    assert "to_tsvector" not in statement and "to_tsvector" not in plan, plan
