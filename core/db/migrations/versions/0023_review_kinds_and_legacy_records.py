"""Reviews as published (date precision, link, authors, publishers, frameworks); local settings.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cspr.db import rls

revision: str = "0023"
down_revision: str | None = "0022"
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
    op.create_table(
        "partnership_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("changed_by_user_id", sa.Integer(), nullable=True),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["changed_by_user_id"], ["users.id"],
                                name=op.f("fk_partnership_settings_changed_by_user_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["partnership_id"], ["partnerships.id"],
                                name=op.f("fk_partnership_settings_partnership_id_partnerships"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partnership_settings")),
        sa.UniqueConstraint("partnership_id", "key", name=op.f("uq_partnership_settings_partnership_id_key")),
    )
    op.create_index(op.f("ix_partnership_settings_partnership_id"), "partnership_settings", ["partnership_id"],
                    unique=False)
    rls.protect("partnership_settings")


def downgrade() -> None:
    rls.unprotect("partnership_settings")
    op.drop_table("partnership_settings")
    with op.batch_alter_table("reviews") as batch:
        for column in ("frameworks", "co_publisher", "publisher", "authors", "report_url",
                       "published_precision"):
            batch.drop_column(column)
