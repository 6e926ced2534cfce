"""Row-level security on every tenant table, for a non-owner application role.

Also the record of each use of the cross-partnership path, and the outbox backlog
as a function that returns counts only (so /healthz needs no cross-partnership access).
On SQLite (one local user, no roles) only the table is created.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cspr.db import rls

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Every table with a partnership_id column at this revision. A later migration that adds a
#: tenant table calls rls.protect("<table>") itself; tests/test_rls.py fails until it does.
TENANT_TABLES = (
    "actions", "api_tokens", "archive_deposits", "audit_events", "briefings", "deadlines",
    "documents", "incidents", "legal_holds", "memberships", "notifications", "outbox", "rapid_reviews",
    "recommendations", "reminders", "review_drafts", "reviews",
)

#: Narrow read-only lookups that need no partnership (see cspr.db.tenancy.looking_up / public_view).
LOOKUP_POLICIES = (
    ("own_memberships", "memberships",
     "user_id = NULLIF(current_setting('cspr.user_id', true), '')::int"),
    ("presented_token", "api_tokens",
     "token_hash = NULLIF(current_setting('cspr.token_hash', true), '')"),
    ("public_reviews", "reviews",
     "current_setting('cspr.public', true) = 'on' AND published_on IS NOT NULL AND archived_on IS NULL"),
)

BACKLOG = """
CREATE FUNCTION cspr_outbox_backlog(OUT pending bigint, OUT oldest timestamptz, OUT failed bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, "{schema}" AS $$
    SELECT count(*) FILTER (WHERE status = 'pending'),
           min(created_at) FILTER (WHERE status = 'pending'),
           count(*) FILTER (WHERE status = 'failed')
    FROM outbox
$$
"""


def upgrade() -> None:
    op.create_table(
        "cross_partnership_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cross_partnership_access")),
    )
    op.create_index(op.f("ix_cross_partnership_access_occurred_at"), "cross_partnership_access",
                    ["occurred_at"], unique=False)
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TENANT_TABLES:
        rls.protect(table)
    for name, table, condition in LOOKUP_POLICIES:
        op.execute(f"CREATE POLICY {name} ON {table} FOR SELECT USING ({condition})")
    schema = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar()
    op.execute(BACKLOG.format(schema=schema))
    op.execute("REVOKE ALL ON FUNCTION cspr_outbox_backlog() FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS cspr_outbox_backlog()")
        for name, table, _condition in LOOKUP_POLICIES:
            op.execute(f"DROP POLICY IF EXISTS {name} ON {table}")
        for table in TENANT_TABLES:
            rls.unprotect(table)
    op.drop_index(op.f("ix_cross_partnership_access_occurred_at"), table_name="cross_partnership_access")
    op.drop_table("cross_partnership_access")
