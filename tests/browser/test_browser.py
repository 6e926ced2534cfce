"""A person's journeys in Chromium, and an accessibility check of every page."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from cspr.accounts.models import Role
from cspr.actions import services as actions
from cspr.cases import incidents, notifications, rapid_reviews
from cspr.cases.models import Incident
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.partnerships import services as partnerships
from cspr.reviews import services as reviews
from cspr.services.context import Context
from tests.api_kit import TOTP_SECRET, make_member
from tests.browser.conftest import at_both_widths, axe_violations, page_problems
from tests.web_kit import PASSWORD

pytestmark = pytest.mark.slow


def sign_in(page, live, email):
    """The password, then the code the member's authenticator app shows (make_member set it up)."""
    page.goto(f"{live}/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    expect(page.get_by_role("heading", name="Enter the code from your authenticator app")).to_be_visible()
    page.fill("#code", pyotp.TOTP(TOTP_SECRET).now())
    page.click("button:has-text('Continue')")


def fill_date(page, name, value: str):
    year, month, day = value.split("-")
    page.fill(f"#{name}-day", str(int(day)))
    page.fill(f"#{name}-month", str(int(month)))
    page.fill(f"#{name}-year", year)


def answer_new_incident(page, pseudonym: str, reference: str):
    """Answer the new-incident form (a child of 1 to 4 seriously harmed in March 2026) and continue."""
    page.fill("#pseudonym", pseudonym)
    page.fill("#la_case_reference", reference)
    page.select_option("#la_area", "Doncaster")
    page.get_by_label("1 to 4").check()
    page.get_by_label("The child was seriously harmed").check()
    fill_date(page, "incident_on", "2026-03-02")
    fill_date(page, "aware_on", "2026-03-03")
    page.get_by_role("button", name="Continue").click()


def with_ctx(app, slug, work):
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, slug)
        with acting_for(session, row.id):
            ctx = Context(session, row, app.extensions["cspr.plugins"].policy(slug), actor="test")
            return work(ctx)


def old_incident(ctx, pseudonym="Child Late"):
    area = ctx.policy.identity["areas"][0]
    day = dt.date(2026, 3, 3)
    return incidents.record(ctx, pseudonym=pseudonym, la_case_reference="LA-1", la_area=area, age_band="1_4",
                            harm="serious_harm", incident_on=day, aware_on=day).id


def test_recording_an_incident_through_to_the_rapid_review_decision(app, live, page):
    make_member(app, "doncaster", Role.ADMIN)
    sign_in(page, live, "admin@doncaster.example.org")
    page.get_by_role("button", name="Record an incident").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert page.title().startswith("Error:")
    page.get_by_role("link", name="Enter the pseudonym").click()
    expect(page.locator("#pseudonym")).to_be_focused()  # the error summary's link moves focus to the field
    answer_new_incident(page, "Child N", "LA-2026-1")
    # 'Check your answers': every answer in words, each with its Change link; nothing recorded yet
    expect(page.get_by_role("heading", name="Check your answers before you record a serious incident")).to_be_visible()
    answers = page.locator(".govuk-summary-list")
    expect(answers).to_contain_text("Child N")
    expect(answers).to_contain_text("1 to 4")
    expect(answers).to_contain_text("The child was seriously harmed")
    expect(answers).to_contain_text("3 March 2026")
    page.get_by_role("link", name="Change pseudonym").click()
    page.wait_for_url(re.compile(r"/incidents/new[?]change=1#pseudonym$"))  # the form again, at the answer to change
    expect(page.locator("#pseudonym")).to_be_in_viewport()
    expect(page.locator("#la_case_reference")).to_have_value("LA-2026-1")  # the other answers are kept
    expect(page.locator("#aware_on-day")).to_have_value("3")
    page.fill("#pseudonym", "Child M")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-summary-list")).to_contain_text("Child M")
    page.get_by_role("button", name="Record the incident").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Incident DSCP-2026-001 is recorded")
    page.locator(".govuk-task-list").get_by_role("link", name="Notify the Child Safeguarding Practice Review Panel").click()
    fill_date(page, "sent_on", "2026-03-09")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("Notified on 9 March 2026")).to_be_visible()
    page.get_by_role("link", name="Send the rapid review and the partners' decision to the Panel").click()
    page.get_by_label("Hold a local child safeguarding practice review").check()
    fill_date(page, "sent_to_panel_on", "2026-03-27")
    page.fill("#rationale", "Two agencies did not share information")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-summary-list")).to_contain_text("Hold a local child safeguarding practice review")
    expect(page.locator(".govuk-summary-list")).to_contain_text("27 March 2026")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("The decision is recorded")).to_be_visible()
    expect(page.get_by_role("link", name="Review: Child M")).to_be_visible()


