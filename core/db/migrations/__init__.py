"""Alembic migrations: the schema's history. The test database is built from these."""
