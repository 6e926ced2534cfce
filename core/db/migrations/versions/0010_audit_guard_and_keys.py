"""Audit hardening: TRUNCATE refused on audit_events, refusal counters, TOTP secrets encrypted.

- PostgreSQL refuses TRUNCATE of ``audit_events`` (a statement trigger; SQLite has no TRUNCATE).
- ``audit_refusal_windows`` counts refused requests per actor, partnership and window, so a
  flood of refusals becomes a few events and one summary (row-level security like every
  tenant table).
- ``users.totp_secret_encrypted`` holds the TOTP secret encrypted with a key kept outside the
  database. The migration cannot encrypt (it has no key): a secret still in ``totp_secret``
  (clear) is moved into the new column at its next use, or by ``cspr users rotate-totp-key``.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cspr.db import rls

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "audit_events is append-only"

PG_FUNCTION = f"""
CREATE FUNCTION audit_events_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}: TRUNCATE refused' USING ERRCODE = 'insufficient_privilege';
END;
$$
"""

PG_TRIGGER = """
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION audit_events_no_truncate()
"""


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    op.create_table(
        "audit_refusal_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("events_limit", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tally", sa.JSON(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"],
            name=op.f("fk_audit_refusal_windows_actor_user_id_users"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnerships.id"],
            name=op.f("fk_audit_refusal_windows_partnership_id_partnerships"), ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_refusal_windows")),
        sa.UniqueConstraint("partnership_id", "actor", "window_start",
                            name=op.f("uq_audit_refusal_windows_partnership_id_actor_window_start")),
    )
    op.create_index(op.f("ix_audit_refusal_windows_partnership_id"), "audit_refusal_windows",
                    ["partnership_id"], unique=False)
    op.create_index(op.f("ix_audit_refusal_windows_window_end"), "audit_refusal_windows",
                    ["window_end"], unique=False)
    rls.protect("audit_refusal_windows")
    op.add_column("users", sa.Column("totp_secret_encrypted", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("totp_secret_encrypted")
    rls.unprotect("audit_refusal_windows")
    op.drop_index(op.f("ix_audit_refusal_windows_window_end"), table_name="audit_refusal_windows")
    op.drop_index(op.f("ix_audit_refusal_windows_partnership_id"), table_name="audit_refusal_windows")
    op.drop_table("audit_refusal_windows")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_no_truncate()")
