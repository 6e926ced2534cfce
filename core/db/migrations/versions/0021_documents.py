"""Case documents, their versions, comments and partners' sign-offs, under row-level security.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 13:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cspr.db import rls

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("terms_of_reference", "agency_return", "draft", "partner_comments", "final_report", "other")
TABLES = ("case_documents", "case_document_versions", "case_document_comments", "case_document_sign_offs")


def _tenant(table: str) -> list:
    return [sa.Column("partnership_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["partnership_id"], ["partnerships.id"],
                                    name=op.f(f"fk_{table}_partnership_id_partnerships"), ondelete="RESTRICT")]


def _indexes(table: str, *columns: str) -> None:
    for column in (*columns, "partnership_id"):
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "case_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.Enum(*KINDS, name="documentkind", native_enum=False, length=26), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("case_documents"),
        sa.CheckConstraint("incident_id IS NOT NULL OR review_id IS NOT NULL",
                           name=op.f("ck_case_documents_of_a_case")),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"],
                                name=op.f("fk_case_documents_incident_id_incidents"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["review_id"], ["reviews.id"],
                                name=op.f("fk_case_documents_review_id_reviews"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_documents")),
    )
    _indexes("case_documents", "incident_id", "review_id")
    op.create_table(
        "case_document_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("case_document_versions"),
        sa.ForeignKeyConstraint(["document_id"], ["case_documents.id"],
                                name=op.f("fk_case_document_versions_document_id_case_documents"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_document_versions")),
        sa.UniqueConstraint("document_id", "number", name=op.f("uq_case_document_versions_document_id_number")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_case_document_versions_storage_key")),
    )
    _indexes("case_document_versions", "document_id")
    for table, columns in (("case_document_comments", [sa.Column("body", sa.Text(), nullable=False),
                                                        sa.Column("author", sa.String(length=200), nullable=False),
                                                        sa.Column("created_at", sa.DateTime(timezone=True),
                                                                  nullable=False)]),
                           ("case_document_sign_offs", [sa.Column("partner", sa.String(length=64), nullable=False),
                                                         sa.Column("signed_by", sa.String(length=200),
                                                                   nullable=False),
                                                         sa.Column("signed_at", sa.DateTime(timezone=True),
                                                                   nullable=False)])):
        extra = ([sa.UniqueConstraint("version_id", "partner", name=op.f(f"uq_{table}_version_id_partner"))]
                 if table == "case_document_sign_offs" else [])
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("version_id", sa.Integer(), nullable=False),
            *columns,
            *_tenant(table),
            sa.ForeignKeyConstraint(["version_id"], ["case_document_versions.id"],
                                    name=op.f(f"fk_{table}_version_id_case_document_versions"),
                                    ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            *extra,
        )
        _indexes(table, "version_id")
    for table in TABLES:
        rls.protect(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        rls.unprotect(table)
        op.drop_table(table)
