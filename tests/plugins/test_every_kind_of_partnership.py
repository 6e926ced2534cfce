"""Issue 17's check: a fifth partnership written from the docs, installed outside the repository.

Two local authority areas, joint DHR and SAR reviews, legacy reviews dated by year only, a report
published anonymously through the NSPCC and archiving per kind: it loads, passes the kit, and its
page says what its real one would.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from cspr import create_app
from cspr.accounts.models import Membership
from cspr.archive import services as archive
from cspr.db import get_db, migrate
from cspr.db.tenancy import acting_for
from cspr.partnerships import demo
from cspr.partnerships import services as partnerships
from cspr.reviews.models import Review
from tests.cli.test_scaffold import run_its_tests
from tests.helpers import cspr, embedded_env

pytestmark = pytest.mark.slow

#: Written from docs/plugins.md and docs/plugin-tutorial.md (the hooks' examples), not from the code.
MODULE = '''"""Local policy of the Kingston and Richmond Safeguarding Children Partnership."""

from cspr import hookimpl


@hookimpl
def cspr_partnership():
    return {"slug": "kingston-and-richmond",
            "name": "Kingston and Richmond Safeguarding Children Partnership",
            "short_name": "KRSCP", "areas": ["Kingston upon Thames", "Richmond upon Thames"],
            "contact": {"email": "team@kr.example.org"},
            "chair": {"name": "A. Chair", "title": "Independent Chair", "email": "chair@kr.example.org"}}


@hookimpl
def cspr_partners():
    return {"safeguarding_partners": [
        {"key": "kingston", "name": "Royal Borough of Kingston upon Thames", "type": "local_authority"},
        {"key": "icb", "name": "NHS South West London ICB", "type": "health"},
        {"key": "met", "name": "Metropolitan Police Service", "type": "police"}]}


@hookimpl
def cspr_archive_rule():
    return {"public_months": 12, "then": "nspcc",
            "kinds": {"scr": {"then": "keep", "legacy": True},
                      "joint_dhr": {"public_months": 24, "then": "nspcc"}}}


@hookimpl
def cspr_review_kinds():
    return ["scr",
            {"key": "joint_dhr", "publication": {"co_publisher": "Kingston Community Safety Partnership"},
             "clocks": [{"key": "dhr_home_office", "label": "Send the DHR to the Home Office",
                         "anchor": "final_report_agreed", "period": 10, "unit": "working_days",
                         "met_by": "published"}]},
            {"key": "joint_sar", "name": "Joint CSPR and safeguarding adults review"}]


@hookimpl
def cspr_demo_content():
    return {"reviews": [
        {"kind": "scr", "title": "Child K", "published_on": "2015", "legacy": True,
         "report_url": "https://library.nspcc.org.uk/example-child-k"},
        {"kind": "local_cspr", "title": "Child L", "published_on": "2024-05-02"},
        {"kind": "joint_dhr", "title": "Adult and Child M", "published_on": "2024-06-03",
         "co_publisher": "Kingston Community Safety Partnership", "authors": ["An Author"]},
        {"kind": "local_cspr", "title": "Child N", "published_on": "2025-03",
         "publication_form": "nspcc", "publication_note": "Too sensitive to publish locally."}]}
'''

PYPROJECT = '''[build-system]
requires = ["setuptools>=75"]
build-backend = "setuptools.build_meta"

[project]
name = "cspr-kingston-and-richmond"
version = "0.1.0"
dependencies = ["cspr-platform"]

[project.entry-points."cspr.partnerships"]
kingston-and-richmond = "cspr_kingston_and_richmond"

[tool.setuptools]
packages = ["cspr_kingston_and_richmond"]

[tool.pytest.ini_options]
cspr_plugin = "kingston-and-richmond"
testpaths = ["tests"]
'''


def test_a_fifth_partnership_of_every_kind_loads_passes_the_kit_and_shows_its_page(tmp_path, monkeypatch):
    made = cspr("plugin", "new", "kingston-and-richmond", "--directory", str(tmp_path))
    assert made.returncode == 0, made.stderr
    source = tmp_path / "cspr-kingston-and-richmond"
    (source / "pyproject.toml").write_text(PYPROJECT)
    (source / "cspr_kingston_and_richmond" / "__init__.py").write_text(MODULE)
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(site), str(source)], check=True, capture_output=True, timeout=300)
    check = cspr("plugins", "check", env=embedded_env(tmp_path, PYTHONPATH=str(site)))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "ok      kingston-and-richmond (kingston-and-richmond)" in check.stdout
    kit = run_its_tests(source, site)
    assert kit.returncode == 0, kit.stdout + kit.stderr

    monkeypatch.syspath_prepend(str(site))
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    registry = app.extensions["cspr.plugins"]
    with app.app_context():
        migrate.upgrade(get_db().engine)
        with get_db().session_scope() as session:
            demo.load(session, registry)
            demo.load_accounts(session, registry, "a long enough passphrase")
    html = app.test_client().get("/kingston-and-richmond/").get_data(as_text=True)
    assert "Kingston upon Thames, Richmond upon Thames" in html
    assert "Published 2015" in html and "https://library.nspcc.org.uk/example-child-k" in html
    assert "Child L" in html and "Joint review with a domestic homicide review" in html
    assert "with Kingston Community Safety Partnership" in html and "Written by An Author" in html
    assert "Child N" not in html and "1 review published anonymously through the NSPCC" in html
    assert "Joint reviews with a domestic homicide review stay on this page for at least 24 months" in html

    with app.app_context(), get_db().sessionmaker() as session:
        result = archive.run(session, registry, dt.date(2025, 6, 10), Path(app.config["ARCHIVE_DIR"]),
                             Path(app.config["DOCUMENTS_DIR"]))
        assert result.problems == []
        row = partnerships.get(session, "kingston-and-richmond")
        with acting_for(session, row.id):
            state = {r.title: r.archive_outcome for r in session.scalars(select(Review))}
            assert session.scalars(select(Membership)).all() == []  # no demo admin in a real partnership
    assert state["Child L"].value == "nspcc"  # a CSPR, 12 months on
    assert state["Adult and Child M"] is None  # a joint DHR: 24 months
    assert state["Child K"] is None  # the legacy SCR stays on the page
