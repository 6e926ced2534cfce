"""Parallel proceedings of a case and the dates expected in them, under row-level security.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cspr.db import rls

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("police_investigation", "criminal_trial", "inquest", "family_court", "other")
STATUSES = ("open", "pending", "concluded")
DATE_STATES = ("expected", "updated", "cancelled")


def upgrade() -> None:
    op.create_table(
        "proceedings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.Enum(*KINDS, name="proceedingkind", native_enum=False, length=28),
                  nullable=False),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("status", sa.Enum(*STATUSES, name="proceedingstatus", native_enum=False, length=17),
                  nullable=False),
        sa.Column("restricts_publication", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("updated_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("incident_id IS NOT NULL OR review_id IS NOT NULL",
                           name=op.f("ck_proceedings_of_a_case")),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"],
                                name=op.f("fk_proceedings_incident_id_incidents"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["partnership_id"], ["partnerships.id"],
                                name=op.f("fk_proceedings_partnership_id_partnerships"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["review_id"], ["reviews.id"],
                                name=op.f("fk_proceedings_review_id_reviews"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proceedings")),
    )
    for column in ("incident_id", "review_id", "partnership_id"):
        op.create_index(op.f(f"ix_proceedings_{column}"), "proceedings", [column], unique=False)
    op.create_table(
        "proceeding_dates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proceeding_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=100), nullable=False),
        sa.Column("expected_on", sa.Date(), nullable=False),
        sa.Column("state", sa.Enum(*DATE_STATES, name="datestate", native_enum=False, length=17),
                  nullable=False),
        sa.Column("updated_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["partnership_id"], ["partnerships.id"],
                                name=op.f("fk_proceeding_dates_partnership_id_partnerships"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["proceeding_id"], ["proceedings.id"],
                                name=op.f("fk_proceeding_dates_proceeding_id_proceedings"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proceeding_dates")),
    )
    for column in ("proceeding_id", "partnership_id"):
        op.create_index(op.f(f"ix_proceeding_dates_{column}"), "proceeding_dates", [column], unique=False)
    rls.protect("proceedings")
    rls.protect("proceeding_dates")


def downgrade() -> None:
    rls.unprotect("proceeding_dates")
    rls.unprotect("proceedings")
    for column in ("proceeding_id", "partnership_id"):
        op.drop_index(op.f(f"ix_proceeding_dates_{column}"), table_name="proceeding_dates")
    op.drop_table("proceeding_dates")
    for column in ("incident_id", "review_id", "partnership_id"):
        op.drop_index(op.f(f"ix_proceedings_{column}"), table_name="proceedings")
    op.drop_table("proceedings")
