"""Agency information requests and returns, and the agency contributor role (a membership's agency).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 13:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cspr.db import rls

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ROLES = ("admin", "partner", "reviewer", "viewer")
ROLES = (*OLD_ROLES, "agency contributor")


def upgrade() -> None:
    with op.batch_alter_table("memberships") as batch:
        batch.alter_column("role", existing_type=sa.Enum(*OLD_ROLES, name="role", native_enum=False, length=16),
                           type_=sa.Enum(*ROLES, name="role", native_enum=False, length=26),
                           existing_nullable=False)
        batch.add_column(sa.Column("agency", sa.String(length=64), nullable=True))
        batch.create_check_constraint("agency_iff_contributor",
                                      "(role = 'agency contributor') = (agency IS NOT NULL)")
    op.create_table(
        "information_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("asked", sa.Text(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("received_note", sa.String(length=500), nullable=True),
        sa.Column("return_key", sa.String(length=200), nullable=True),
        sa.Column("return_sha256", sa.String(length=64), nullable=True),
        sa.Column("return_size", sa.Integer(), nullable=True),
        sa.Column("return_filename", sa.String(length=120), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("(incident_id IS NULL) <> (review_id IS NULL)",
                           name=op.f("ck_information_requests_of_one_case")),
        sa.CheckConstraint("(return_key IS NULL) = (return_sha256 IS NULL)",
                           name=op.f("ck_information_requests_return_has_checksum")),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"],
                                name=op.f("fk_information_requests_incident_id_incidents"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["review_id"], ["reviews.id"],
                                name=op.f("fk_information_requests_review_id_reviews"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_information_requests_created_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["partnership_id"], ["partnerships.id"],
                                name=op.f("fk_information_requests_partnership_id_partnerships"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_information_requests")),
    )
    for column in ("incident_id", "review_id", "agency", "partnership_id"):
        op.create_index(op.f(f"ix_information_requests_{column}"), "information_requests", [column], unique=False)
    rls.protect("information_requests")


def downgrade() -> None:
    rls.unprotect("information_requests")
    for column in ("incident_id", "review_id", "agency", "partnership_id"):
        op.drop_index(op.f(f"ix_information_requests_{column}"), table_name="information_requests")
    op.drop_table("information_requests")
    op.execute("DELETE FROM memberships WHERE role = 'agency contributor'")
    with op.batch_alter_table("memberships") as batch:
        batch.drop_constraint("agency_iff_contributor", type_="check")
        batch.drop_column("agency")
        batch.alter_column("role", existing_type=sa.Enum(*ROLES, name="role", native_enum=False, length=26),
                           type_=sa.Enum(*OLD_ROLES, name="role", native_enum=False, length=16),
                           existing_nullable=False)
