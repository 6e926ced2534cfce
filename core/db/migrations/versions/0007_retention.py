"""Retention rules and legal holds: the legal_holds table.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_by", sa.String(length=100), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_by", sa.String(length=100), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=True),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(scope = 'partnership' AND incident_id IS NULL AND review_id IS NULL)"
            " OR (scope = 'incident' AND review_id IS NULL)"
            " OR (scope = 'review' AND incident_id IS NULL)",
            name=op.f("ck_legal_holds_scope_matches_subject"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"],
            name=op.f("fk_legal_holds_incident_id_incidents"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"],
            name=op.f("fk_legal_holds_review_id_reviews"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnerships.id"],
            name=op.f("fk_legal_holds_partnership_id_partnerships"), ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    op.create_index(op.f("ix_legal_holds_incident_id"), "legal_holds", ["incident_id"], unique=False)
    op.create_index(op.f("ix_legal_holds_review_id"), "legal_holds", ["review_id"], unique=False)
    op.create_index(op.f("ix_legal_holds_partnership_id"), "legal_holds", ["partnership_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_legal_holds_partnership_id"), table_name="legal_holds")
    op.drop_index(op.f("ix_legal_holds_review_id"), table_name="legal_holds")
    op.drop_index(op.f("ix_legal_holds_incident_id"), table_name="legal_holds")
    op.drop_table("legal_holds")
