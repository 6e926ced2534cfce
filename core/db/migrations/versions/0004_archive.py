"""Archive deposits: the package each review leaves behind when its public period ends.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 15:04:40.119811
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "archive_deposits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_archive_deposits_partnership_id_partnerships"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_archive_deposits_review_id_reviews"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_deposits")),
        sa.UniqueConstraint("review_id", name=op.f("uq_archive_deposits_review_id")),
    )
    op.create_index(
        op.f("ix_archive_deposits_partnership_id"), "archive_deposits", ["partnership_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_archive_deposits_partnership_id"), table_name="archive_deposits")
    op.drop_table("archive_deposits")
