"""The Archive page in Chromium: reached from the staff menu, its checks work, and axe finds nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cspr.accounts.models import Role
from cspr.archive import links
from tests.api_kit import make_member
from tests.archive.deposit_kit import NSPCC, anonymous_review, load_demo, run_archive
from tests.browser.conftest import at_both_widths
from tests.browser.test_browser import sign_in

pytestmark = pytest.mark.slow


def test_the_archive_page_is_in_the_menu_checks_a_package_and_passes_axe(app, live, page):
    load_demo(app)
    anonymous_review(app)
    app.config["NSPCC_DEPOSIT_ADDRESS"] = NSPCC
    run_archive(app, app.config)
    make_member(app, "doncaster", Role.ADMIN)
    sign_in(page, live, "admin@doncaster.example.org")
    page.goto(live + "/app/doncaster/")
    page.get_by_role("navigation", name="Partnership menu").get_by_role("link", name="Archive").click()
    expect(page.get_by_role("heading", name="Archive", level=1)).to_be_visible()
    deposits = page.get_by_role("region", name="Deposits, newest first")
    expect(deposits.get_by_role("row")).to_have_count(3)  # the heading row, Child Rowan, Child Cameron
    expect(deposits.get_by_role("row", name="Child Rowan")).to_contain_text(
        "Published anonymously through the NSPCC"
    )
    expect(deposits.get_by_role("row", name="Child Cameron")).to_contain_text("Waiting to be e-mailed")
    assert at_both_widths(page) == {}

    page.get_by_role("button", name="Verify the package of Child Cameron").click()
    expect(
        page.get_by_text("The package of Child Cameron is whole: every file matches the manifest.")
    ).to_be_visible()
    assert at_both_widths(page) == {}
    with page.expect_download() as download:
        page.get_by_role(
            "link", name="Download the catalogue of everything deposited with the NSPCC (CSV)"
        ).click()
    assert download.value.suggested_filename.startswith("doncaster-nspcc-catalogue-")

    page.set_viewport_size({"width": 320, "height": 800})  # reflow: the wide table scrolls in its region
    page.goto(live + "/app/doncaster/archive")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert deposits.evaluate("region => region.scrollWidth > region.clientWidth")


def test_an_expired_deposit_link_says_so_plainly_and_passes_axe(app, live, page):
    import datetime as dt

    token = links.make(app.config["SECRET_KEY"], 1, "0" * 64, dt.datetime(2026, 1, 2, 9, 30, tzinfo=dt.UTC))
    response = page.goto(f"{live}/nspcc-deposits/{token}")
    assert response.status == 410
    expect(page.get_by_role("heading", name="This download link has expired", level=1)).to_be_visible()
    expect(page.get_by_text("stopped working on 2 January 2026 at 09:30 UTC")).to_be_visible()
    assert at_both_widths(page) == {}
