"""The learning library's searchable text: one SQL expression, shared by its GIN index and its query."""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, cast, func, literal, literal_column

#: The index over it (migration 0027).
DOCUMENT_INDEX = "ix_reviews_search_document"

#: A review's title, summary and themes as an English text-search document. Written out in full,
#: with its constants inline: PostgreSQL uses an expression index only for the very same expression
#: (a bound parameter in its place would not match).
DOCUMENT_SQL = (
    "to_tsvector('english'::regconfig, coalesce(reviews.title, '') || ' ' || "
    "coalesce(reviews.summary, '') || ' ' || coalesce(reviews.themes::text, ''))"
)


def document(dialect: str) -> ColumnElement:
    """The searchable text of a review: the indexed tsvector on PostgreSQL, plain text elsewhere."""
    if dialect == "postgresql":
        return literal_column(DOCUMENT_SQL)
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
