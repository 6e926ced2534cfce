"""Withdrawn actions and recommendations (kept, with who, when and why); an action's RAG may be not set;
answers awaiting their check ("Check your answers").

Revision ID: 0026
Revises: 0024
Create Date: 2026-12-03 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("recommendations", "actions")
RAG = sa.Enum("red", "amber", "green", "complete", name="rag", native_enum=False, length=16)


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
            batch.add_column(sa.Column("withdrawn_by_id", sa.Integer(), nullable=True))
            batch.add_column(sa.Column("withdrawn_by", sa.String(length=200), nullable=True))
            batch.add_column(sa.Column("withdrawn_reason", sa.Text(), nullable=True))
            batch.create_foreign_key(op.f(f"fk_{table}_withdrawn_by_id_users"), "users", ["withdrawn_by_id"],
                                     ["id"], ondelete="SET NULL")
    with op.batch_alter_table("actions") as batch:
        batch.alter_column("rag", existing_type=RAG, nullable=True)
    op.create_table(
        "answer_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("file_key", sa.String(length=100), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["user_sessions.id"],
                                name=op.f("fk_answer_drafts_session_id_user_sessions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_drafts")),
        sa.UniqueConstraint("session_id", "path", name=op.f("uq_answer_drafts_session_id_path")),
    )
    op.create_index(op.f("ix_answer_drafts_session_id"), "answer_drafts", ["session_id"], unique=False)


def downgrade() -> None:
    op.drop_table("answer_drafts")
    op.execute("UPDATE actions SET rag = 'amber' WHERE rag IS NULL")
    with op.batch_alter_table("actions") as batch:
        batch.alter_column("rag", existing_type=RAG, nullable=False)
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"fk_{table}_withdrawn_by_id_users"), type_="foreignkey")
            batch.drop_column("withdrawn_reason")
            batch.drop_column("withdrawn_by")
            batch.drop_column("withdrawn_by_id")
            batch.drop_column("withdrawn_at")
