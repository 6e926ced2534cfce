"""The Panel's form: up to four children per incident, the incident's agencies and police; learning events
and family involvement. Each incident's child fields become its first child.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cspr.db import rls

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ETHNICITIES = ("white_british", "white_irish", "white_gypsy_traveller", "white_roma", "white_other",
               "mixed_white_black_caribbean", "mixed_white_black_african", "mixed_white_asian",
               "mixed_other", "asian_indian", "asian_pakistani", "asian_bangladeshi", "asian_chinese",
               "asian_other", "black_african", "black_caribbean", "black_other", "other_arab",
               "other_any", "not_known")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=max(map(len, values)) + 8)


def _tenant(table: str) -> list:
    return [
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["partnership_id"], ["partnerships.id"],
                                name=op.f(f"fk_{table}_partnership_id_partnerships"), ondelete="RESTRICT"),
    ]


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("agencies_involved", sa.JSON(), nullable=False,
                                   server_default=sa.text("'[]'")))
        batch.add_column(sa.Column("police_investigating", _enum("policeinvestigation", "yes", "no",
                                                                 "not_known"),
                                   nullable=False, server_default="not_known"))
    with op.batch_alter_table("incidents") as batch:
        batch.alter_column("agencies_involved", server_default=None)
        batch.alter_column("police_investigating", server_default=None)

    op.create_table(
        "incident_children",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sa.String(length=100), nullable=False),
        sa.Column("sex", _enum("sex", "female", "male", "not_known"), nullable=False),
        sa.Column("age_band", _enum("ageband", "under_1", "1_4", "5_9", "10_15", "16_17", "18_24"),
                  nullable=False),
        sa.Column("ethnicity", _enum("ethnicity", *ETHNICITIES), nullable=False),
        sa.Column("disability", _enum("disability", "yes", "no", "not_known"), nullable=False),
        sa.Column("harm", _enum("harm", "death", "serious_harm"), nullable=False),
        sa.Column("statuses", sa.JSON(), nullable=False),
        sa.Column("abuse", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("incident_children"),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"],
                                name=op.f("fk_incident_children_incident_id_incidents"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_children")),
        sa.UniqueConstraint("incident_id", "position", name=op.f("uq_incident_children_incident_id_position")),
    )
    op.create_index(op.f("ix_incident_children_incident_id"), "incident_children", ["incident_id"])
    op.create_index(op.f("ix_incident_children_partnership_id"), "incident_children", ["partnership_id"])
    # Today's single child becomes child 1 (what the Panel's form adds is not known yet).
    json = "::json" if op.get_bind().dialect.name == "postgresql" else ""
    op.execute(f"""
        INSERT INTO incident_children (partnership_id, incident_id, position, pseudonym, sex, age_band,
                                       ethnicity, disability, harm, statuses, abuse, created_at)
        SELECT partnership_id, id, 1, pseudonym, 'not_known', age_band, 'not_known', 'not_known', harm,
               (CASE WHEN looked_after AND care_leaver THEN '["looked_after", "care_leaver"]'
                    WHEN looked_after THEN '["looked_after"]'
                    WHEN care_leaver THEN '["care_leaver"]'
                    ELSE '[]' END){json},
               '[]'{json}, created_at
        FROM incidents
    """)
    rls.protect("incident_children")

    op.create_table(
        "review_learning_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("agencies", sa.JSON(), nullable=False),
        sa.Column("attended", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("review_learning_events"),
        sa.ForeignKeyConstraint(["review_id"], ["reviews.id"],
                                name=op.f("fk_review_learning_events_review_id_reviews"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_learning_events")),
    )
    op.create_index(op.f("ix_review_learning_events_review_id"), "review_learning_events", ["review_id"])
    op.create_index(op.f("ix_review_learning_events_partnership_id"), "review_learning_events",
                    ["partnership_id"])
    rls.protect("review_learning_events")

    op.create_table(
        "review_family_involvement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("member", sa.String(length=100), nullable=False),
        sa.Column("offered_on", sa.Date(), nullable=False),
        sa.Column("response", _enum("familyresponse", "awaiting", "accepted", "declined"), nullable=False),
        sa.Column("responded_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("review_family_involvement"),
        sa.ForeignKeyConstraint(["review_id"], ["reviews.id"],
                                name=op.f("fk_review_family_involvement_review_id_reviews"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_family_involvement")),
    )
    op.create_index(op.f("ix_review_family_involvement_review_id"), "review_family_involvement",
                    ["review_id"])
    op.create_index(op.f("ix_review_family_involvement_partnership_id"), "review_family_involvement",
                    ["partnership_id"])
    rls.protect("review_family_involvement")


def downgrade() -> None:
    for table in ("review_family_involvement", "review_learning_events", "incident_children"):
        rls.unprotect(table)
        op.drop_table(table)
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("police_investigating")
        batch.drop_column("agencies_involved")
