"""Reviews as they were published: the date's precision, a link elsewhere, authors, publishers, frameworks.

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-02 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PRECISIONS = ("day", "month", "year", "before")


def upgrade() -> None:
    with op.batch_alter_table("reviews") as batch:
        batch.add_column(sa.Column("published_precision", sa.Enum(*PRECISIONS, name="dateprecision",
                                                                  native_enum=False, length=14), nullable=True))
        batch.add_column(sa.Column("report_url", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("authors", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("publisher", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("co_publisher", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("frameworks", sa.JSON(), nullable=True))
    op.execute("UPDATE reviews SET authors = '[]', frameworks = '[]'")
    with op.batch_alter_table("reviews") as batch:
        batch.alter_column("authors", existing_type=sa.JSON(), nullable=False)
        batch.alter_column("frameworks", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("reviews") as batch:
        for column in ("frameworks", "co_publisher", "publisher", "authors", "report_url",
                       "published_precision"):
            batch.drop_column(column)
