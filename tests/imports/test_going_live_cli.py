"""``cspr import``: the same check and import from the command line, with a non-zero exit and the reasons."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cspr.audit.models import AuditEvent
from cspr.cases.models import Incident
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.partnerships import services as partnerships
from cspr.services.context import Context
from tests.helpers import cspr, embedded_env
from tests.imports import kit
from tests.imports.test_going_live import BAD

pytestmark = [pytest.mark.commits, pytest.mark.slow]


def _files(app):
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            ctx = Context(session, row, app.extensions["cspr.plugins"].policy("doncaster"), actor="kit")
            return kit.workbook(ctx, BAD), kit.workbook(ctx, kit.GOOD)


def _count(app, model, **where):
    with app.app_context(), get_db().sessionmaker() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            query = select(func.count()).select_from(model)
            for name, value in where.items():
                query = query.where(getattr(model, name) == value)
            return session.scalar(query)


def test_the_cli_dry_run_exits_non_zero_with_each_problem_then_imports_the_corrected_file(
    app, pg_url, tmp_path
):
    bad, good = _files(app)
    (tmp_path / "bad.xlsx").write_bytes(bad)
    (tmp_path / "good.xlsx").write_bytes(good)
    env = embedded_env(tmp_path, CSPR_DATABASE_URL=pg_url)

    checked = cspr("import", str(tmp_path / "bad.xlsx"), "--partnership", "doncaster", "--dry-run", env=env)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "5 problems" in checked.stderr
    assert (
        "  - Incidents, row 3, Date the local authority became aware: enter a real date, like 27/03/2025"
        in (checked.stderr)
    )
    refused = cspr("import", str(tmp_path / "bad.xlsx"), "--partnership", "doncaster", env=env)
    assert refused.returncode == 1 and "Nothing was imported" in refused.stderr
    assert _count(app, Incident) == 0

    dry = cspr("import", str(tmp_path / "good.xlsx"), "--partnership", "doncaster", "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "every row is right. It would import 2 incidents, 2 reviews under way" in dry.stdout
    assert _count(app, Incident) == 0

    done = cspr(
        "import", str(tmp_path / "good.xlsx"), "--partnership", "doncaster", "--by", "Sam Jones", env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "Imported into doncaster: 2 incidents, 2 reviews under way, 1 published review, 2 actions."
    )
    assert _count(app, Incident) == 2
    assert _count(app, AuditEvent, action="record.imported", actor="cli:Sam Jones") == 8

    nowhere = cspr("import", str(tmp_path / "good.xlsx"), "--partnership", "nowhere", env=env)
    assert nowhere.returncode != 0 and "no partnership 'nowhere'" in nowhere.stderr
