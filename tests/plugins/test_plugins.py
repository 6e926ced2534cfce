"""Loading plugins: discovery, the per-partnership view, defaults, and broken plugins refused."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from cspr import create_app
from cspr.plugins import PluginRegistry, PluginsFailed
from tests.plugin_kit import Minimal, plugin_with

BUNDLED = {"doncaster", "plymouth", "southampton", "york"}


def load(*extra, **kw) -> PluginRegistry:
    return PluginRegistry(extra=[(getattr(p, "slug", "x"), p) for p in extra], **kw).load()


def error_of(reg: PluginRegistry, name: str) -> str:
    (error,) = [e for e in reg.errors if e.plugin == name]
    return error.reason


def test_the_four_bundled_partnerships_load_through_entry_points(registry):
    assert set(registry.policies) == BUNDLED
    infos = {i.name: i for i in registry.infos}
    assert infos["york"].distribution == "cspr-platform"
    assert infos["doncaster"].status == "loaded"
    assert "cspr_partnership" in infos["plymouth"].hooks


def test_each_partnership_sees_only_its_own_answers(registry):
    formats = {slug: {f["name"] for f in registry.policy(slug).briefing_formats} for slug in BUNDLED}
    assert "Learning on a Page" in formats["plymouth"]
    assert "Learning on a Page" not in formats["doncaster"]
    assert "Learning on a Page" not in formats["southampton"]
    # the defaults' format is offered to everyone, after the partnership's own
    for slug in BUNDLED:
        assert registry.policy(slug).briefing_formats[-1]["key"] == "seven-minute"


def test_a_plugin_that_leaves_a_hook_gets_the_statutory_default():
    reg = load(Minimal())
    policy = reg.policy("riverside")
    assert policy.archive_rule == {"public_months": 12, "then": "nspcc", "request_contact": None,
                                   "legacy": False, "briefings": "keep", "kinds": {}}
    assert policy.deadline_rules["notify_panel"]["period"] == 5
    assert [s["key"] for s in policy.reminder_schedule("rapid_review")] == [
        "upcoming", "due", "overdue", "escalated"]
    assert policy.review_kinds == ["local_cspr", "local_learning", "thematic"]


def test_a_stricter_local_rule_is_accepted():
    def cspr_deadline_rules(statutory):
        statutory["notify_panel"]["period"] = 3
        statutory["rapid_review"]["anchor"] = "aware"
        statutory["panel_draft"] = {
            "label": "Draft rapid review to partners", "anchor": "notification", "period": 10,
            "unit": "working_days", "direction": "within", "statutory": False,
            "met_by": "rapid_review_sent",
        }
        return statutory

    reg = load(plugin_with(cspr_deadline_rules=cspr_deadline_rules))
    rules = reg.policy("riverside").deadline_rules
    assert rules["notify_panel"]["period"] == 3
    assert rules["rapid_review"]["anchor"] == "aware"
    assert rules["panel_draft"]["statutory"] is False


@pytest.mark.parametrize("change, message", [
    (lambda r: r["notify_panel"].update(period=10), "'notify_panel' would relax a statutory deadline"),
    (lambda r: r["rapid_review"].update(anchor="decision"), "counts from 'notification' by law"),
    (lambda r: r["report_to_panel"].update(period=5), "must be at least 7 working days"),
    (lambda r: r["public_period"].update(period=6), "must be at least 12 months"),
    (lambda r: r.pop("publication"), "'publication' cannot be removed"),
    (lambda r: r["publication"].update(unit="working_days"), "must stay within 6 months"),
    (lambda r: r["notify_panel"].update(statutory=False), "is statutory and must stay so"),
    (lambda r: r["notify_panel"].update(met_by="published"), "is met by 'notification' by law"),
    (lambda r: r.update(local={"label": "Local", "anchor": "aware", "period": 3, "unit": "working_days",
                               "direction": "within", "statutory": False}), "needs met_by"),
])
def test_relaxing_a_statutory_deadline_is_refused_at_load(change, message):
    def cspr_deadline_rules(statutory):
        change(statutory)
        return statutory

    reg = load(plugin_with(cspr_deadline_rules=cspr_deadline_rules))
    assert "riverside" not in reg.policies
    assert message in error_of(reg, "riverside")
    assert set(reg.policies) == BUNDLED  # the others are unaffected


@pytest.mark.parametrize("hooks, message", [
    ({"cspr_archive_rule": lambda: {"public_months": 6, "then": "nspcc"}},
     "at least 12 months"),
    ({"cspr_archive_rule": lambda: {"public_months": 12, "then": "on_request"}},
     "'on_request' needs a request_contact"),
    ({"cspr_review_kinds": lambda: ["local_cspr", "inquest"]}, "unknown kinds ['inquest']"),
    ({"cspr_briefing_formats": lambda: {"key": "x"}}, "must return a list"),
    ({"cspr_closure_days": lambda year: ["31/12/2026"]}, "not an ISO date"),
    ({"cspr_closure_days": lambda year: [dt.date(1999, 1, 4)]}, "days of another year"),
    ({"cspr_reminder_schedule": lambda kind: [{"key": "x", "offset": 0,
                                               "recipients": ["everyone"]}]},
     "unknown recipients"),
    ({"cspr_public_page_blocks": lambda: [{"key": "a", "title": "A", "body": "<b>hi</b>"}]},
     "no HTML"),
    ({"cspr_archive_rule": lambda: 1 / 0}, "cspr_archive_rule raised ZeroDivisionError"),
    ({"cspr_information_request_days": lambda: 0}, "between 1 and 60 working days"),
    ({"cspr_reporting_year_start": lambda: 13}, "starts in a month from 1 (January) to 12 (December)"),
])
def test_a_wrong_answer_stops_that_plugin_with_its_name_and_reason(hooks, message):
    reg = load(plugin_with(**hooks))
    assert message in error_of(reg, "riverside")
    assert set(reg.policies) == BUNDLED


def test_partners_must_include_the_three_statutory_partners():
    reg = load(plugin_with(cspr_partners=lambda: {"safeguarding_partners": [
        {"key": "council", "name": "Riverside Council", "type": "local_authority"}]}))
    assert "must include health, police" in error_of(reg, "riverside")


def test_a_misspelt_hook_is_caught_by_check_pending():
    reg = load(plugin_with(cspr_archve_rule=lambda: None))
    assert "does not exist" in error_of(reg, "riverside")
    assert "cspr_archve_rule" in error_of(reg, "riverside")


def test_a_plugin_without_the_required_hooks_is_refused():
    class Empty:
        slug = "empty"

    reg = load(Empty())
    assert "required hooks cspr_partnership, cspr_partners" in error_of(reg, "empty")


def test_two_plugins_cannot_claim_one_slug():
    twin = Minimal(slug="york", name="Another York")
    reg = PluginRegistry(extra=[("twin", twin)]).load()
    assert "already taken by plugin 'york'" in error_of(reg, "twin")
    assert reg.policy("york").name != "Another York"


def test_allow_and_deny_lists_choose_what_loads():
    assert set(load(allow=["york", "plymouth"]).policies) == {"york", "plymouth"}
    reg = load(deny=["doncaster"])
    assert set(reg.policies) == BUNDLED - {"doncaster"}
    assert {i.name: i.status for i in reg.infos}["doncaster"] == "denied"


def test_strict_mode_refuses_to_start_and_names_the_plugin(tmp_path):
    bad = plugin_with(cspr_archive_rule=lambda: {"public_months": 3, "then": "keep"})
    with pytest.raises(PluginsFailed, match="plugin 'riverside'"):
        create_app({"PLUGINS_STRICT": True, "EXTRA_PLUGINS": [("riverside", bad)],
                    "INSTANCE_PATH": str(tmp_path)})


def test_a_broken_plugin_is_logged_and_the_app_still_serves_the_others(tmp_path, caplog):
    bad = plugin_with(cspr_archive_rule=lambda: {"public_months": 3, "then": "keep"})
    with caplog.at_level(logging.ERROR, logger="cspr.plugins"):
        app = create_app({"EXTRA_PLUGINS": [("riverside", bad)], "INSTANCE_PATH": str(tmp_path)})
    assert "plugin 'riverside'" in caplog.text
    registry = app.extensions["cspr.plugins"]
    assert set(registry.policies) == BUNDLED


# -- one test per hook: each hook's answer reaches the policy --------------------------

def test_hook_cspr_partnership(registry):
    doncaster = registry.policy("doncaster").identity
    assert doncaster["short_name"] == "DSCP"
    assert doncaster["chair"]["name"] == "Dot Evans"
    assert registry.policy("southampton").identity["contact"]["email"] == (
        "safeguarding.partnershipsteam@southampton.gov.uk")


def test_hook_cspr_partners(registry):
    def names(slug):
        return {a["name"] for a in registry.policy(slug).partners["safeguarding_partners"]}

    assert {"NHS South Yorkshire Integrated Care Board", "South Yorkshire Police"} <= names("doncaster")
    assert "Devon and Cornwall Police" in names("plymouth")
    assert "Hampshire and Isle of Wight Constabulary" in names("southampton")
    assert "North Yorkshire Police" in names("york")


def test_hook_cspr_briefing_formats(registry):
    plymouth = registry.policy("plymouth").briefing_formats[0]
    assert plymouth["name"] == "Learning on a Page"
    assert [s["title"] for s in plymouth["sections"]][:3] == [
        "The child's lived experience", "Key learning", "Learning into practice"]
    assert len(registry.policy("southampton").briefing_formats[0]["sections"]) == 6


def test_hook_cspr_archive_rule(registry):
    assert registry.policy("doncaster").archive_rule["then"] == "nspcc"
    southampton = registry.policy("southampton").archive_rule
    assert southampton["then"] == "on_request"
    assert "southampton.gov.uk" in southampton["request_contact"]
    assert registry.policy("york").archive_rule["then"] == "keep"
    plymouth = registry.policy("plymouth")
    assert plymouth.archive_rule_for("local_cspr")["then"] == "nspcc"
    assert plymouth.archive_rule_for("scr", legacy=True)["then"] == "keep"


def test_a_rule_per_kind_never_takes_a_cspr_off_the_page_before_twelve_months():
    reg = load(plugin_with(cspr_archive_rule=lambda: {
        "public_months": 12, "then": "nspcc", "kinds": {"local_cspr": {"public_months": 6, "then": "nspcc"}}}))
    reason = error_of(reg, "riverside")
    assert "the rule for a local child safeguarding practice review ('local_cspr')" in reason
    assert "after 6 months" in reason and "at least 12 months" in reason
    assert set(reg.policies) == BUNDLED
    reg = load(plugin_with(cspr_archive_rule=lambda: {
        "public_months": 12, "then": "nspcc", "kinds": {"inquest": {"then": "keep"}}}))
    assert "archive rules for unknown kinds ['inquest']" in error_of(reg, "riverside")
    reg = load(plugin_with(cspr_archive_rule=lambda: {
        "public_months": 12, "then": "nspcc", "kinds": {"thematic": {"then": "on_request"}}}))
    assert "'on_request' and needs a request_contact" in error_of(reg, "riverside")


def test_a_rule_for_new_reviews_leaves_imported_legacy_ones_unless_it_says_so():
    plain = load(plugin_with(cspr_archive_rule=lambda: {"public_months": 12, "then": "nspcc"}))
    policy = plain.policy("riverside")
    assert policy.archive_rule_for("local_cspr", legacy=False)["then"] == "nspcc"
    assert policy.archive_rule_for("local_cspr", legacy=True)["then"] == "keep"
    assert policy.archive_rule_for("scr", legacy=True)["then"] == "keep"
    says_so = load(plugin_with(cspr_archive_rule=lambda: {
        "public_months": 12, "then": "nspcc", "kinds": {"scr": {"public_months": 24, "then": "on_request",
                                                                "request_contact": "team@example.org",
                                                                "legacy": True}}}))
    policy = says_so.policy("riverside")
    assert policy.archive_rule_for("scr", legacy=True) == {
        "public_months": 24, "then": "on_request", "request_contact": "team@example.org", "legacy": True,
        "briefings": "keep"}
    assert policy.archive_rule_for("local_cspr", legacy=True)["then"] == "keep"
    assert policy.archive_request_contact == "team@example.org"


def test_hook_cspr_closure_days():
    reg = load(plugin_with(cspr_closure_days=lambda year: [dt.date(year, 12, 29), f"{year}-12-30"]))
    policy = reg.policy("riverside")
    assert policy.closure_days(2031) == {dt.date(2031, 12, 29), dt.date(2031, 12, 30)}
    # a closure day is not a working day: 5 working days from Christmas Eve 2031 (a Wednesday)
    # skips 25-26 (bank holidays), 27-28 (weekend), 29-30 (closure): 31 Dec, 1 Jan is a
    # bank holiday, then 2, 5, 6, 7 Jan 2032.
    assert policy.calendar.add(dt.date(2031, 12, 24), 5) == dt.date(2032, 1, 7)


def test_hook_cspr_deadline_rules(registry):
    for policy in registry:
        rules = policy.deadline_rules
        assert rules["notify_panel"]["period"] <= 5
        assert rules["rapid_review"]["period"] <= 15


def test_hook_cspr_reminder_schedule():
    def cspr_reminder_schedule(kind):
        if kind == "notify_panel":
            return [{"key": "day-before", "offset": -1, "recipients": ["admin", "lead@x.example"]},
                    {"key": "chase", "offset": 2, "recipients": ["chair"]}]
        return None

    policy = load(plugin_with(cspr_reminder_schedule=cspr_reminder_schedule)).policy("riverside")
    assert [s["key"] for s in policy.reminder_schedule("notify_panel")] == ["day-before", "chase"]
    assert policy.reminder_schedule("publication")[0]["key"] == "upcoming"  # the default


def test_hook_cspr_review_kinds(registry):
    assert "scr" in registry.policy("plymouth").review_kinds
    assert "local_cspr" in registry.policy("southampton").review_kinds


def test_closure_days_that_fail_for_a_year_stop_the_plugin_at_load():
    def cspr_closure_days(year):
        if year < 2020:
            raise RuntimeError("closure days before 2020 are not known")
        return []

    reg = load(plugin_with(cspr_closure_days=cspr_closure_days))
    assert "cspr_closure_days raised RuntimeError: closure days before 2020" in error_of(reg, "riverside")
    assert set(reg.policies) == BUNDLED


def test_hook_cspr_themes():
    policy = load(plugin_with(cspr_themes=lambda: ["County lines", "Neglect"])).policy("riverside")
    assert "County lines" in policy.themes
    assert policy.themes.count("Neglect") == 1  # merged with the national theme


def test_hook_cspr_public_page_blocks(registry):
    blocks = registry.policy("doncaster").public_blocks
    assert any("Cameron" in b["title"] + b["body"] for b in blocks)


def test_dated_blocks_show_only_in_their_window():
    blocks = lambda: [  # noqa: E731
        {"key": "statement", "title": "Chair's statement", "body": "On publication.",
         "since": "2026-01-10", "until": "2026-07-10"},
        {"key": "always", "title": "About", "body": "Always here.", "position": "bottom"},
    ]
    policy = load(plugin_with(cspr_public_page_blocks=blocks)).policy("riverside")
    assert [b["key"] for b in policy.blocks("top", on=dt.date(2026, 3, 1))] == ["statement"]
    assert policy.blocks("top", on=dt.date(2026, 7, 11)) == []
    assert policy.blocks("top", on=dt.date(2026, 1, 9)) == []
    assert [b["key"] for b in policy.blocks("bottom", on=dt.date(2030, 1, 1))] == ["always"]


def test_hook_cspr_demo_content(registry):
    titles = {r["title"] for r in registry.policy("southampton").demo_content()["reviews"]}
    assert {"Willow", "Uma", "Stephen", "TED"} <= titles
    york = {r["title"]: r for r in registry.policy("york").demo_content()["reviews"]}
    assert york["Child B"]["publication_form"] == "summary"
    assert york["Baby A"]["publication_form"] == "redacted"


def test_demo_content_must_fit_the_partnerships_own_vocabulary():
    def demo(kind="local_cspr", themes=("Neglect",), sections=None):
        return lambda: {
            "reviews": [{"kind": kind, "title": "Child R", "published_on": "2026-01-05",
                         "themes": list(themes)}],
            "briefings": [{"format": "seven-minute", "title": "Briefing B",
                           "sections": sections or {"background": "text"}}],
        }

    assert load(plugin_with(cspr_demo_content=demo())).policy("riverside").demo_content()
    for bad, message in [(demo(kind="scr"), "kind 'scr' is not one of this partnership's"),
                         (demo(themes=["Alchemy"]), "unknown themes ['Alchemy']"),
                         (demo(sections={"intro": "x"}), "unknown sections ['intro']")]:
        reg = load(plugin_with(cspr_demo_content=bad))  # refused when it loads, with the reason
        assert "riverside" not in reg.policies and message in error_of(reg, "riverside")


def test_hook_cspr_register_tasks(tmp_path):
    from flask import current_app

    ran = []

    def cspr_register_tasks(celery):
        @celery.task(name="riverside.count", shared=False)
        def count():
            ran.append(current_app.name)  # runs in the app's context
            return "counted"

    app = create_app({"EXTRA_PLUGINS": [("riverside", plugin_with(cspr_register_tasks=cspr_register_tasks))],
                      "INSTANCE_PATH": str(tmp_path)})
    celery = app.extensions["celery"]
    assert "riverside.count" in celery.tasks
    assert celery.tasks["riverside.count"].apply().get() == "counted"
    assert ran == ["cspr"]


def test_a_plugin_failing_at_runtime_fails_only_its_own_partnership(pg_url, app_pg_url, tmp_path):
    from cspr.accounts.models import Role
    from cspr.calendar import WorkingCalendar
    from cspr.db import get_db, migrate
    from cspr.partnerships import services as partnerships
    from cspr.plugins import PluginError
    from tests.api_kit import Api, make_member
    from tests.conftest import truncate_all

    def with_local_target(statutory):  # counted by the partnership's calendar (statutory ones are not)
        statutory["strategy_meeting"] = {
            "label": "Hold the strategy meeting", "anchor": "aware", "period": 2, "unit": "working_days",
            "direction": "within", "statutory": False, "met_by": "notification"}
        return statutory

    app = create_app({"DATABASE_URL": app_pg_url, "INSTANCE_PATH": str(tmp_path),
                      "EXTRA_PLUGINS": [("riverside", plugin_with(cspr_deadline_rules=with_local_target))]})
    try:
        with app.app_context(), get_db().session_scope() as session:
            migrate.upgrade(get_db().engine)
            partnerships.sync(session, app.extensions["cspr.plugins"])

        # closure days are read (and checked) for every year at load, so no request calls a
        # plugin's hook any more: the failure is put where a plugin's would surface
        def broken(year):
            raise PluginError("riverside", "cspr_closure_days raised RuntimeError: "
                                           "closure days before 2020 are not known")

        app.extensions["cspr.plugins"].policy("riverside").calendar = WorkingCalendar(broken)
        client = app.test_client()
        riverside = Api(client, make_member(app, "riverside", Role.ADMIN))
        york = Api(client, make_member(app, "york", Role.ADMIN))
        body = {"pseudonym": "Child O", "la_case_reference": "L", "age_band": "1_4", "harm": "serious_harm",
                "incident_on": "2019-03-01", "aware_on": "2019-03-01"}
        failed = riverside.post("/incidents", {**body, "la_area": "Riverside"})
        assert failed.status_code == 503 and "local settings have a problem" in failed.get_json()["message"]
        assert york.post("/incidents", {**body, "la_area": "York"}).status_code == 201
        health = client.get("/healthz").get_json()["checks"]["plugins"]
        assert "closure days before 2020" in health["failing_at_runtime"]["riverside"]
        assert client.get("/york/").status_code == 200
    finally:
        app.extensions["cspr.db"].engine.dispose()
        truncate_all(pg_url)
