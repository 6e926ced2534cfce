"""PostgreSQL row-level security: the policy SQL migrations apply, the app role's grants, and the check.

The ORM scopes every query to the session's partnership (:mod:`cspr.db.tenancy`); row-level
security is the backstop underneath it. Every table with a ``partnership_id`` column has
the ``tenant_isolation`` policy: a row is visible and writable only when the transaction's
``cspr.partnership_id`` setting names its partnership, or ``cspr.all_partnerships`` is on
(the audited cross-partnership path). The tables' owner (who runs the migrations) is exempt
by design; the application connects as a role that owns nothing and cannot bypass RLS.

A migration that adds a tenant table protects it with one line::

    rls.protect("legal_holds")  # no-op on SQLite
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, text

POLICY = "tenant_isolation"

#: A row of the transaction's partnership, or any row on the audited cross-partnership path.
ISOLATION = (
    "partnership_id = NULLIF(current_setting('cspr.partnership_id', true), '')::int"
    " OR current_setting('cspr.all_partnerships', true) = 'on'"
)

_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def enable_sql(table: str) -> list[str]:
    """The statements that put ``table`` (which has a ``partnership_id`` column) under the policy."""
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY {POLICY} ON {table} USING ({ISOLATION}) WITH CHECK ({ISOLATION})",
    ]


def disable_sql(table: str) -> list[str]:
    """The statements that undo :func:`enable_sql` (for a migration's downgrade)."""
    return [f"DROP POLICY IF EXISTS {POLICY} ON {table}", f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"]


def protect(table: str) -> None:
    """In an Alembic migration: enable the tenant policy on ``table`` (PostgreSQL only)."""
    from alembic import op

    if op.get_bind().dialect.name == "postgresql":
        for statement in enable_sql(table):
            op.execute(statement)


def unprotect(table: str) -> None:
    """In an Alembic migration's downgrade: drop the tenant policy of ``table`` (PostgreSQL only)."""
    from alembic import op

    if op.get_bind().dialect.name == "postgresql":
        for statement in disable_sql(table):
            op.execute(statement)


def unprotected_tables(conn: Connection) -> list[str]:
    """Tables of the current schema with a ``partnership_id`` column but no RLS or no tenant policy."""
    rows = conn.execute(text("""
        SELECT c.table_name,
               cl.relrowsecurity,
               EXISTS (SELECT 1 FROM pg_policies p
                       WHERE p.schemaname = c.table_schema AND p.tablename = c.table_name
                         AND p.policyname = :policy AND p.cmd = 'ALL') AS has_policy
        FROM information_schema.columns c
        JOIN pg_class cl ON cl.relname = c.table_name
        JOIN pg_namespace n ON n.oid = cl.relnamespace AND n.nspname = c.table_schema
        WHERE c.column_name = 'partnership_id' AND c.table_schema = current_schema()
          AND cl.relkind IN ('r', 'p')
        ORDER BY c.table_name
    """), {"policy": POLICY}).all()
    return [f"{name}: {'no policy' if rls else 'row-level security is off'}"
            for name, rls, policy in rows if not (rls and policy)]


class GrantError(Exception):
    """The application role cannot be set up as asked."""


def grant_app_role(conn: Connection, role: str) -> list[str]:
    """As the tables' owner: give ``role`` row access to every table (now and future), nothing more.

    Refuses a role that does not exist, is a superuser, bypasses RLS or owns a table.
    Returns the statements run.
    """
    if not _ROLE.match(role):
        raise GrantError(f"'{role}' is not a plain role name (lower-case letters, digits, _)")
    found = conn.execute(text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r"),
                         {"r": role}).first()
    if found is None:
        raise GrantError(f"there is no role '{role}': CREATE ROLE {role} LOGIN NOBYPASSRLS first")
    if found.rolsuper or found.rolbypassrls:
        raise GrantError(f"role '{role}' is a superuser or has BYPASSRLS: row-level security "
                         f"would not apply to it (ALTER ROLE {role} NOSUPERUSER NOBYPASSRLS)")
    owned = conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                              "AND tableowner = :r ORDER BY 1"), {"r": role}).all()
    if owned:
        raise GrantError(f"role '{role}' owns {', '.join(owned)}: the application role must own "
                         "nothing (owners are exempt from row-level security); run migrations as "
                         "another role")
    schema = conn.scalar(text("SELECT current_schema()"))
    statements = [
        f'GRANT USAGE ON SCHEMA "{schema}" TO {role}',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO {role}',
        f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA "{schema}" TO {role}',
        # Tables and sequences the owner creates later (new migrations) get the same grants.
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}" GRANT SELECT, INSERT, UPDATE, DELETE '
        f"ON TABLES TO {role}",
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}" GRANT USAGE ON SEQUENCES TO {role}',
    ]
    # The schema's version and the record of cross-partnership access are not the app's to change.
    for table, rights in (("alembic_version", "INSERT, UPDATE, DELETE"),
                          ("cross_partnership_access", "UPDATE, DELETE")):
        if conn.scalar(text("SELECT to_regclass(:t)"), {"t": table}) is not None:
            statements.append(f"REVOKE {rights} ON {table} FROM {role}")
    if conn.scalar(text("SELECT to_regprocedure('cspr_outbox_backlog()')")) is not None:
        statements.append(f"GRANT EXECUTE ON FUNCTION cspr_outbox_backlog() TO {role}")
    for statement in statements:
        conn.execute(text(statement))
    return statements
