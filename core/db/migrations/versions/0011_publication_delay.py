"""The reason a planned publication is past its target: two columns on reviews.

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-01 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REASONS = ("parallel_proceedings", "family_involvement", "author_availability", "agency_returns",
           "other")


def upgrade() -> None:
    with op.batch_alter_table("reviews") as batch:
        batch.add_column(sa.Column(
            "publication_delay_reason",
            sa.Enum(*REASONS, name="delayreason", native_enum=False, length=28),
            nullable=True))
        batch.add_column(sa.Column("publication_delay_detail", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reviews") as batch:
        batch.drop_column("publication_delay_detail")
        batch.drop_column("publication_delay_reason")
