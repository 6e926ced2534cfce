"""The library's search document stored in its row (PostgreSQL), and deadlines found by when they were met.

A generated column holds each review's tsvector, kept up to date by PostgreSQL whenever the row
changes; the GIN index moves from the expression to the column, so the search's recheck and its
rank read the stored vector instead of working it out again for every match. Deadlines get an
index on (partnership_id, met_on): the yearly figures read only the deadlines met in the year or
overdue at its end, not all of a partnership's history.

Revision ID: 0029
Revises: 0027
Create Date: 2026-12-03 13:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0029"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_reviews_search_document"
COLUMN = "search_document"
MET_INDEX = "ix_deadlines_partnership_met_on"
# The same expression as migration 0027's index (copied: a migration never changes with the code).
DOCUMENT_SQL = (
    "to_tsvector('english'::regconfig, coalesce(reviews.title, '') || ' ' || "
    "coalesce(reviews.summary, '') || ' ' || coalesce(reviews.themes::text, ''))"
)
# A generated column's expression names the row's own columns, not the table.
ROW_DOCUMENT_SQL = DOCUMENT_SQL.replace("reviews.", "")


def upgrade() -> None:
    op.create_index(MET_INDEX, "deadlines", ["partnership_id", "met_on"], unique=False)
    if op.get_bind().dialect.name == "postgresql":  # SQLite matches words with LIKE: nothing to store
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
        op.execute(f"ALTER TABLE reviews ADD COLUMN {COLUMN} tsvector "
                   f"GENERATED ALWAYS AS ({ROW_DOCUMENT_SQL}) STORED")
        op.execute(f"CREATE INDEX {INDEX} ON reviews USING gin ({COLUMN})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
        op.execute(f"ALTER TABLE reviews DROP COLUMN IF EXISTS {COLUMN}")
        op.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON reviews USING gin (({DOCUMENT_SQL}))")
    op.drop_index(MET_INDEX, table_name="deadlines")
