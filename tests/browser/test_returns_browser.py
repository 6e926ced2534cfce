"""An agency contributor's journey in Chromium: sign in to their requests, upload a return, see it received."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cspr.accounts.models import Role
from cspr.returns import services as returns
from tests.api_kit import make_member
from tests.browser.conftest import at_both_widths
from tests.browser.test_browser import old_incident, sign_in, with_ctx
from tests.publication.test_hostile_pdfs import ALERT, one_page
from tests.publish_kit import blank_pdf

pytestmark = pytest.mark.slow


def test_a_contributor_uploads_their_agencys_return_and_sees_it_received(app, live, page, tmp_path):
    make_member(app, "doncaster", Role.CONTRIBUTOR, "returns@police.example.org", "sy-police")

    def setup(ctx):
        from cspr.cases.models import Incident

        incident = ctx.session.get(Incident, old_incident(ctx, "Child Q"))
        mine = returns.send(ctx, incident=incident, agency="sy-police", asked="Your involvement with Child Q.")
        returns.send(ctx, incident=incident, agency="schools", asked="The school's records of Child Q.")
        return mine.id

    with_ctx(app, "doncaster", setup)
    sign_in(page, live, "returns@police.example.org")
    expect(page.get_by_role("heading", name="Your information requests")).to_be_visible()
    assert not at_both_widths(page)
    expect(page.locator("#requests tbody tr")).to_have_count(1)  # only their agency's request
    expect(page.get_by_text("The school's records")).to_have_count(0)
    page.get_by_role("link", name="Rapid review: Child Q").click()
    expect(page.get_by_role("heading", name="Information request to South Yorkshire Police")).to_be_visible()
    expect(page.locator("#status")).to_have_text("Awaiting")

    hostile = tmp_path / "return.pdf"
    hostile.write_bytes(one_page(b"/OpenAction " + ALERT))
    page.set_input_files("input[type=file]", str(hostile))
    page.get_by_role("button", name="Upload the return").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The selected file contains JavaScript")
    assert not at_both_widths(page)  # the page with its error

    good = tmp_path / "police-return.pdf"
    good.write_bytes(blank_pdf("police return"))
    page.set_input_files("input[type=file]", str(good))
    page.get_by_role("button", name="Upload the return").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("return is received")
    expect(page.locator("#status")).to_contain_text("Received on")
    expect(page.get_by_role("link", name="Download the return")).to_be_visible()
    assert not at_both_widths(page)
