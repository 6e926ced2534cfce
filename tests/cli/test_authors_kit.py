"""The gaps a new plugin author found: each one closed, and kept closed."""

from __future__ import annotations

import inspect
import io
import re
from pathlib import Path

import pytest

from cspr import testing as kit
from cspr.cli.scaffold import new_plugin
from cspr.deadlines import reminders
from cspr.defaults import NATIONAL_THEMES
from cspr.partnerships.policy import IdentitySchema, PersonSchema
from cspr.plugins import PluginRegistry
from tests.helpers import cspr, embedded_env
from tests.plugin_kit import Minimal, plugin_with

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = (ROOT / "docs" / "plugin-tutorial.md").read_text()
REFERENCE = (ROOT / "docs" / "plugins.md").read_text()


def test_cspr_themes_prints_the_national_themes_and_a_partnerships_own(tmp_path):
    env = embedded_env(tmp_path)
    national = cspr("themes", env=env)
    assert national.returncode == 0, national.stderr
    assert national.stdout.splitlines() == NATIONAL_THEMES
    york = cspr("themes", "--partnership", "southampton", env=env)
    assert york.returncode == 0 and "Neglect" in york.stdout
    unknown = cspr("themes", "--partnership", "atlantis", env=env)
    assert unknown.returncode == 1 and "no loaded partnership is called 'atlantis'" in unknown.stderr


def test_the_scaffold_keeps_and_in_the_areas_name(tmp_path):
    made = new_plugin("kingston-and-richmond", tmp_path)
    module = (made / "cspr_kingston_and_richmond" / "__init__.py").read_text()
    assert '"name": "Kingston and Richmond Safeguarding Children Partnership"' in module
    assert '"short_name": "KRSCP"' in module
    named = cspr("plugin", "new", "kr", "--name", "Kingston and Richmond", "--directory", str(tmp_path),
                 env=embedded_env(tmp_path))
    assert named.returncode == 0, named.stderr
    assert "Kingston and Richmond Safeguarding Children Partnership" in (
        tmp_path / "cspr-kr" / "cspr_kr" / "__init__.py").read_text()
    bad = cspr("plugin", "new", "kx", "--name", 'Kingston "and" <Richmond>', "--directory", str(tmp_path),
               env=embedded_env(tmp_path))
    assert bad.returncode == 1 and "--name is the area's name in words" in bad.stderr


def test_every_identity_field_and_the_chairs_email_are_in_the_reference():
    section = REFERENCE[REFERENCE.index("### cspr_partnership\n"):REFERENCE.index("### cspr_partners\n")]
    for name in IdentitySchema._declared_fields:
        assert f"`{name}`" in section, name
    for name in PersonSchema._declared_fields:
        assert f'"{name}"' in section, name
    from cspr import hookspecs

    assert '"email"' in hookspecs.cspr_partnership.__doc__ and "escalations" in hookspecs.cspr_partnership.__doc__
    assert "With no chair, or a chair without an `email`, it goes to the partnership's" in section


@pytest.mark.parametrize("chair, expected", [
    ({"name": "A Chair", "title": "Independent Chair", "email": "chair@riverside.example.org"},
     "chair@riverside.example.org"),
    ({"name": "A Chair", "title": "Independent Chair"}, "team@riverside.example.org"),
    (None, "team@riverside.example.org"),
])
def test_an_escalation_reaches_the_chair_or_the_team_without_one(chair, expected):
    from cspr import hookimpl

    class WithChair(Minimal):
        @hookimpl
        def cspr_partnership(self):
            return {**Minimal.cspr_partnership(self), "chair": chair}

    plugin = WithChair()
    policy = PluginRegistry(extra=[("riverside", plugin)]).load().policy("riverside")
    assert reminders._recipients(["chair"], policy, {}, None, {}) == [expected]


