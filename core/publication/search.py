"""The learning library's searchable text: a stored, indexed tsvector on PostgreSQL; words elsewhere."""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, cast, func, literal, literal_column

#: The index over it (migration 0027, on the stored column since 0029).
DOCUMENT_INDEX = "ix_reviews_search_document"

#: The column PostgreSQL keeps each review's tsvector in (migration 0029: generated from the
#: title, summary and themes, and stored, so it changes with them and is never worked out at search
#: time). Not mapped on the model: SQLite, the embedded default, has no such column.
DOCUMENT_COLUMN = "search_document"


def document(dialect: str) -> ColumnElement:
    """The searchable text of a review: its stored, indexed tsvector on PostgreSQL, plain text elsewhere."""
    if dialect == "postgresql":
        return literal_column(f"reviews.{DOCUMENT_COLUMN}")
    from cspr.reviews.models import Review

    return (
        func.coalesce(Review.title, "")
        + literal(" ")
        + func.coalesce(Review.summary, "")
        + literal(" ")
        + func.coalesce(cast(Review.themes, String), "")
    )


def matches(dialect: str, text: str) -> tuple[list[ColumnElement], ColumnElement | None]:
    """The conditions for a search ``text`` and, on PostgreSQL, its rank to order by."""
    if dialect == "postgresql":
        tsquery = func.websearch_to_tsquery(literal_column("'english'::regconfig"), text)
        return [document(dialect).op("@@")(tsquery)], func.ts_rank(document(dialect), tsquery)
    return [document(dialect).ilike(f"%{word}%") for word in text.split()], None
