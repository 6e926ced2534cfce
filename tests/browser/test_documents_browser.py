"""A final report in Chromium: added to its review, a version refused, two uploaded, a comment, and the
three partners' sign-off, each page checked by axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cspr.accounts.models import Role
from tests.api_kit import Api, make_member
from tests.browser.conftest import at_both_widths
from tests.browser.test_browser import sign_in
from tests.documents.test_checks import docx
from tests.proceedings.test_proceedings import ready_review
from tests.publish_kit import blank_pdf

pytestmark = pytest.mark.slow


def test_a_final_report_is_versioned_commented_and_signed_off_by_every_partner(app, live, page, tmp_path):
    rid = ready_review(Api(app.test_client(), make_member(app, "doncaster", Role.ADMIN, "setup@doncaster.example.org")))
    make_member(app, "doncaster", Role.ADMIN, "manager@doncaster.example.org")
    policy = app.extensions["cspr.plugins"].policy("doncaster")
    partners = [p["name"] for p in policy.partners["safeguarding_partners"]
                if p["type"] in ("local_authority", "health", "police")]

    sign_in(page, live, "manager@doncaster.example.org")
    page.goto(f"{live}/app/doncaster/reviews/{rid}")
    page.get_by_role("link", name="Add a document").click()
    page.get_by_label("Final report").check()
    page.get_by_label("Title").fill("Final report")
    page.get_by_role("button", name="Add the document").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("The document is added")
    page.get_by_role("link", name="Final report").first.click()
    expect(page.get_by_role("heading", name="Final report", level=1)).to_be_visible()
    assert not at_both_widths(page)

    page.get_by_role("link", name="Upload a new version").click()
    hostile = tmp_path / "report.pdf"
    hostile.write_bytes(b"<html><script>alert(1)</script></html>")
    page.set_input_files("input[type=file]", str(hostile))
    page.get_by_role("button", name="Upload the file").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert not at_both_widths(page)  # the page with its error, which names the field
    for name, content in (("final-v1.pdf", blank_pdf("v1")), ("final-v2.docx", docx("The second draft"))):
        upload = tmp_path / name
        upload.write_bytes(content)
        page.set_input_files("input[type=file]", str(upload))
        page.get_by_role("button", name="Upload the file").click()
        expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Earlier versions are kept")
        if name.endswith(".pdf"):
            page.get_by_role("link", name="Upload a new version").click()
    expect(page.locator("table tbody tr")).to_have_count(2)
    expect(page.locator("table tbody tr").first).to_contain_text("2 (latest)")
    expect(page.locator(".govuk-warning-text")).to_contain_text("Version 2 is not yet signed off by")

    page.get_by_role("link", name="Comment on version 1").click()
    page.get_by_label("Comment").fill("Section 4 needs the police's view.")
    page.get_by_role("button", name="Save the comment").click()
    expect(page.locator(".govuk-inset-text")).to_contain_text("on version 1")

    for partner in partners:
        page.get_by_role("link", name="Sign off version 2").click()
        assert not at_both_widths(page)
        page.get_by_label(partner).check()
        page.get_by_role("button", name="Sign off").click()
        expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Your sign-off is recorded")
    expect(page.locator(".govuk-warning-text")).to_have_count(0)
    expect(page.get_by_text("Version 2 is signed off by")).to_be_visible()
    assert not at_both_widths(page)