def test_invalid_demo_content_means_the_plugin_does_not_load_with_the_reason():
    bad = plugin_with(cspr_demo_content=lambda: {"reviews": [
        {"kind": "local_cspr", "title": "Child X", "published_on": "some day"}]})
    registry = PluginRegistry(extra=[("riverside", bad)]).load()
    assert "riverside" not in registry.policies
    (error,) = [e for e in registry.errors if e.plugin == "riverside"]
    assert "cspr_demo_content returned an invalid value" in error.reason
    assert "'some day' is not a date" in error.reason
    unknown_theme = plugin_with(cspr_demo_content=lambda: {"reviews": [
        {"kind": "local_cspr", "title": "Child Y", "published_on": "2024", "themes": ["Made up"]}]})
    registry = PluginRegistry(extra=[("riverside", unknown_theme)]).load()
    (error,) = [e for e in registry.errors if e.plugin == "riverside"]
    assert error.reason == "demo review 'Child Y' has unknown themes ['Made up']"
    # the kit's fixture reports it in the same words as every other refusal
    assert 'pytest.fail("the plugin does not load:' in inspect.getsource(kit.cspr_policy)


def test_line_breaks_in_a_briefing_section_are_the_same_in_html_pdf_and_word(app):
    from docx import Document
    from pypdf import PdfReader

    from cspr.publication.briefings import render_docx, render_html, render_pdf

    fmt = {"key": "f", "name": "Format", "sections": [{"key": "s", "title": "Section"}]}
    sections = {"s": "First line\r\nSecond line\r\n\r\nNext paragraph\n \nLast one"}
    with app.test_request_context():
        html = str(render_html(fmt, "Briefing", sections, "Riverside"))
        pdf = PdfReader(io.BytesIO(render_pdf(fmt, "Briefing", sections, "Riverside"))).pages[0].extract_text()
        word = [p.text for p in Document(io.BytesIO(render_docx(fmt, "Briefing", sections, "Riverside"))).paragraphs]
    assert re.findall(r'<p class="govuk-body">(.*?)</p>', html) == [
        "First line<br>Second line", "Next paragraph", "Last one"]
    assert word[-3:] == ["First line\nSecond line", "Next paragraph", "Last one"]
    lines = [line.strip() for line in pdf.splitlines()]
    assert lines[lines.index("First line") + 1] == "Second line"  # a line break, not "First line Second line"
    assert "Next paragraph" in lines and "Last one" in lines


def test_users_create_without_a_password_in_a_script_says_so(upgraded_env):
    result = cspr("users", "create", "--email", "lead@york.example.org", "--name", "Lead",
                  "--partnership", "york:admin", env=upgraded_env, input="")
    assert result.returncode == 2
    assert "no --password was given, and this shell is not interactive" in result.stderr
    assert "Aborted" not in result.stderr and "Traceback" not in result.stderr


def test_the_tutorial_covers_two_factor_set_up_and_the_kits_fixtures():
    assert "At the first sign-in" in TUTORIAL and "two-factor authentication" in TUTORIAL
    assert "recovery codes" in TUTORIAL
    fixtures = [name for name, obj in vars(kit).items() if hasattr(obj, "_fixture_function_marker")
                or type(obj).__name__ == "FixtureFunctionDefinition"]
    assert {"cspr_app", "cspr_client", "cspr_policy", "cspr_registry", "cspr_plugin"} <= set(fixtures)
    for name in fixtures:
        assert f"| `{name}` |" in TUTORIAL, f"the tutorial does not document the kit's fixture {name}"


def test_a_fifth_partnership_gets_no_demo_admin_or_cases_unless_asked(app):
    from sqlalchemy import select

    from cspr.accounts.models import Membership, User
    from cspr.db import get_db
    from cspr.db.tenancy import acting_for
    from cspr.partnerships import demo
    from cspr.partnerships import services as partnerships

    registry = PluginRegistry(extra=[("riverside", Minimal())]).load()
    assert demo.demo_partnerships(registry) == {"doncaster", "plymouth", "southampton", "york"}
    assert "riverside" in demo.demo_partnerships(registry, ("riverside",))
    with app.app_context(), get_db().session_scope() as session:
        demo.load_accounts(session, registry, "a long enough passphrase")
        admin = session.scalar(select(User).where(User.email == "admin@demo.example.org"))
        riverside = partnerships.get(session, "riverside")
        with acting_for(session, riverside.id):
            assert session.scalar(select(Membership).where(Membership.user_id == admin.id)) is None
        york = partnerships.get(session, "york")
        with acting_for(session, york.id):
            assert session.scalar(select(Membership).where(Membership.user_id == admin.id)) is not None
        demo.load_accounts(session, registry, "a long enough passphrase",
                           only=demo.demo_partnerships(registry, ("riverside",)))
        with acting_for(session, riverside.id):
            assert session.scalar(select(Membership).where(Membership.user_id == admin.id)) is not None
