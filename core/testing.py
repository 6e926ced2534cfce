"""The plugin author's kit: pytest fixtures and a conformance test for a partnership plugin.

Loaded by pytest through the ``pytest11`` entry point of the platform's distribution,
so a plugin's own test suite only needs::

    # pyproject.toml:  [tool.pytest.ini_options]  cspr_plugin = "riverside"
    from cspr.testing import ConformanceTests

    class TestConformance(ConformanceTests):
        pass

The fixtures build an app with just the author's plugin and the statutory defaults on a
throwaway SQLite database, migrated by the platform's own migrations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from cspr.plugins import PluginRegistry, Policy


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--cspr-plugin NAME`` or ``cspr_plugin = NAME`` in the ini file: the plugin under test."""
    parser.addoption("--cspr-plugin", default=None, help="entry-point name of the plugin under test")
    parser.addini("cspr_plugin", "entry-point name of the partnership plugin under test", default="")


@pytest.fixture(scope="session")
def cspr_plugin(request: pytest.FixtureRequest) -> str:
    """The entry-point name of the plugin under test."""
    name = request.config.getoption("--cspr-plugin") or request.config.getini("cspr_plugin")
    if not name:
        pytest.fail("say which plugin to test: cspr_plugin = \"<name>\" under [tool.pytest.ini_options], "
                    "or --cspr-plugin <name>")
    return name


@pytest.fixture(scope="session")
def cspr_registry(cspr_plugin: str) -> PluginRegistry:
    """The plugin under test, alone with the statutory defaults."""
    return PluginRegistry(allow=[cspr_plugin]).load()


@pytest.fixture(scope="session")
def cspr_policy(cspr_registry: PluginRegistry, cspr_plugin: str) -> Policy:
    """The loaded plugin's policy; fails with every reason the plugin was refused."""
    problems = [f"{e.plugin}: {e.reason}" for e in cspr_registry.errors]
    if problems:
        pytest.fail("the plugin does not load:\n  " + "\n  ".join(problems))
    found = [p for p in cspr_registry if p.plugin_name == cspr_plugin]
    if not found:
        pytest.fail(f"no installed plugin is called {cspr_plugin!r}: is the package installed, and is "
                    "its entry point in the 'cspr.partnerships' group?")
    return found[0]


def platform_with(plugin: str, folder: Any) -> Any:
    """The platform with only ``plugin``, on a new SQLite database in ``folder`` with its demo data."""
    from cspr import create_app
    from cspr.db import get_db, migrate
    from cspr.partnerships import demo
    from cspr.partnerships import services as partnerships

    app = create_app({"INSTANCE_PATH": str(folder), "PLUGINS_ALLOW": [plugin],
                      "BROKER_URL": "memory://", "TESTING": True})
    with app.app_context():
        migrate.upgrade(get_db().engine)
        with get_db().session_scope() as session:
            partnerships.sync(session, app.extensions["cspr.plugins"])
            demo.load(session, app.extensions["cspr.plugins"])
    return app


