"""The clock: superseded reminders, outbox claims, and daily runs once per day in England.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:38:03.667240
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "daily_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_daily_runs")),
        sa.UniqueConstraint("name", "day", name=op.f("uq_daily_runs_name_day")),
    )
    op.add_column("outbox", sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "reminders", sa.Column("superseded", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    with op.batch_alter_table("reminders") as batch:
        batch.drop_column("superseded")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("claimed_until")
    op.drop_table("daily_runs")
