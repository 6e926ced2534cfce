"""NSPCC deposits sent through the outbox: outbox attachments; a deposit's catalogue record and status.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cspr.db import rls

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("prepared", "sent", "acknowledged")
DELIVERIES = ("attached", "link")


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("attachment_count", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "outbox_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["outbox.id"],
            name=op.f("fk_outbox_attachments_outbox_id_outbox"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_outbox_attachments_partnership_id_partnerships"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_attachments")),
    )
    op.create_index(
        op.f("ix_outbox_attachments_outbox_id"), "outbox_attachments", ["outbox_id"], unique=False
    )
    op.create_index(
        op.f("ix_outbox_attachments_partnership_id"), "outbox_attachments", ["partnership_id"], unique=False
    )
    rls.protect("outbox_attachments")
    with op.batch_alter_table("archive_deposits") as batch:
        batch.add_column(sa.Column("catalogue", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column(
                "status",
                sa.Enum(*STATUSES, name="depositstatus", native_enum=False, length=20),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("outbox_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                "delivery",
                sa.Enum(*DELIVERIES, name="depositdelivery", native_enum=False, length=16),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("link_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("acknowledged_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("copy_number", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("acknowledged_by", sa.String(length=200), nullable=True))
        batch.create_foreign_key(
            op.f("fk_archive_deposits_outbox_id_outbox"), "outbox", ["outbox_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index(op.f("ix_archive_deposits_outbox_id"), ["outbox_id"], unique=False)
    op.execute("UPDATE archive_deposits SET catalogue = '{}', status = 'prepared'")
    with op.batch_alter_table("archive_deposits") as batch:
        batch.alter_column("catalogue", existing_type=sa.JSON(), nullable=False)
        batch.alter_column(
            "status",
            existing_type=sa.Enum(*STATUSES, name="depositstatus", native_enum=False, length=20),
            nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("archive_deposits") as batch:
        batch.drop_index(op.f("ix_archive_deposits_outbox_id"))
        batch.drop_constraint(op.f("fk_archive_deposits_outbox_id_outbox"), type_="foreignkey")
        for column in (
            "acknowledged_by",
            "copy_number",
            "acknowledged_on",
            "sent_at",
            "link_expires_at",
            "queued_at",
            "delivery",
            "outbox_id",
            "status",
            "catalogue",
        ):
            batch.drop_column(column)
    rls.unprotect("outbox_attachments")
    op.drop_index(op.f("ix_outbox_attachments_partnership_id"), table_name="outbox_attachments")
    op.drop_index(op.f("ix_outbox_attachments_outbox_id"), table_name="outbox_attachments")
    op.drop_table("outbox_attachments")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("attachment_count")
