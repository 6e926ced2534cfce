"""A new area in an afternoon: the scaffold, pip-installed, passes the kit, and breaks helpfully."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cspr import create_app
from cspr.db import get_db, migrate
from cspr.partnerships import services as partnerships
from tests.helpers import cspr, embedded_env

pytestmark = pytest.mark.slow


def scaffold(tmp_path: Path, name: str = "tower-hamlets") -> tuple[Path, Path]:
    made = cspr("plugin", "new", name, "--directory", str(tmp_path))
    assert made.returncode == 0, made.stderr
    source = tmp_path / f"cspr-{name}"
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(site), str(source)], check=True, capture_output=True, timeout=300)
    return source, site


def run_its_tests(source: Path, site: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSPR_")}
    env["PYTHONPATH"] = str(site)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=source, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_scaffold_installs_passes_the_kit_and_serves_its_page(tmp_path, monkeypatch):
    source, site = scaffold(tmp_path)
    assert (source / "cspr_tower_hamlets" / "__init__.py").read_text().count("def cspr_") >= 2
    passed = run_its_tests(source, site)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "14 passed" in passed.stdout
    listed = cspr("plugins", env=embedded_env(tmp_path, PYTHONPATH=str(site)))
    assert "tower-hamlets 0.1.0  partnership=tower-hamlets  status=loaded" in listed.stdout

    monkeypatch.syspath_prepend(str(site))
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context():
        migrate.upgrade(get_db().engine)
        with get_db().session_scope() as session:
            partnerships.sync(session, app.extensions["cspr.plugins"])
    page = app.test_client().get("/tower-hamlets/")
    assert page.status_code == 200 and "Tower Hamlets Safeguarding Children Partnership" in page.get_data(as_text=True)

    # a deadline in the new area produces a reminder, in its outbox
    import datetime as dt

    from sqlalchemy import select

    from cspr.accounts.models import Role
    from cspr.accounts.users import create_user
    from cspr.cases import incidents
    from cspr.db.tenancy import acting_for
    from cspr.deadlines.tasks import run_sweep
    from cspr.messaging.models import OutboxMessage
    from cspr.services.context import Context

    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "tower-hamlets")
        create_user(session, "lead@towerhamlets.example.org", "Lead", "a long enough passphrase",
                    memberships=[(row, Role.ADMIN)])
        with acting_for(session, row.id):
            ctx = Context(session, row, app.extensions["cspr.plugins"].policy("tower-hamlets"), actor="test")
            day = dt.date(2026, 3, 3)
            incidents.record(ctx, pseudonym="Child T", la_case_reference="T1", la_area="Tower Hamlets",
                             age_band="1_4", harm="serious_harm", incident_on=day, aware_on=day)
    with app.app_context(), get_db().sessionmaker() as session:
        assert run_sweep(session, dt.date(2026, 3, 10)).messages == 1
        with acting_for(session, row.id):
            message = session.scalars(select(OutboxMessage)).one()
    assert message.recipient == "lead@towerhamlets.example.org" and "Child T" in message.subject


def test_breaking_a_rule_fails_the_kit_with_the_reason(tmp_path):
    source, _ = scaffold(tmp_path, "riverside")
    module = source / "cspr_riverside" / "__init__.py"
    module.write_text(module.read_text().replace(
        '# @hookimpl\n# def cspr_archive_rule() -> dict[str, Any]:\n'
        '#     return {"public_months": 12, "then": "on_request", "request_contact": "team@example.org"}',
        '@hookimpl\ndef cspr_archive_rule() -> dict[str, Any]:\n'
        '    return {"public_months": 6, "then": "nspcc"}'))
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--upgrade", "--target", str(site), str(source)], check=True, capture_output=True, timeout=300)
    failed = run_its_tests(source, site)
    assert failed.returncode == 1
    assert "the plugin does not load" in failed.stdout
    assert "riverside: cspr_archive_rule returned an invalid value" in failed.stdout
    assert "a report must stay public for at least 12 months (statutory minimum)" in failed.stdout


@pytest.mark.parametrize("name, message", [("Tower Hamlets", "lower-case letters"), ("x", "lower-case letters")])
def test_a_bad_name_is_refused(tmp_path, name, message):
    result = cspr("plugin", "new", name, "--directory", str(tmp_path))
    assert result.returncode == 1 and message in result.stderr


def test_an_existing_folder_is_not_overwritten(tmp_path):
    (tmp_path / "cspr-riverside").mkdir()
    result = cspr("plugin", "new", "riverside", "--directory", str(tmp_path))
    assert result.returncode == 1 and "exists already" in result.stderr


def test_the_scaffold_offers_every_hook_of_the_plugin_api(tmp_path):
    from cspr import hookspecs

    made = cspr("plugin", "new", "kingston-and-richmond", "--directory", str(tmp_path))
    assert made.returncode == 0, made.stderr
    module = (tmp_path / "cspr-kingston-and-richmond" / "cspr_kingston_and_richmond" / "__init__.py").read_text()
    hooks = sorted(n for n in dir(hookspecs) if n.startswith("cspr_"))
    missing = [hook for hook in hooks if f"def {hook}(" not in module]
    assert missing == [], f"the scaffold leaves out {missing}"
    assert '"name": "Kingston and Richmond Safeguarding Children Partnership"' in module
