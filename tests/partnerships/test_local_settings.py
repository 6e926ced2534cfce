"""Local settings a business manager edits in the app: validated as the plugin's value, audited, reset."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from cspr.accounts.models import Role
from cspr.audit.models import AuditEvent
from cspr.cases import incidents
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.deadlines.models import Deadline
from cspr.partnerships import services as partnerships
from cspr.returns import services as returns
from cspr.services.context import Context
from tests.web_kit import csrf_of, signed_in

MONDAY = dt.date(2026, 12, 21)  # bank holidays: Friday 25 and Monday 28 December, Friday 1 January


def _ctx(app, session, slug="doncaster", today=MONDAY):
    row = partnerships.get(session, slug)
    return Context(session, row, app.extensions["cspr.plugins"].policy(slug), actor="test", today=today)


def _due_dates(app, reference="LA-5"):
    """A case whose LA became aware on Monday 21 December, and an information request sent that day."""
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            ctx = _ctx(app, session)
            incident = incidents.record(ctx, pseudonym="Child S", la_case_reference=reference, la_area="Doncaster",
                                        age_band="1_4", harm="serious_harm", incident_on=MONDAY,
                                        aware_on=MONDAY)
            request = returns.send(ctx, incident=incident, agency=ctx.policy.agencies[0]["key"],
                                   asked="Your agency's involvement")
            notify = session.scalar(select(Deadline).where(Deadline.kind == "notify_panel",
                                                           Deadline.incident_id == incident.id))
            return notify.due_on, request.due_on


def test_a_closure_day_added_in_the_app_moves_a_local_target_and_no_statutory_deadline(app, client):
    before_statutory, before_local = _due_dates(app)
    assert (before_statutory, before_local) == (dt.date(2026, 12, 30), dt.date(2026, 12, 30))
    admin = signed_in(app, client, "doncaster", Role.ADMIN)
    saved = admin.submit("/app/doncaster/settings/closure-days",
                         {"closure_days": "2026-12-29\n2026-12-30\n2026-12-31"}, follow=True)
    html = saved.get_data(as_text=True)
    assert "Closure days saved." in html and "Changed by admin doncaster on" in html
    statutory, local = _due_dates(app, "LA-6")
    assert statutory == dt.date(2026, 12, 30)  # the law counts bank holidays alone
    assert local == dt.date(2027, 1, 5)  # the information request skips the office's closure
    with app.app_context(), get_db().sessionmaker() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            event = session.scalars(select(AuditEvent).where(AuditEvent.action == "settings.changed")).one()
    assert event.detail["setting"] == "closure_days" and event.detail["now"][0] == "2026-12-29"


def test_a_wrong_value_is_refused_in_words_naming_the_field(app, client):
    admin = signed_in(app, client, "doncaster", Role.ADMIN)
    wrong = admin.submit("/app/doncaster/settings/closure-days", {"closure_days": "2026-12-29\n29/12/2026"})
    assert wrong.status_code == 400
    assert "Line 2, “29/12/2026”, is not a date" in wrong.get_data(as_text=True).replace("&#8220;", "“")
    too_many = "\n".join(f"2026-11-{d:02d}" for d in range(2, 20))
    refused = admin.submit("/app/doncaster/settings/closure-days", {"closure_days": too_many})
    assert refused.status_code == 400 and "at most 10 a year" in refused.get_data(as_text=True)
    bad_email = admin.submit("/app/doncaster/settings/contact", {"email": "not an address"})
    assert bad_email.status_code == 400 and "Enter an email address in the correct format" in bad_email.get_data(
        as_text=True)
    html = admin.submit("/app/doncaster/settings/page-text", {"page_text": "<b>bold</b>"}).get_data(as_text=True)
    assert "plain text" in html


def test_the_contact_a_statement_and_the_page_text_show_on_the_public_page_until_reset(app, client):
    admin = signed_in(app, client, "doncaster", Role.ADMIN)
    admin.submit("/app/doncaster/settings/contact", {"email": "new.team@doncaster.example.org",
                                                     "phone": "01302 000000"}, follow=True)
    admin.submit("/app/doncaster/settings/statement", {
        "title": "A statement from the chair", "body": "We publish this review today.", "position": "top"},
        follow=True)
    admin.submit("/app/doncaster/settings/page-text", {"page_text": "Our own words about reviews."}, follow=True)
    page = client.get("/doncaster/").get_data(as_text=True)
    assert "new.team@doncaster.example.org" in page and "01302 000000" in page
    assert "A statement from the chair" in page and "We publish this review today." in page
    assert "Our own words about reviews." in page and "tells the national Child Safeguarding" not in page
    assert "new.team@doncaster.example.org" not in client.get("/york/").get_data(as_text=True)
    listed = admin.get("/app/doncaster/settings").get_data(as_text=True)
    assert listed.count("Reset to the plugin&#39;s value") + listed.count("Reset to the plugin's value") == 3
    reset = client.post("/app/doncaster/settings/reset", data={"csrf_token": csrf_of(listed), "setting": "contact"})
    assert reset.status_code == 302
    page = client.get("/doncaster/").get_data(as_text=True)
    plugin_email = app.extensions["cspr.plugins"].policy("doncaster").identity["contact"]["email"]
    assert plugin_email in page and "new.team@doncaster.example.org" not in page
    assert "A statement from the chair" in page  # the other settings stay


def test_only_an_admin_changes_settings_and_nothing_statutory_is_a_setting(app, client):
    partner = signed_in(app, client, "doncaster", Role.PARTNER)
    assert partner.get("/app/doncaster/settings").status_code == 403
    assert partner.get("/app/doncaster/settings/contact").status_code == 403
    assert client.post("/app/doncaster/settings/contact", data={"email": "x@doncaster.example.org"}).status_code in (
        400, 403)  # no CSRF token or no permission: either way nothing changes
    client.get("/sign-out")
    admin = signed_in(app, client, "york", Role.ADMIN)
    listed = admin.get("/app/york/settings").get_data(as_text=True)
    assert "Reset to the plugin" not in listed  # nothing changed yet: nothing to reset
    refused = client.post("/app/york/settings/reset", data={"csrf_token": csrf_of(listed), "setting": "notify_panel"})
    assert refused.status_code == 400
    from cspr.partnerships.settings import SETTINGS

    assert set(SETTINGS) == {"closure_days", "contact", "statement", "page_text", "reminder_recipients"}
