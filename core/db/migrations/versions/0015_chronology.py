"""The multi-agency chronology: the chronology_entries table, under row-level security.

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-02 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cspr.db import rls

revision: str = "0015"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chronology_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("month", sa.SmallInteger(), nullable=False),
        sa.Column("day", sa.SmallInteger(), nullable=True),
        sa.Column("precision", sa.Enum("day", "month", name="dateprecision", native_enum=False, length=13),
                  nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("what_happened", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("key_episode", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("(precision = 'day') = (day IS NOT NULL)",
                           name=op.f("ck_chronology_entries_day_matches_precision")),
        sa.CheckConstraint("month BETWEEN 1 AND 12", name=op.f("ck_chronology_entries_month_in_range")),
        sa.CheckConstraint("day IS NULL OR day BETWEEN 1 AND 31", name=op.f("ck_chronology_entries_day_in_range")),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"],
                                name=op.f("fk_chronology_entries_incident_id_incidents"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_chronology_entries_created_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["partnership_id"], ["partnerships.id"],
                                name=op.f("fk_chronology_entries_partnership_id_partnerships"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chronology_entries")),
    )
    op.create_index(op.f("ix_chronology_entries_incident_id"), "chronology_entries", ["incident_id"])
    op.create_index(op.f("ix_chronology_entries_partnership_id"), "chronology_entries", ["partnership_id"])
    rls.protect("chronology_entries")


def downgrade() -> None:
    rls.unprotect("chronology_entries")
    op.drop_index(op.f("ix_chronology_entries_partnership_id"), table_name="chronology_entries")
    op.drop_index(op.f("ix_chronology_entries_incident_id"), table_name="chronology_entries")
    op.drop_table("chronology_entries")
