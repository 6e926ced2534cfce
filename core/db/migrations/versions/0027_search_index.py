"""The learning library's full-text index: a GIN index over each review's searchable text (PostgreSQL).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03 06:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_reviews_search_document"
# The same expression as cspr.publication.search.DOCUMENT_SQL (copied: a migration never changes
# with the code; tests/publication/test_search_index.py checks that the query uses this index).
DOCUMENT_SQL = (
    "to_tsvector('english'::regconfig, coalesce(reviews.title, '') || ' ' || "
    "coalesce(reviews.summary, '') || ' ' || coalesce(reviews.themes::text, ''))"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":  # SQLite matches words with LIKE: no index to make
        op.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON reviews USING gin (({DOCUMENT_SQL}))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
