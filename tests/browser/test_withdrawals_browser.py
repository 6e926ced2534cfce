"""Withdrawing a mistaken action in Chromium: the reason asked, the action kept as withdrawn, axe on each page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cspr.accounts.models import Role
from tests.api_kit import make_member
from tests.browser.conftest import at_both_widths
from tests.browser.test_browser import sign_in
from tests.reporting.year_kit import seed_in_app

pytestmark = pytest.mark.slow


def test_an_admin_withdraws_an_action_with_a_reason_and_sees_it_kept_as_withdrawn(app, live, page):
    seed_in_app(app)
    make_member(app, "doncaster", Role.ADMIN)
    sign_in(page, live, "admin@doncaster.example.org")
    page.goto(f"{live}/app/doncaster/action-plans")
    page.locator(".cspr-plan", has_text="Review Alder").get_by_role("link").first.click()
    problems = {"plan": at_both_widths(page)}
    page.get_by_role("link", name="Withdraw action 1", exact=True).click()
    expect(page.get_by_role("heading", name="Withdraw the action")).to_be_visible()
    page.get_by_role("button", name="Withdraw the action").click()  # no reason yet
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    page.get_by_role("link", name="Enter why it is withdrawn").click()
    expect(page.locator("#reason")).to_be_focused()
    problems["withdraw (errors)"] = at_both_widths(page)
    page.fill("#reason", "Added to the wrong review")
    page.get_by_role("button", name="Withdraw the action").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("The action is withdrawn")
    row = page.locator("tr.cspr-withdrawn-row")
    expect(row).to_contain_text("Audit the referrals")
    expect(row).to_contain_text("Withdrawn by admin doncaster on ")
    expect(row).to_contain_text("Added to the wrong review")
    assert row.locator("del").first.inner_text() == "Audit the referrals"  # struck through, not gone
    problems["plan (withdrawn)"] = at_both_widths(page)
    page.goto(f"{live}/app/doncaster/action-plans")
    expect(page.locator("tr.cspr-withdrawn-row")).to_contain_text("Withdrawn by admin doncaster")
    expect(page.get_by_text("1 overdue", exact=True)).to_be_visible()  # it no longer counts
    problems["board (withdrawn)"] = at_both_widths(page)
    assert {name: found for name, found in problems.items() if found} == {}
