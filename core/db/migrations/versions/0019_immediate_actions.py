"""The immediate actions the agencies took, recorded with the rapid review's decision.

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-02 08:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("rapid_reviews", sa.Column("immediate_actions", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("rapid_reviews", "immediate_actions")
