"""The app's PostgreSQL connections: no JIT compilation of its short, indexed queries."""

from __future__ import annotations

from sqlalchemy import text

from cspr.db import get_db


def test_the_apps_postgresql_connections_do_not_jit_compile_plans(app):
    # JIT cost the deadline sweep ~12 ms a run at national scale (bench/national.py), for a 0.1 ms query
    with app.app_context(), get_db().engine.connect() as conn:
        assert conn.execute(text("SHOW jit")).scalar() == "off"
