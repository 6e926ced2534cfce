"""The staff app through the test client: sign-in, forms and their errors, roles, isolation."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from markupsafe import escape

from cspr.accounts.models import Role
from cspr.cases import incidents
from cspr.db import get_db, statement_counter
from cspr.db.tenancy import acting_for
from cspr.partnerships import services as partnerships
from cspr.reviews import services as reviews
from cspr.services.context import Context
from tests.api_kit import make_member
from tests.web_kit import PASSWORD, Browser, csrf_of, date, signed_in

INCIDENT = {"pseudonym": "Child K", "la_case_reference": "LA-77", "la_area": "Doncaster",
            "age_band": "1_4", "harm": "serious_harm", "incident_on": date("2026-03-02"),
            "aware_on": date("2026-03-03")}


def service_ctx(app, session, slug):
    row = partnerships.get(session, slug)
    return row, Context(session, row, app.extensions["cspr.plugins"].policy(slug), actor="test")


def add_incident(app, slug="doncaster", aware="2026-03-03", pseudonym="Child K"):
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, slug)
        with acting_for(session, row.id):
            _, ctx = service_ctx(app, session, slug)
            area = ctx.policy.identity["areas"][0]
            aware_on = dt.date.fromisoformat(aware)
            inc = incidents.record(ctx, pseudonym=pseudonym, la_case_reference="LA-1", la_area=area,
                                   age_band="1_4", harm="serious_harm",
                                   incident_on=aware_on, aware_on=aware_on)
            return inc.id


@pytest.fixture
def admin(app, client):
    return signed_in(app, client, "doncaster", Role.ADMIN)


def test_sign_in_with_a_wrong_password_says_so(app, client):
    signed_in(app, client, "doncaster", Role.ADMIN).sign_out()
    response = Browser(client).sign_in("admin@doncaster.example.org", "not the password")
    assert response.status_code == 400
    assert "Enter a correct email address and password" in response.get_data(as_text=True)
    assert client.get("/app/doncaster/").status_code == 302


def test_one_membership_goes_straight_to_its_dashboard(admin):
    response = admin.get("/app/")
    assert response.status_code == 302 and response.location.endswith("/app/doncaster/")
    page = admin.get("/app/doncaster/").get_data(as_text=True)
    assert "Dashboard" in page and "Doncaster Safeguarding Children Partnership" in page


def test_signed_out_pages_redirect_to_sign_in_and_back(client):
    response = client.get("/app/doncaster/cases")
    assert response.status_code == 302
    assert "/sign-in?next=/app/doncaster/cases" in response.location


def test_sign_out_is_a_post_with_csrf(admin):
    assert admin.client.post("/sign-out").status_code == 400  # no CSRF token
    assert admin.get("/app/doncaster/").status_code == 200
    admin.sign_out()
    assert admin.get("/app/doncaster/").status_code == 302


def test_forms_refuse_a_post_without_its_csrf_token(admin):
    response = admin.client.post("/app/doncaster/incidents/new", data={**INCIDENT, "pseudonym": "Child X"})
    assert response.status_code == 400
    assert "Child X" not in admin.get("/app/doncaster/cases").get_data(as_text=True)


def test_recording_an_incident_shows_errors_in_the_govuk_style(admin):
    response = admin.submit("/app/doncaster/incidents/new", {"pseudonym": "", "aware_on": ["31", "2", "2026"]})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and "<title>Error:" in html
    assert 'href="#pseudonym"' in html and "Enter the pseudonym" in html
    assert "must be a real date" in html and 'href="#aware_on-day"' in html
    response = admin.submit("/app/doncaster/incidents/new", {**INCIDENT, "aware_on": date("2026-03-01")})
    assert response.status_code == 400
    assert "must be on or after the incident" in response.get_data(as_text=True)


def test_an_incident_runs_to_the_rapid_review_decision_through_forms(admin):
    response = admin.submit_checked("/app/doncaster/incidents/new", INCIDENT, follow=True)
    html = response.get_data(as_text=True)
    assert "Incident DSCP-2026-001 is recorded" in html
    case_url = re.search(r'/app/doncaster/incidents/(\d+)/correct', html)
    iid = case_url.group(1)
    assert "Due by 10 March 2026" in html
    html = admin.submit(f"/app/doncaster/incidents/{iid}/notification",
                        {"sent_on": date("2026-03-09")}, follow=True).get_data(as_text=True)
    assert "The notification is recorded" in html and "Notified on 9 March 2026" in html
    assert "Due by 30 March 2026" in html
    html = admin.submit_checked(f"/app/doncaster/incidents/{iid}/decision", {
        "decision": "local_cspr", "sent_to_panel_on": date("2026-03-27"), "rationale": "reg 11"},
        follow=True).get_data(as_text=True)
    assert "Sent on 27 March 2026: Hold a local child safeguarding practice review" in html
    assert "local cspr" not in html and "local_cspr" not in html  # the decision in words, not its code
    assert "Review: Child K" in html


def test_a_step_out_of_order_is_explained(admin, app):
    iid = add_incident(app)
    response = admin.submit(f"/app/doncaster/incidents/{iid}/decision", {
        "decision": "no_review", "sent_to_panel_on": date("2026-03-20")}, follow=True)
    assert "Record the Panel notification first." in response.get_data(as_text=True)


def test_an_overdue_deadline_is_on_the_dashboard_in_red(admin, app):
    add_incident(app, aware="2026-03-03", pseudonym="Child Late")
    html = admin.get("/app/doncaster/").get_data(as_text=True)
    overdue = html.split('id="overdue"', 1)[1].split("</table>", 1)[0]
    assert "Child Late" in overdue and "govuk-tag--red" in overdue and "Overdue by" in overdue


def test_another_partnerships_pages_and_records_are_404(admin, app):
    york_incident = add_incident(app, slug="york", pseudonym="Child York")
    assert admin.get("/app/york/").status_code == 404
    assert admin.get(f"/app/york/incidents/{york_incident}").status_code == 404
    assert admin.get(f"/app/doncaster/incidents/{york_incident}").status_code == 404
    assert admin.get(f"/app/doncaster/incidents/{york_incident}/notification").status_code == 404
    assert "Child York" not in admin.get("/app/doncaster/cases").get_data(as_text=True)


def test_roles_decide_what_a_member_may_do(app, client):
    viewer = signed_in(app, client, "doncaster", Role.VIEWER)
    iid = add_incident(app)
    assert viewer.get(f"/app/doncaster/incidents/{iid}").status_code == 200
    assert viewer.get("/app/doncaster/incidents/new").status_code == 403
    assert viewer.get(f"/app/doncaster/incidents/{iid}/notification").status_code == 403
    assert viewer.get("/app/doncaster/members").status_code == 403
    assert "Record an incident" not in viewer.get("/app/doncaster/").get_data(as_text=True)


def test_a_reviewer_sees_only_their_review(app, client):
    reviewer = signed_in(app, client, "doncaster", Role.REVIEWER)
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            _, ctx = service_ctx(app, session, "doncaster")
            mine = reviews.start(ctx, kind="thematic", title="Assigned review", decided_on=dt.date(2026, 1, 5))
            other = reviews.start(ctx, kind="thematic", title="Other review", decided_on=dt.date(2026, 1, 5))
            reviews.commission_reviewer(ctx, mine, commissioned_on=dt.date(2026, 1, 6), reviewer_name="R",
                                        reviewer_user_id=reviewer.member.user_id)
            mine_id, other_id = mine.id, other.id
    home = reviewer.get("/app/doncaster/").get_data(as_text=True)
    assert "Assigned review" in home and "Other review" not in home
    assert reviewer.get(f"/app/doncaster/reviews/{mine_id}").status_code == 200
    assert reviewer.get(f"/app/doncaster/reviews/{other_id}").status_code == 404
    assert reviewer.get("/app/doncaster/cases").status_code == 403
    response = reviewer.submit(f"/app/doncaster/reviews/{mine_id}/draft", {"received_on": date("2026-02-01")})
    assert response.status_code == 302
    assert reviewer.get(f"/app/doncaster/reviews/{other_id}/draft").status_code == 404
    assert reviewer.get(f"/app/doncaster/reviews/{mine_id}/terms").status_code == 403


def test_password_reset_by_email(app, client, mailbox):
    signed_in(app, client, "doncaster", Role.ADMIN).sign_out()
    browser = Browser(client)
    response = browser.submit("/reset-password", {"email": "admin@doncaster.example.org"})
    assert "Check your email" in response.get_data(as_text=True)
    (message,) = mailbox.wait_for(1)
    assert message["To"] == "admin@doncaster.example.org"
    link = re.search(r"http://127.0.0.1:5000(/reset-password/\S+)",  # CSPR_BASE_URL's default
                     message.get_payload(decode=True).decode()).group(1)
    response = browser.submit(link, {"password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert response.status_code == 302
    assert browser.sign_in("admin@doncaster.example.org", PASSWORD).status_code == 400
    assert browser.sign_in("admin@doncaster.example.org", "a brand new passphrase").status_code == 302
    assert "already been used" in client.get(link).get_data(as_text=True)


def test_unknown_addresses_get_the_same_answer_and_no_email(client, mailbox):
    response = Browser(client).submit("/reset-password", {"email": "nobody@example.org"})
    assert "Check your email" in response.get_data(as_text=True)
    assert mailbox.wait_for(1, timeout=0.5) == []


def test_admins_add_members_who_are_emailed_and_keep_one_admin(admin, mailbox):
    response = admin.submit("/app/doncaster/members/new", {
        "email": "New.Person@example.org", "name": "New Person", "role": "partner"}, follow=True)
    assert "new.person@example.org is now a member" in response.get_data(as_text=True)
    (message,) = mailbox.wait_for(1)
    assert "Set your password" in message.get_payload(decode=True).decode()
    html = admin.get("/app/doncaster/members").get_data(as_text=True)
    own = re.search(r'/app/doncaster/members/(\d+)"[^>]*>Change role<span class="govuk-visually-hidden"> of admin',
                    html).group(1)
    response = admin.submit(f"/app/doncaster/members/{own}", {"role": "viewer"})
    assert response.status_code == 400
    assert "at least one admin" in response.get_data(as_text=True)


def test_operators_manage_partnerships_but_read_no_cases(app, client):
    from cspr.accounts.users import create_user

    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        create_user(session, "ops@example.org", "Ops", PASSWORD, is_operator=True)
    iid = add_incident(app)
    ops = Browser(client)
    assert ops.sign_in("ops@example.org").status_code == 302
    assert ops.get("/app/doncaster/").status_code == 404
    assert ops.get(f"/app/doncaster/incidents/{iid}").status_code == 404
    page = ops.get("/operator/")
    assert page.status_code == 200
    token = csrf_of(page.get_data(as_text=True))
    assert ops.client.post("/operator/partnerships/york/toggle", data={"csrf_token": token}).status_code == 302
    assert client.get("/york/").status_code == 404  # disabled: its public page is gone


def test_members_cannot_reach_the_operator_pages(admin):
    assert admin.get("/operator/").status_code == 403


def test_tracker_filters_and_exports(admin, app):
    add_incident(app, pseudonym="Child Filter")
    html = admin.get("/app/doncaster/cases?overdue=1").get_data(as_text=True)
    assert "Child Filter" in html
    response = admin.get("/app/doncaster/cases.csv")
    assert response.status_code == 200 and "Child Filter" in response.get_data(as_text=True)
    assert admin.get("/app/doncaster/cases.xlsx").data[:2] == b"PK"
    assert b"BEGIN:VCALENDAR" in admin.get("/app/doncaster/deadlines.ics").data


@pytest.mark.parametrize("page", ["/app/doncaster/", "/app/doncaster/incidents/{iid}",
                                  "/app/doncaster/reviews/{rid}"])
def test_pages_issue_the_same_sql_for_few_or_many_records(admin, app, page):
    from cspr.partnerships import demo

    def seed(count, seed_no):
        with app.app_context(), get_db().session_scope() as session:
            row = partnerships.get(session, "doncaster")
            with acting_for(session, row.id):
                _, ctx = service_ctx(app, session, "doncaster")
                demo.seed_cases(ctx, count, seed=seed_no)

    seed(8, 1)
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            from sqlalchemy import select

            from cspr.cases.models import Incident
            from cspr.reviews.models import Review
            iid = session.scalar(select(Incident.id).join(Review, Review.incident_id == Incident.id).limit(1))
            rid = session.scalar(select(Review.id).where(Review.incident_id == iid))
    url = page.format(iid=iid, rid=rid)
    engine = app.extensions["cspr.db"].engine
    with statement_counter(engine) as small:
        assert admin.get(url).status_code == 200
    seed(60, 2)
    with statement_counter(engine) as large:
        assert admin.get(url).status_code == 200
    assert len(large) == len(small), (len(small), len(large))


def test_every_review_step_link_opens_its_own_form(admin, app):
    from cspr.reviews.views import STEPS

    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            _, ctx = service_ctx(app, session, "doncaster")
            rid = reviews.start(ctx, kind="local_cspr", title="Steps", decided_on=dt.date(2026, 1, 5)).id
    for key, step in STEPS.items():
        page = admin.get(f"/app/doncaster/reviews/{rid}/{key}")
        assert page.status_code == 200, key
        assert f"<h1 class=\"govuk-heading-l\">{escape(step.title)}</h1>" in page.get_data(as_text=True), key


def test_an_overdue_step_is_announced_on_the_case_page(admin, app):
    iid = add_incident(app, aware="2026-03-03", pseudonym="Child Banner")
    html = admin.get(f"/app/doncaster/incidents/{iid}").get_data(as_text=True)
    assert "govuk-notification-banner" in html
    assert "Notify the Child Safeguarding Practice Review Panel: due 10 March 2026, overdue by" in html


def test_a_member_of_two_partnerships_switches_between_them(app, client):
    from cspr.accounts.users import create_user

    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        create_user(session, "both@example.org", "Both", PASSWORD, memberships=[
            (partnerships.get(session, "york"), Role.VIEWER), (partnerships.get(session, "plymouth"), Role.ADMIN)])
    browser = Browser(client)
    browser.sign_in("both@example.org")
    choose = browser.get("/app/").get_data(as_text=True)
    assert "City of York Safeguarding Children Partnership" in choose and "Plymouth" in choose
    assert "Record an incident" in browser.get("/app/plymouth/").get_data(as_text=True)
    assert "Record an incident" not in browser.get("/app/york/").get_data(as_text=True)
    assert browser.get("/app/york/incidents/new").status_code == 403
    assert browser.get("/app/doncaster/").status_code == 404


def test_session_cookies_are_http_only_and_same_site(app, client):
    make_member(app, "doncaster", Role.ADMIN)
    response = Browser(client).sign_in("admin@doncaster.example.org")
    header = response.headers["Set-Cookie"]
    assert header.startswith("session=") and "HttpOnly" in header and "SameSite=Lax" in header


def test_legacy_reviews_responses_and_corrections_through_forms(admin, app):
    response = admin.submit("/app/doncaster/reviews/legacy", {
        "kind": "scr", "title": "Child Q", "published_on": date("2017-05-04"), "publication_form": "summary",
        "publication_note": "Criminal proceedings"}, follow=True)
    assert "“Child Q” is added to the record." in response.get_data(as_text=True)
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            from sqlalchemy import select

            from cspr.actions import services as actions
            from cspr.reviews.models import Review

            _, ctx = service_ctx(app, session, "doncaster")
            legacy = session.scalar(select(Review).where(Review.title == "Child Q"))
            rec_id = actions.add_recommendation(ctx, legacy, text="Learn from it").id
            started = reviews.start(ctx, kind="thematic", title="Neglect", decided_on=dt.date(2026, 2, 2))
            rid = started.id
    html = admin.submit(f"/app/doncaster/recommendations/{rec_id}/response",
                        {"response": "Accepted in full"}, follow=True).get_data(as_text=True)
    assert "The partners&#39; response: Accepted in full" in html or "The partners' response: Accepted in full" in html
    html = admin.submit(f"/app/doncaster/reviews/{rid}/correct",
                        {"decided_on": date("2026-02-03"), "reason": "minutes say the 3rd"}, follow=True).get_data(as_text=True)
    assert "Decided on 3 February 2026" in html


@pytest.mark.parametrize("month, accepted", [("Mar", True), ("march", True), ("MARCH.", True), ("03", True),
                                             ("Marz", False), ("13", False)])
def test_a_date_takes_the_month_as_a_name_as_govuk_date_inputs_allow(admin, app, month, accepted):
    iid = add_incident(app)
    response = admin.submit(f"/app/doncaster/incidents/{iid}/notification", {"sent_on": ["9", month, "2026"]},
                            follow=True)
    html = response.get_data(as_text=True)
    if accepted:
        assert "Notified on 9 March 2026" in html
    else:
        assert response.status_code == 400 and "must be a real date" in html


def test_a_person_makes_and_stops_their_own_calendar_subscription(app, admin, client):
    import re

    from icalendar import Calendar

    iid = add_incident(app)
    page = admin.get(f"/app/doncaster/incidents/{iid}").get_data(as_text=True)
    one = re.search(r'href="(/app/doncaster/deadlines/\d+\.ics)"', page).group(1)  # "Add to calendar"
    (event,) = Calendar.from_ical(admin.get(one).data).walk("VEVENT")
    assert "Notify the Child Safeguarding Practice Review Panel" in str(event["SUMMARY"])

    calendar = admin.get("/app/doncaster/calendar").get_data(as_text=True)
    assert "You have no subscription address" in calendar and 'href="/app/doncaster/calendar"' in calendar
    from tests.web_kit import csrf_of

    def post(browser, url, page):
        return browser.client.post(url, data={"csrf_token": csrf_of(page)}, follow_redirects=True)

    made = post(admin, "/app/doncaster/calendar/subscriptions", calendar).get_data(as_text=True)
    address = re.search(r'<code class="cspr-wrap">([^<]+)</code>', made).group(1)
    assert address.startswith(app.config["BASE_URL"].rstrip("/") + "/feeds/cspr_")  # from the setting
    feed = client.get(address.split(app.config["BASE_URL"].rstrip("/"), 1)[1])
    assert feed.status_code == 200 and b"BEGIN:VEVENT" in feed.data
    token_id = re.search(r"/calendar/subscriptions/(\d+)/revoke", made).group(1)

    other = signed_in(app, app.test_client(), "doncaster", Role.VIEWER, "other-viewer@doncaster.example.org")
    other_page = other.get("/app/doncaster/calendar").get_data(as_text=True)
    assert post(other, f"/app/doncaster/calendar/subscriptions/{token_id}/revoke", other_page).status_code == 404
    stopped = post(admin, f"/app/doncaster/calendar/subscriptions/{token_id}/revoke", made)
    assert "The subscription address is stopped" in stopped.get_data(as_text=True)
    assert client.get(address.split(app.config["BASE_URL"].rstrip("/"), 1)[1]).status_code == 404
    reviewer = signed_in(app, app.test_client(), "doncaster", Role.REVIEWER, "cal-reviewer@doncaster.example.org")
    assert reviewer.get(one).status_code == 403 and reviewer.get("/app/doncaster/calendar").status_code == 403


def test_the_ofsted_question_is_asked_only_for_a_looked_after_childs_death(admin, app):
    ordinary = add_incident(app)
    form = admin.get(f"/app/doncaster/incidents/{ordinary}/notification").get_data(as_text=True)
    assert "Ofsted" not in form and 'name="sent_on"' in form
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            _, ctx = service_ctx(app, session, "doncaster")
            died = incidents.record(ctx, pseudonym="Child M", la_case_reference="LA-2", la_area="Doncaster",
                                    age_band="1_4", harm="death", incident_on=dt.date(2026, 3, 3),
                                    aware_on=dt.date(2026, 3, 3), looked_after=True).id
    form = admin.get(f"/app/doncaster/incidents/{died}/notification").get_data(as_text=True)
    assert "Ofsted" in form


def test_an_empty_rapid_review_meeting_form_says_what_is_missing(admin, app):
    iid = add_incident(app)
    admin.submit(f"/app/doncaster/incidents/{iid}/notification", {"sent_on": date("2026-03-05")})
    empty = admin.submit(f"/app/doncaster/incidents/{iid}/meeting", {})
    html = empty.get_data(as_text=True)
    assert empty.status_code == 400 and "There is a problem" in html
    assert "Enter the date of the rapid review meeting" in html
    met = admin.submit(f"/app/doncaster/incidents/{iid}/meeting", {"meeting_on": date("2026-03-12")}, follow=True)
    assert "Met on 12 March 2026" in met.get_data(as_text=True)
