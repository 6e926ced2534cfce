"""The yearly figures and the board's action plans in Chromium: charts under the strict CSP, no script, axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cspr.accounts.models import Role
from tests.api_kit import Api, make_member
from tests.browser.conftest import at_both_widths
from tests.browser.test_browser import sign_in
from tests.reporting.year_kit import YEAR, seed_in_app

pytestmark = pytest.mark.slow
FIGURES = f"/app/doncaster/figures?year={YEAR}"


def test_the_charts_render_under_the_real_policy_without_script(app, live, chromium):
    seed_in_app(app)
    make_member(app, "doncaster", Role.VIEWER)
    context = chromium.new_context(java_script_enabled=False)  # no bypass, and no script at all
    tab = context.new_page()
    console = []
    tab.on("console", lambda message: console.append(message.text))
    sign_in(tab, live, "viewer@doncaster.example.org")
    response = tab.goto(live + FIGURES)
    assert "img-src 'self' data:" in response.headers["content-security-policy"]
    expect(tab.get_by_role("heading", name="Yearly figures, April 2025 to March 2026")).to_be_visible()
    chart = tab.get_by_role("img", name="Notifications to the Panel, April 2025 to March 2026")
    expect(chart).to_be_visible()
    assert chart.evaluate("image => image.complete && image.naturalWidth > 300")  # the SVG was drawn
    assert tab.locator("figure.cspr-chart img").count() == 8
    # the description in words and the data table sit beside the chart
    described = tab.locator("#chart-notifications-description")
    expect(described).to_have_text("Bar chart of notifications to the panel. Notifications made: 3; "
                                   "Within 5 working days: 2 (67% of 3); After 5 working days: 1 (33% of 3); "
                                   "Not done and overdue at the end of the period: 1.")
    expect(tab.locator("#table-notifications caption")).to_have_text("Notifications to the Panel")
    assert not [m for m in console if "Content Security Policy" in m], console
    context.close()


def test_the_figures_and_action_plan_pages_pass_the_accessibility_check(app, live, page):
    seed_in_app(app)
    make_member(app, "doncaster", Role.PARTNER)
    api = Api(app.test_client(), make_member(app, "doncaster", Role.ADMIN))
    iid = api.post("/incidents", json={
        "pseudonym": "Child Gorse", "la_case_reference": "LA-G", "la_area": "Doncaster", "age_band": "1_4",
        "harm": "serious_harm", "incident_on": "2026-11-02", "aware_on": "2026-11-02"}).get_json()["id"]
    api.post(f"/incidents/{iid}/notification", json={"sent_on": "2026-11-03"})
    api.post(f"/incidents/{iid}/rapid-review/meeting", json={"themes": ["Neglect"]})
    sign_in(page, live, "partner@doncaster.example.org")
    problems = {}
    for url in (f"/app/doncaster/incidents/{iid}/decision", FIGURES, f"/app/doncaster/figures/cases?year={YEAR}&figure=notifications.late",
                "/app/doncaster/figures?year=twenty", "/app/doncaster/action-plans",
                "/app/doncaster/action-plans?agency=nobody", "/app/doncaster/"):
        page.goto(live + url)
        problems[url] = at_both_widths(page)
    assert {url: found for url, found in problems.items() if found} == {}
    page.goto(live + FIGURES)
    page.get_by_role("link", name="1 – the cases: After 5 working days").first.click()
    expect(page.get_by_role("heading", name="After 5 working days: 1 (33% of 3)")).to_be_visible()
    page.get_by_role("link", name="Child Birch").click()
    expect(page.get_by_role("heading", name="Child Birch")).to_be_visible()