def test_an_overdue_deadline_appears_on_the_dashboard(app, live, page):
    make_member(app, "doncaster", Role.ADMIN)
    with_ctx(app, "doncaster", old_incident)
    sign_in(page, live, "admin@doncaster.example.org")
    row = page.locator("#overdue tr", has_text="Child Late")
    expect(row).to_be_visible()
    tag = row.locator(".govuk-tag--red")
    assert tag.inner_text().startswith("Overdue by")


def test_a_reviewer_does_not_see_another_review(app, live, page):
    reviewer = make_member(app, "doncaster", Role.REVIEWER)

    def setup(ctx):
        mine = reviews.start(ctx, kind="thematic", title="Assigned review", decided_on=dt.date(2026, 1, 5))
        other = reviews.start(ctx, kind="thematic", title="Someone else's review", decided_on=dt.date(2026, 1, 5))
        reviews.commission_reviewer(ctx, mine, commissioned_on=dt.date(2026, 1, 6), reviewer_name="R",
                                    reviewer_user_id=reviewer.user_id)
        return other.id

    other_id = with_ctx(app, "doncaster", setup)
    sign_in(page, live, "reviewer@doncaster.example.org")
    expect(page.get_by_role("link", name="Assigned review")).to_be_visible()
    expect(page.get_by_text("Someone else's review")).to_have_count(0)
    response = page.goto(f"{live}/app/doncaster/reviews/{other_id}")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()


def test_a_user_of_one_partnership_gets_404_for_anothers_case(app, live, page):
    make_member(app, "doncaster", Role.ADMIN)
    york_id = with_ctx(app, "york", lambda ctx: old_incident(ctx, "Child York"))
    sign_in(page, live, "admin@doncaster.example.org")
    for url in (f"/app/york/incidents/{york_id}", f"/app/doncaster/incidents/{york_id}", "/app/york/"):
        response = page.goto(live + url)
        assert response.status == 404, url
        expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
        assert "Child York" not in page.content()


def full_case(ctx):
    """A case with a published review, a recommendation and an action, for the page tour."""
    iid = old_incident(ctx, "Child Tour")
    inc = ctx.session.get(Incident, iid)
    notifications.record(ctx, inc, sent_on=dt.date(2026, 3, 5))
    rapid_reviews.decide(ctx, inc, decision="local_cspr", sent_to_panel_on=dt.date(2026, 3, 20))
    review = ctx.session.scalars(select(reviews.Review).where(reviews.Review.incident_id == iid)).one()
    reviews.agree_terms(ctx, review, agreed_on=dt.date(2026, 4, 1))
    reviews.commission_reviewer(ctx, review, commissioned_on=dt.date(2026, 4, 2), reviewer_name="R")
    partners = [a["key"] for a in ctx.policy.partners["safeguarding_partners"]]
    reviews.agree_final_report(ctx, review, agreed_on=dt.date(2026, 6, 1), agreed_by=partners)
    rec = actions.add_recommendation(ctx, review, text="Share information sooner")
    actions.add_action(ctx, rec, description="Joint training", owner_agency=partners[0],
                       due_on=dt.date.today() + dt.timedelta(days=30))
    return iid, review.id, rec.id, rec.actions[0].id if rec.actions else None


def test_the_accessibility_check_finds_a_real_violation(page):
    page.set_content("<html lang='en'><head><title>t</title></head><body><main><img src='x.png'>"
                     "<input type='text'></main></body></html>")
    found = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label"} <= found


WIDTHS = (320, 1280)


def test_the_page_checks_find_sideways_scrolling_a_heading_jump_and_a_code(page):
    page.set_viewport_size({"width": 320, "height": 900})
    page.set_content("<html lang='en'><head><title>t</title></head><body><main><h1>Page</h1><h3>Jump</h3>"
                     "<p>Stage: sent_to_panel</p><div style='width: 500px'>wide</div></main></body></html>")
    found = page_problems(page)
    assert "heading-order" in {v["id"] for v in found["axe"]}  # a best practice, of moderate impact
    assert found["sideways"]["scrollWidth"] >= 500 and found["codes"] == ["sent_to_panel"]


