"""A plugin written outside the repository, from the docs alone, installed with pip."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cspr import create_app
from cspr.db import get_db, migrate
from cspr.partnerships import demo
from cspr.partnerships import services as partnerships
from tests.helpers import cspr, embedded_env

pytestmark = pytest.mark.slow

DOCS = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
#: A plugin written from the docs before the core was laid out by domain, kept verbatim.
OUTSIDE = Path(__file__).resolve().parents[1] / "fixtures" / "outside_plugin"


def tutorial_files() -> tuple[str, str]:
    """The pyproject.toml and module the tutorial in docs/plugins.md shows, verbatim."""
    text = DOCS.read_text()
    tutorial = text.split("## Write a plugin for a new area", 1)[1].split("\n## ", 1)[0]
    toml = re.search(r"```toml\n(.*?)```", tutorial, re.S).group(1)
    module = re.search(r"```python\n(.*?)```", tutorial, re.S).group(1)
    return toml, module


def install(tmp_path: Path, module_source: str, toml: str | None = None) -> Path:
    """pip install the plugin into a folder of its own (not this environment)."""
    toml = toml or tutorial_files()[0]
    src = tmp_path / "cspr-riverside"
    src.mkdir()
    (src / "pyproject.toml").write_text(toml)
    (src / "cspr_riverside.py").write_text(module_source)
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(src)],
        check=True, capture_output=True, text=True, timeout=300,
    )
    return target


def test_the_tutorial_plugin_loads_as_a_fifth_partnership(tmp_path, monkeypatch):
    _, module = tutorial_files()
    site = install(tmp_path, module)
    env = embedded_env(tmp_path, PYTHONPATH=str(site))
    listed = cspr("plugins", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "riverside 1.0.0  partnership=riverside  status=loaded  dist=cspr-riverside" in listed.stdout
    assert listed.stdout.count("status=loaded") == 5

    monkeypatch.syspath_prepend(str(site))
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context():
        database = get_db()
        migrate.upgrade(database.engine)
        with database.session_scope() as session:
            partnerships.sync(session, app.extensions["cspr.plugins"])
    page = app.test_client().get("/riverside/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Riverside Safeguarding Children Partnership" in html
    assert "Riverside Police" in html
    assert "NSPCC National Case Review Repository" in html  # the default archive rule


def test_a_broken_outside_plugin_is_named_and_the_others_keep_serving(tmp_path):
    _, module = tutorial_files()
    broken = module + (
        "\n\n@hookimpl\ndef cspr_archive_rule():\n"
        '    """Too short."""\n    return {"public_months": 6, "then": "nspcc"}\n'
    )
    site = install(tmp_path, broken)
    env = embedded_env(tmp_path, PYTHONPATH=str(site))
    check = cspr("plugins", "check", env=env)
    assert check.returncode == 1
    assert "broken  riverside:" in check.stdout
    assert "at least 12 months" in check.stdout
    assert check.stdout.count("ok ") == 4
    strict = cspr("plugins", env={**env, "CSPR_PLUGINS_STRICT": "true"})
    assert strict.returncode == 1
    assert "plugin 'riverside'" in strict.stderr


def test_a_plugin_written_before_the_domain_layout_runs_unchanged(tmp_path, monkeypatch):
    """Every hook's example from the reference, as an author wrote them against the old layout."""
    site = install(tmp_path, (OUTSIDE / "cspr_riverside.py").read_text(),
                   (OUTSIDE / "pyproject.toml").read_text())
    env = embedded_env(tmp_path, PYTHONPATH=str(site))
    check = cspr("plugins", "check", env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("ok ") == 5

    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, "cspr_riverside", raising=False)  # another test's riverside
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    policy = app.extensions["cspr.plugins"].policies["riverside"]
    assert policy.deadline_rules["rapid_review"]["anchor"] == "aware"  # made stricter
    assert policy.deadline_rules["terms_agreed"]["statutory"] is False  # a local target of its own
    assert dt.date(2026, 12, 29) in policy.closure_days(2026)
    assert [s["key"] for s in policy.reminder_schedule("notify_panel")] == ["two-days", "due", "chase"]
    assert "scr" in policy.review_kinds and "County lines" in policy.themes
    assert "riverside.weekly_digest" in app.extensions["celery"].tasks
    with app.app_context():
        database = get_db()
        migrate.upgrade(database.engine)
        with database.session_scope() as session:
            partnerships.sync(session, app.extensions["cspr.plugins"])
            demo.load(session, app.extensions["cspr.plugins"])
    html = app.test_client().get("/riverside/").get_data(as_text=True)
    assert "Riverside Police" in html
    assert "Child R" in html  # its demo review, published
    assert "safeguarding@riverside.example.org" in html  # reports on request after 12 months
