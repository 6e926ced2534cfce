"""The learning themes of a case, recorded at the rapid review (the recurring-themes panel reads them).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 17:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rapid_reviews") as batch:
        batch.add_column(sa.Column("themes", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    with op.batch_alter_table("rapid_reviews") as batch:
        batch.alter_column("themes", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("rapid_reviews") as batch:
        batch.drop_column("themes")