def test_every_page_state_reflows_and_passes_axe_at_320_and_1280_px(app, live, page):
    """Each page state at 320 and 1280 CSS px: no sideways scrolling (WCAG 1.4.10), no axe violation of
    WCAG 2.2 AA or a best practice (landmarks, heading order, one H1), and no code where words belong."""
    make_member(app, "doncaster", Role.ADMIN)
    from cspr.archive import services as archive
    from cspr.partnerships import demo

    with app.app_context(), get_db().session_scope() as session:
        demo.load(session, app.extensions["cspr.plugins"])
    with app.app_context(), get_db().sessionmaker() as session:  # the daily archival, as it runs today
        archive.run(session, app.extensions["cspr.plugins"], dt.date.today(), Path(app.config["ARCHIVE_DIR"]),
                    Path(app.config["DOCUMENTS_DIR"]))
    iid, rid, rec_id, _ = with_ctx(app, "doncaster", full_case)
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            action_id = session.scalar(select(actions.Action.id))
    public = ["/", "/doncaster/", "/plymouth/", "/southampton/", "/york/", "/sign-in", "/reset-password",
              "/southampton/request-a-report", "/library", "/library?theme=Neglect",
              "/library?year=20x&kind=nothing", "/no-such-page"]
    staff = ["/app/doncaster/", "/app/doncaster/cases", "/app/doncaster/incidents/new",
             f"/app/doncaster/incidents/{iid}", f"/app/doncaster/incidents/{iid}/correct",
             f"/app/doncaster/incidents/{iid}/panel-response", "/app/doncaster/reviews",
             "/app/doncaster/reviews/new", f"/app/doncaster/reviews/{rid}", f"/app/doncaster/reviews/{rid}/plan",
             f"/app/doncaster/reviews/{rid}/publish", f"/app/doncaster/reviews/{rid}/publication-date", f"/app/doncaster/reviews/{rid}/plan",
             f"/app/doncaster/reviews/{rid}/final-report", f"/app/doncaster/reviews/{rid}/reviewer",
             f"/app/doncaster/recommendations/{rec_id}/actions/new", f"/app/doncaster/actions/{action_id}/update",
             "/app/doncaster/members", "/app/doncaster/members/new", "/app/doncaster/cases?overdue=1",
             "/app/doncaster/messages", "/app/doncaster/reviews/legacy",
             f"/app/doncaster/reviews/{rid}/briefings/new",
             "/app/doncaster/reviews/999999", "/app/doncaster/audit", "/app/doncaster/audit?action=review.",
             "/app/doncaster/audit?since=31&since=2&since=2026",
             # the Panel's form, practitioners and family, the progress summary
             f"/app/doncaster/incidents/{iid}/add-child", f"/app/doncaster/incidents/{iid}/children/1",
             f"/app/doncaster/incidents/{iid}/details", f"/app/doncaster/incidents/{iid}/panel-notification",
             f"/app/doncaster/reviews/{rid}/learning-event", f"/app/doncaster/reviews/{rid}/family",
             f"/app/doncaster/reviews/{rid}/progress",
             # local settings (issue 17)
             "/app/doncaster/settings", "/app/doncaster/settings/closure-days", "/app/doncaster/settings/contact",
             "/app/doncaster/settings/statement", "/app/doncaster/settings/page-text",
             "/app/doncaster/settings/reminder-recipients", "/app/doncaster/going-live",
             # the rest of the staff app (issue 16: every page reflows)
             "/app/doncaster/action-plans", "/app/doncaster/figures", "/app/doncaster/holds",
             "/app/doncaster/holds/new", "/app/doncaster/calendar", "/app/doncaster/information-requests",
             "/app/doncaster/reviews?stage=final_agreed", "/app/doncaster/reviews?stage=unknown",
             f"/app/doncaster/incidents/{iid}/chronology", f"/app/doncaster/incidents/{iid}/chronology/new",
             f"/app/doncaster/incidents/{iid}/chronology/import",
             f"/app/doncaster/incidents/{iid}/information-requests/new",
             f"/app/doncaster/incidents/{iid}/proceedings/new", f"/app/doncaster/incidents/{iid}/documents/new",
             f"/app/doncaster/recommendations/{rec_id}/response", f"/app/doncaster/actions/{action_id}/assure"]
    staff = list(dict.fromkeys(staff))
    import re

    page.goto(f"{live}/doncaster/")
    briefing = re.search(r'href="(/doncaster/briefings/\d+)"', page.content()).group(1)
    public.append(briefing)
    problems, statuses = {}, {}

    def check(name, show):
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            show()
            problems[f"{name} at {width} px"] = page_problems(page)

    def visit(url):
        statuses[url] = page.goto(live + url).status

    for url in public:
        check(url, lambda url=url: visit(url))

    def sign_in_errors():
        page.goto(f"{live}/sign-in")
        page.get_by_role("button", name="Sign in").click()  # the page with its errors

    check("/sign-in (errors)", sign_in_errors)

    def request_errors():
        page.goto(f"{live}/southampton/request-a-report")
        page.get_by_role("button", name="Send the request").click()  # nothing chosen or given

    check("/southampton/request-a-report (errors)", request_errors)
    page.goto(f"{live}/southampton/request-a-report")
    page.select_option("#review", index=1)
    page.fill("#name", "A Practitioner")
    page.fill("#email", "reader@example.org")
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    expect(page.locator("h1")).to_have_count(1)
    for width in WIDTHS:  # the page that says the request was sent (sending again would send twice)
        page.set_viewport_size({"width": width, "height": 900})
        problems[f"/southampton/request-a-report (sent) at {width} px"] = page_problems(page)
    sign_in(page, live, "admin@doncaster.example.org")
    for url in staff:
        check(url, lambda url=url: visit(url))

    def incident_errors():
        page.goto(f"{live}/app/doncaster/incidents/new")
        page.get_by_role("button", name="Continue").click()

    check("/app/doncaster/incidents/new (errors)", incident_errors)
    answer_new_incident(page, "Child Axe", "LA-2026-9")
    expect(page.get_by_role("heading", name="Check your answers before you record a serious incident")).to_be_visible()
    for width in WIDTHS:  # the same answers, reflowed (a reload would not keep them on the page)
        page.set_viewport_size({"width": width, "height": 900})
        problems[f"/app/doncaster/incidents/new (check your answers) at {width} px"] = page_problems(page)
    # each state is the page it names: the errors and the missing pages only where meant
    assert {url: status for url, status in statuses.items() if status != 200} == {
        "/no-such-page": 404, "/library?year=20x&kind=nothing": 400, "/app/doncaster/reviews/999999": 404,
        "/app/doncaster/reviews?stage=unknown": 400, "/app/doncaster/audit?since=31&since=2&since=2026": 400}
    assert {state: found for state, found in problems.items() if found} == {}
    assert len(problems) == 2 * (len(public) + len(staff) + 5)