@pytest.fixture(scope="session")
def cspr_app(cspr_plugin: str, cspr_policy: Policy,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The platform with only this plugin, on a throwaway SQLite database with its demo data."""
    app = platform_with(cspr_plugin, tmp_path_factory.mktemp("cspr"))
    yield app
    app.extensions["cspr.db"].engine.dispose()


@pytest.fixture
def cspr_client(cspr_app: Any) -> Any:
    """A test client of that app."""
    return cspr_app.test_client()


class ConformanceTests:
    """What every partnership plugin must get right. Subclass it in the plugin's tests."""

    def test_it_loads_without_errors(self, cspr_policy: Policy) -> None:
        assert cspr_policy.slug

    def test_identity_is_complete_and_unique(self, cspr_policy: Policy) -> None:
        identity = cspr_policy.identity
        for key in ("slug", "name", "short_name", "areas", "contact"):
            assert identity[key], f"cspr_partnership: {key} is empty"
        everyone = PluginRegistry().load()
        clashes = [e.reason for e in everyone.errors if e.plugin == cspr_policy.plugin_name]
        assert not clashes, f"among the installed plugins: {clashes}"

    def test_the_three_safeguarding_partners_are_listed(self, cspr_policy: Policy) -> None:
        types = {a["type"] for a in cspr_policy.partners["safeguarding_partners"]}
        assert {"local_authority", "health", "police"} <= types

    def test_briefing_formats_render_in_html_pdf_and_word(self, cspr_policy: Policy, cspr_app: Any) -> None:
        import io

        from docx import Document
        from pypdf import PdfReader

        from cspr.publication.briefings import render_docx, render_html, render_pdf

        with cspr_app.test_request_context():
            for fmt in cspr_policy.briefing_formats:
                sections = {s["key"]: f"Text of {s['title']}" for s in fmt["sections"]}
                args = (fmt, "A test briefing", sections, cspr_policy.name)
                html = str(render_html(*args)).replace("&#39;", "'")
                pdf = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(*args))).pages)
                word = "\n".join(p.text for p in Document(io.BytesIO(render_docx(*args))).paragraphs)
                for section in fmt["sections"]:
                    for name, text in (("HTML", html), ("PDF", " ".join(pdf.split())), ("Word", word)):
                        assert section["title"] in text, (fmt["key"], section["key"], name)

    def test_the_archive_rule_keeps_reports_public_for_twelve_months(self, cspr_policy: Policy) -> None:
        assert cspr_policy.archive_rule["public_months"] >= 12

    def test_agencies_get_working_days_to_answer_an_information_request(self, cspr_policy: Policy) -> None:
        days = cspr_policy.information_request_days
        assert 1 <= days <= 60
        sent = dt.date(2026, 3, 2)
        assert cspr_policy.calendar.between(sent, cspr_policy.calendar.add(sent, days)) == days

    def test_the_reporting_year_starts_on_the_first_of_a_month(self, cspr_policy: Policy) -> None:
        assert 1 <= cspr_policy.reporting_year_start <= 12

    def test_closure_days_are_valid_for_the_years_ahead(self, cspr_policy: Policy) -> None:
        this_year = dt.date.today().year
        for year in range(this_year - 2, this_year + 6):
            days = cspr_policy.closure_days(year)
            assert all(d.year == year for d in days)

    def test_no_statutory_deadline_is_relaxed(self, cspr_policy: Policy) -> None:
        from cspr.defaults import STATUTORY_RULES

        for kind, law in STATUTORY_RULES.items():
            rule = cspr_policy.deadline_rules[kind]
            if law["direction"] == "within":
                assert rule["period"] <= law["period"], kind
            else:
                assert rule["period"] >= law["period"], kind

    def test_every_deadline_has_a_reminder_schedule(self, cspr_policy: Policy) -> None:
        for kind in [*cspr_policy.deadline_rules, "action_due"]:
            assert cspr_policy.reminder_schedule(kind), kind

    def test_the_public_page_renders(self, cspr_policy: Policy, cspr_client: Any) -> None:
        response = cspr_client.get(f"/{cspr_policy.slug}/")
        assert response.status_code == 200
        assert cspr_policy.name in response.get_data(as_text=True)

    def test_the_pages_words_keep_their_promises_after_archival(self, cspr_plugin: str, cspr_policy: Policy,
                                                                tmp_path: Any) -> None:
        """What the page blocks promise (``promises``) the page lists, today and once archival has run
        for today and for more than a year later (on a platform of its own: the shared one keeps its
        reviews on the page).
        """
        from pathlib import Path

        from cspr.archive import services as archive
        from cspr.db import get_db
        from cspr.publication import promises

        app = platform_with(cspr_plugin, tmp_path)
        try:
            client = app.test_client()
            today = dt.date.today()
            for day in (None, today, today + dt.timedelta(days=400)):
                if day is not None:
                    with app.app_context(), get_db().sessionmaker() as session:
                        archive.run(session, app.extensions["cspr.plugins"], day,
                                    Path(app.config["ARCHIVE_DIR"]), Path(app.config["DOCUMENTS_DIR"]))
                page = client.get(f"/{cspr_policy.slug}/").get_data(as_text=True)
                policy = app.extensions["cspr.plugins"].policy(cspr_policy.slug)
                assert promises.broken(policy, page) == [], day
        finally:
            app.extensions["cspr.db"].engine.dispose()

    def test_demo_content_loads(self, cspr_policy: Policy, cspr_client: Any) -> None:
        content = cspr_policy.demo_content()
        page = cspr_client.get(f"/{cspr_policy.slug}/").get_data(as_text=True)
        for review in content["reviews"]:
            if review["publication_form"] == "nspcc":  # published anonymously: never named on the page
                assert review["title"] not in page
                continue
            assert review["title"] in page.replace("&amp;", "&").replace("&#39;", "'")
