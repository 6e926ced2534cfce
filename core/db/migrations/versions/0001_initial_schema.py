"""Initial schema: partnerships, people, cases, reviews, deadlines, outbox and audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 13:39:56.816702
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_runs")),
    )
    op.create_table(
        "partnerships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("short_name", sa.String(length=32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partnerships")),
        sa.UniqueConstraint("slug", name=op.f("uq_partnerships_slug")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("is_operator", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=True),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["users.id"],
            name=op.f("fk_audit_events_actor_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_audit_events_partnership_id_partnerships"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sa.UniqueConstraint(
            "partnership_id", "seq", name=op.f("uq_audit_events_partnership_id_seq")
        ),
    )
    op.create_index(
        op.f("ix_audit_events_partnership_id"), "audit_events", ["partnership_id"], unique=False
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("pseudonym", sa.String(length=100), nullable=False),
        sa.Column("la_case_reference", sa.String(length=64), nullable=False),
        sa.Column("la_area", sa.String(length=100), nullable=False),
        sa.Column(
            "age_band",
            sa.Enum(
                "under_1",
                "1_4",
                "5_9",
                "10_15",
                "16_17",
                "18_24",
                name="ageband",
                native_enum=False,
                length=15,
            ),
            nullable=False,
        ),
        sa.Column(
            "harm",
            sa.Enum("death", "serious_harm", name="harm", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("looked_after", sa.Boolean(), nullable=False),
        sa.Column("care_leaver", sa.Boolean(), nullable=False),
        sa.Column("incident_on", sa.Date(), nullable=False),
        sa.Column("aware_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_incidents_partnership_id_partnerships"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint(
            "partnership_id", "reference", name=op.f("uq_incidents_partnership_id_reference")
        ),
    )
    op.create_index(
        op.f("ix_incidents_partnership_id"), "incidents", ["partnership_id"], unique=False
    )
    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin", "partner", "reviewer", "viewer", name="role", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_memberships_partnership_id_partnerships"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint(
            "user_id", "partnership_id", name=op.f("uq_memberships_user_id_partnership_id")
        ),
    )
    op.create_index(
        op.f("ix_memberships_partnership_id"), "memberships", ["partnership_id"], unique=False
    )
    op.create_index(op.f("ix_memberships_user_id"), "memberships", ["user_id"], unique=False)
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("panel_reference", sa.String(length=64), nullable=True),
        sa.Column("ofsted_sos_notified_on", sa.Date(), nullable=True),
        sa.Column("partners_told_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_notifications_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_notifications_partnership_id_partnerships"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_notifications_incident_id")),
    )
    op.create_index(
        op.f("ix_notifications_partnership_id"), "notifications", ["partnership_id"], unique=False
    )
    op.create_table(
        "rapid_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("meeting_on", sa.Date(), nullable=True),
        sa.Column(
            "decision",
            sa.Enum(
                "local_cspr",
                "recommend_national",
                "no_review",
                "local_learning",
                name="rapidreviewdecision",
                native_enum=False,
                length=26,
            ),
            nullable=True,
        ),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.Column("sent_to_panel_on", sa.Date(), nullable=True),
        sa.Column(
            "panel_response",
            sa.Enum(
                "national_review",
                "agrees",
                "disagrees",
                name="panelresponse",
                native_enum=False,
                length=23,
            ),
            nullable=True,
        ),
        sa.Column("panel_response_on", sa.Date(), nullable=True),
        sa.Column("panel_response_notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_rapid_reviews_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_rapid_reviews_partnership_id_partnerships"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rapid_reviews")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_rapid_reviews_incident_id")),
    )
    op.create_index(
        op.f("ix_rapid_reviews_partnership_id"), "rapid_reviews", ["partnership_id"], unique=False
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "local_cspr",
                "national",
                "local_learning",
                "thematic",
                "scr",
                "joint_dhr",
                "joint_sar",
                name="reviewkind",
                native_enum=False,
                length=22,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("pseudonym", sa.String(length=100), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("legacy", sa.Boolean(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("terms_of_reference_on", sa.Date(), nullable=True),
        sa.Column("reviewer_commissioned_on", sa.Date(), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("reviewer_name", sa.String(length=200), nullable=True),
        sa.Column("final_report_agreed_on", sa.Date(), nullable=True),
        sa.Column("sent_to_panel_on", sa.Date(), nullable=True),
        sa.Column("planned_publication_on", sa.Date(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column(
            "publication_form",
            sa.Enum(
                "full", "summary", "redacted", name="publicationform", native_enum=False, length=16
            ),
            nullable=True,
        ),
        sa.Column("publication_note", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("archived_on", sa.Date(), nullable=True),
        sa.Column(
            "archive_outcome",
            sa.Enum(
                "nspcc", "on_request", "kept", name="archiveoutcome", native_enum=False, length=18
            ),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_reviews_incident_id_incidents"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_reviews_partnership_id_partnerships"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["users.id"],
            name=op.f("fk_reviews_reviewer_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
    )
    op.create_index(op.f("ix_reviews_incident_id"), "reviews", ["incident_id"], unique=False)
    op.create_index(op.f("ix_reviews_partnership_id"), "reviews", ["partnership_id"], unique=False)
    op.create_table(
        "briefings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("format_key", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_briefings_partnership_id_partnerships"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_briefings_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_briefings")),
    )
    op.create_index(
        op.f("ix_briefings_partnership_id"), "briefings", ["partnership_id"], unique=False
    )
    op.create_index(op.f("ix_briefings_review_id"), "briefings", ["review_id"], unique=False)
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_documents_partnership_id_partnerships"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_documents_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_documents_storage_key")),
    )
    op.create_index(
        op.f("ix_documents_partnership_id"), "documents", ["partnership_id"], unique=False
    )
    op.create_index(op.f("ix_documents_review_id"), "documents", ["review_id"], unique=False)
    op.create_table(
        "recommendations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_recommendations_partnership_id_partnerships"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_recommendations_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendations")),
        sa.UniqueConstraint(
            "review_id", "number", name=op.f("uq_recommendations_review_id_number")
        ),
    )
    op.create_index(
        op.f("ix_recommendations_partnership_id"),
        "recommendations",
        ["partnership_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_recommendations_review_id"), "recommendations", ["review_id"], unique=False
    )
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_agency", sa.String(length=64), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "rag",
            sa.Enum("red", "amber", "green", "complete", name="rag", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("assured_on", sa.Date(), nullable=True),
        sa.Column("assured_by_id", sa.Integer(), nullable=True),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assured_by_id"],
            ["users.id"],
            name=op.f("fk_actions_assured_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_actions_partnership_id_partnerships"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_actions_recommendation_id_recommendations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
    )
    op.create_index(op.f("ix_actions_partnership_id"), "actions", ["partnership_id"], unique=False)
    op.create_index(
        op.f("ix_actions_recommendation_id"), "actions", ["recommendation_id"], unique=False
    )
    op.create_table(
        "deadlines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("statutory", sa.Boolean(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("open", "met", "cancelled", name="deadlinestate", native_enum=False, length=17),
            nullable=False,
        ),
        sa.Column("met_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["actions.id"],
            name=op.f("fk_deadlines_action_id_actions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_deadlines_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_deadlines_partnership_id_partnerships"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_deadlines_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadlines")),
        sa.UniqueConstraint(
            "partnership_id",
            "subject",
            "kind",
            name=op.f("uq_deadlines_partnership_id_subject_kind"),
        ),
    )
    op.create_index(op.f("ix_deadlines_action_id"), "deadlines", ["action_id"], unique=False)
    op.create_index(op.f("ix_deadlines_incident_id"), "deadlines", ["incident_id"], unique=False)
    op.create_index(
        op.f("ix_deadlines_partnership_id"), "deadlines", ["partnership_id"], unique=False
    )
    op.create_index(op.f("ix_deadlines_review_id"), "deadlines", ["review_id"], unique=False)
    op.create_index("ix_deadlines_state_due_on", "deadlines", ["state", "due_on"], unique=False)
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deadline_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deadline_id"],
            ["deadlines.id"],
            name=op.f("fk_reminders_deadline_id_deadlines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_reminders_partnership_id_partnerships"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint("deadline_id", "stage", name=op.f("uq_reminders_deadline_id_stage")),
    )
    op.create_index(
        op.f("ix_reminders_partnership_id"), "reminders", ["partnership_id"], unique=False
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("reminder_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("pending", "sent", "failed", name="outboxstatus", native_enum=False, length=15),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_outbox_partnership_id_partnerships"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reminder_id"],
            ["reminders.id"],
            name=op.f("fk_outbox_reminder_id_reminders"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_idempotency_key")),
    )
    op.create_index(op.f("ix_outbox_partnership_id"), "outbox", ["partnership_id"], unique=False)
    op.create_index(op.f("ix_outbox_reminder_id"), "outbox", ["reminder_id"], unique=False)
    op.create_index(
        "ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_status_next_attempt_at", table_name="outbox")
    op.drop_index(op.f("ix_outbox_reminder_id"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_partnership_id"), table_name="outbox")
    op.drop_table("outbox")
    op.drop_index(op.f("ix_reminders_partnership_id"), table_name="reminders")
    op.drop_table("reminders")
    op.drop_index("ix_deadlines_state_due_on", table_name="deadlines")
    op.drop_index(op.f("ix_deadlines_review_id"), table_name="deadlines")
    op.drop_index(op.f("ix_deadlines_partnership_id"), table_name="deadlines")
    op.drop_index(op.f("ix_deadlines_incident_id"), table_name="deadlines")
    op.drop_index(op.f("ix_deadlines_action_id"), table_name="deadlines")
    op.drop_table("deadlines")
    op.drop_index(op.f("ix_actions_recommendation_id"), table_name="actions")
    op.drop_index(op.f("ix_actions_partnership_id"), table_name="actions")
    op.drop_table("actions")
    op.drop_index(op.f("ix_recommendations_review_id"), table_name="recommendations")
    op.drop_index(op.f("ix_recommendations_partnership_id"), table_name="recommendations")
    op.drop_table("recommendations")
    op.drop_index(op.f("ix_documents_review_id"), table_name="documents")
    op.drop_index(op.f("ix_documents_partnership_id"), table_name="documents")
    op.drop_table("documents")
    op.drop_index(op.f("ix_briefings_review_id"), table_name="briefings")
    op.drop_index(op.f("ix_briefings_partnership_id"), table_name="briefings")
    op.drop_table("briefings")
    op.drop_index(op.f("ix_reviews_partnership_id"), table_name="reviews")
    op.drop_index(op.f("ix_reviews_incident_id"), table_name="reviews")
    op.drop_table("reviews")
    op.drop_index(op.f("ix_rapid_reviews_partnership_id"), table_name="rapid_reviews")
    op.drop_table("rapid_reviews")
    op.drop_index(op.f("ix_notifications_partnership_id"), table_name="notifications")
    op.drop_table("notifications")
    op.drop_index(op.f("ix_memberships_user_id"), table_name="memberships")
    op.drop_index(op.f("ix_memberships_partnership_id"), table_name="memberships")
    op.drop_table("memberships")
    op.drop_index(op.f("ix_incidents_partnership_id"), table_name="incidents")
    op.drop_table("incidents")
    op.drop_index(op.f("ix_audit_events_partnership_id"), table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_table("users")
    op.drop_table("partnerships")
    op.drop_table("job_runs")
