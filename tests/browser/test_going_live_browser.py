"""Going live in Chromium: an admin uploads a filled-in template, reads its problems, then imports the corrected one."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from cspr.accounts.models import Role
from cspr.cases.models import Incident
from tests.api_kit import make_member
from tests.browser.conftest import at_both_widths
from tests.browser.test_browser import sign_in, with_ctx
from tests.imports import kit
from tests.imports.test_going_live import BAD

pytestmark = pytest.mark.slow


def test_an_admin_checks_a_file_follows_a_problem_to_the_field_then_imports_the_corrected_one(
    app, live, page, tmp_path
):
    make_member(app, "doncaster", Role.ADMIN)
    bad, good = with_ctx(app, "doncaster", lambda c: (kit.workbook(c, BAD), kit.workbook(c, kit.GOOD)))
    (tmp_path / "ours.xlsx").write_bytes(bad)
    (tmp_path / "corrected.xlsx").write_bytes(good)
    sign_in(page, live, "admin@doncaster.example.org")
    page.get_by_role("link", name="Going live").click()
    expect(page.get_by_role("heading", name="Going live: import what you already have")).to_be_visible()
    assert not at_both_widths(page)

    page.set_input_files("input[type=file]", str(tmp_path / "ours.xlsx"))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(
        "Incidents, row 3, Date the local authority became aware: enter a real date"
    )
    expect(summary).to_contain_text("Action plans, row 4, Owning agency: choose one of:")
    assert page.title().startswith("Error:")
    assert not at_both_widths(page)  # the page with its problems
    summary.get_by_role("link").first.click()
    expect(page.locator("#file")).to_be_focused()  # the link takes them to the upload
    expect(page.get_by_role("button", name="Import the records")).to_have_count(0)

    page.set_input_files("input[type=file]", str(tmp_path / "corrected.xlsx"))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Every row is right")).to_be_visible()
    expect(page.locator("#checked")).to_contain_text(
        "2 incidents, 2 reviews under way, 1 published review, 2 actions"
    )
    assert not at_both_widths(page)
    assert (
        with_ctx(app, "doncaster", lambda c: c.session.scalar(select(func.count()).select_from(Incident)))
        == 0
    )
    page.get_by_role("button", name="Import the records").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Imported: 2 incidents")
    page.get_by_role("link", name="Cases").click()
    expect(page.get_by_text("Child K").first).to_be_visible()
