"""The lifecycle: stages, drafts, completed actions, deadline directions and API tokens.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 13:52:31.519634
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_api_tokens_partnership_id_partnerships"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_partnership_id"), "api_tokens", ["partnership_id"], unique=False)
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"], unique=False)
    op.create_table(
        "review_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_review_drafts_partnership_id_partnerships"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_review_drafts_review_id_reviews"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_drafts")),
        sa.UniqueConstraint("review_id", "version", name=op.f("uq_review_drafts_review_id_version")),
    )
    op.create_index(
        op.f("ix_review_drafts_partnership_id"), "review_drafts", ["partnership_id"], unique=False
    )
    op.create_index(op.f("ix_review_drafts_review_id"), "review_drafts", ["review_id"], unique=False)
    op.create_index(
        "ix_deadlines_partnership_state_due_on", "deadlines", ["partnership_id", "state", "due_on"]
    )
    op.create_index(
        "ix_incidents_partnership_aware_on", "incidents", ["partnership_id", "aware_on", "id"]
    )
    op.add_column("actions", sa.Column("completed_on", sa.Date(), nullable=True))
    op.add_column(
        "deadlines", sa.Column("direction", sa.String(length=16), nullable=False, server_default="within")
    )
    op.add_column(
        "incidents", sa.Column("stage", sa.String(length=32), nullable=False, server_default="recorded")
    )
    op.add_column(
        "reviews", sa.Column("final_report_agreed_by", sa.JSON(), nullable=False, server_default="[]")
    )


def downgrade() -> None:
    op.drop_index("ix_deadlines_partnership_state_due_on", table_name="deadlines")
    op.drop_index("ix_incidents_partnership_aware_on", table_name="incidents")
    for table, column in (
        ("reviews", "final_report_agreed_by"),
        ("incidents", "stage"),
        ("deadlines", "direction"),
        ("actions", "completed_on"),
    ):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
    op.drop_index(op.f("ix_review_drafts_review_id"), table_name="review_drafts")
    op.drop_index(op.f("ix_review_drafts_partnership_id"), table_name="review_drafts")
    op.drop_table("review_drafts")
    op.drop_index(op.f("ix_api_tokens_user_id"), table_name="api_tokens")
    op.drop_index(op.f("ix_api_tokens_partnership_id"), table_name="api_tokens")
    op.drop_table("api_tokens")