def test_pages_work_under_their_content_security_policy(app, live, chromium):
    context = chromium.new_context()  # no bypass: the real policy applies
    tab = context.new_page()
    console = []
    tab.on("console", lambda message: console.append(message.text))
    response = tab.goto(f"{live}/sign-in")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    tab.get_by_role("button", name="Sign in").click()
    # GOV.UK Frontend's JavaScript ran (it moves focus to the error summary): the nonce and
    # the module script are allowed, and nothing was blocked
    # A selector, not a string of JavaScript: polling a string predicate needs eval, which the page's
    # Content-Security-Policy rightly refuses when the first check is not already true.
    tab.wait_for_selector(".govuk-error-summary:focus")
    assert tab.evaluate("document.body.classList.contains('govuk-frontend-supported')")
    assert not [m for m in console if "Content Security Policy" in m], console
    context.close()


def test_a_first_sign_in_sets_up_an_authenticator_app_under_the_real_policy(app, live, chromium):
    from cspr.accounts.users import create_user

    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        create_user(session, "new@doncaster.example.org", "New Person", PASSWORD,
                    memberships=[(partnerships.get(session, "doncaster"), Role.ADMIN)])
    context = chromium.new_context()  # no bypass: the QR code must load under the real CSP
    tab = context.new_page()
    console = []
    tab.on("console", lambda message: console.append(message.text))
    tab.goto(f"{live}/sign-in")
    tab.fill("#email", "new@doncaster.example.org")
    tab.fill("#password", PASSWORD)
    tab.click("button:has-text('Sign in')")
    expect(tab.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    qr = tab.get_by_role("img", name="QR code for your authenticator app (the key is written below it)")
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0")  # the data: SVG rendered
    secret = tab.locator("#totp-secret").inner_text().replace(" ", "")
    tab.fill("#code", pyotp.TOTP(secret).now())
    tab.click("button:has-text('Continue')")
    expect(tab.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    assert tab.locator("#recovery-codes li").count() == 10
    shown = tab.locator("#recovery-codes li").all_inner_texts()
    with tab.expect_download() as download:  # the page is the codes' only copy: keep them as a file
        tab.get_by_role("link", name="Download the codes").click()
    assert download.value.suggested_filename == "cspr-recovery-codes.txt"
    kept = open(download.value.path(), encoding="utf-8").read()
    assert all(code in kept.splitlines() for code in shown) and "new@doncaster.example.org" in kept
    tab.evaluate("() => { window.printed = false; window.print = () => { window.printed = true; }; }")
    tab.get_by_role("button", name="Print the codes").click()  # shown by the page's own script, under the CSP
    assert tab.evaluate("() => window.printed")
    tab.get_by_role("link", name="I have kept my recovery codes").click()
    expect(tab.get_by_text("Signed in as new@doncaster.example.org")).to_be_visible()
    assert not [m for m in console if "Content Security Policy" in m], console
    context.close()


def test_the_sign_in_pages_reflow_and_pass_an_accessibility_check(app, live, page):
    make_member(app, "doncaster", Role.ADMIN)
    from cspr.accounts.users import create_user

    with app.app_context(), get_db().session_scope() as session:
        create_user(session, "new@doncaster.example.org", "New Person", PASSWORD,
                    memberships=[(partnerships.get(session, "doncaster"), Role.VIEWER)])
    problems = {}
    page.goto(f"{live}/sign-in")
    page.fill("#email", "admin@doncaster.example.org")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    problems["two-factor"] = at_both_widths(page)
    page.click("button:has-text('Continue')")  # no code: the page with its error
    problems["two-factor (errors)"] = at_both_widths(page)
    page.fill("#code", pyotp.TOTP(TOTP_SECRET).now())
    page.click("button:has-text('Continue')")
    page.goto(f"{live}/confirm-it-is-you?next=/app/")
    problems["confirm it is you"] = at_both_widths(page)
    page.goto(f"{live}/account/recovery-codes")
    problems["recovery codes"] = at_both_widths(page)
    page.get_by_role("button", name="Sign out").click()
    page.fill("#email", "new@doncaster.example.org")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    problems["set up"] = at_both_widths(page)
    assert {name: found for name, found in problems.items() if found} == {}


def test_every_roles_own_pages_reflow_and_pass_an_accessibility_check(app, live, page):
    """The scrutineer's, the reviewer's, the agency contributor's and the operator's own pages."""
    from cspr.accounts.users import create_user

    for role in (Role.SCRUTINEER, Role.REVIEWER, Role.CONTRIBUTOR):
        make_member(app, "doncaster", role)
    with app.app_context(), get_db().session_scope() as session:
        operator = create_user(session, "ops@example.org", "Ops", PASSWORD, is_operator=True)
        operator.totp_secret, operator.totp_confirmed_at = TOTP_SECRET, dt.datetime.now(dt.UTC)
    tour = {
        "scrutineer@doncaster.example.org": ["/app/doncaster/", "/app/doncaster/figures",
                                             "/app/doncaster/action-plans"],
        "reviewer@doncaster.example.org": ["/app/doncaster/"],
        "agency-contributor@doncaster.example.org": ["/app/doncaster/information-requests"],
        "ops@example.org": ["/operator/", "/operator/users", "/operator/figures"],
    }
    problems, statuses = {}, {}
    for email, urls in tour.items():
        sign_in(page, live, email)
        for url in urls:
            statuses[f"{email} {url}"] = page.goto(live + url).status
            problems[f"{email} {url}"] = at_both_widths(page)
        page.get_by_role("button", name="Sign out").click()
    assert {state: status for state, status in statuses.items() if status != 200} == {}
    assert {state: found for state, found in problems.items() if found} == {}
