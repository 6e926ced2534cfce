"""The signed-in staff frame: the session, the member and the partnership's settings, read afresh each request.

The frame costs two statements (the session with its user, carrying the partnership's tenancy
settings; then the membership, the partnership and its local settings), and nothing of it is kept
between requests: a member removed, a role changed or a setting saved is seen by the next request,
in this app and in any other running beside it.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from cspr import create_app
from cspr.accounts.models import Membership, Role
from cspr.calendar import WorkingCalendar
from cspr.db import get_db, statement_counter
from cspr.db.tenancy import acting_for
from cspr.partnerships import services as partnerships
from cspr.services.context import london_today
from tests.reporting.test_dashboard import action_due_on
from tests.web_kit import Browser, signed_in

#: Configuration a second app on the same database needs (as another process of the deployment would).
SHARED = ("DATABASE_URL", "MIGRATION_DATABASE_URL", "BROKER_URL", "TESTING", "MAIL_SERVER", "MAIL_PORT",
          "SERVER_NAME", "RATELIMIT_STORAGE_URI", "RATELIMIT_KEY_PREFIX")


def membership_id(app, slug: str, user_id: int) -> int:
    with app.app_context(), get_db().session_scope() as session:
        with acting_for(session, partnerships.get(session, slug).id):
            return session.scalar(select(Membership.id).where(Membership.user_id == user_id))


def test_a_removed_member_is_refused_on_their_next_request(app):
    admin = signed_in(app, app.test_client(), "doncaster", Role.ADMIN)
    partner = signed_in(app, app.test_client(), "doncaster", Role.PARTNER)
    assert "(partner)" in partner.get("/app/doncaster/").get_data(as_text=True)
    gone = membership_id(app, "doncaster", partner.member.user_id)
    assert admin.submit(f"/app/doncaster/members/{gone}/remove", {}).status_code == 302
    assert partner.get("/app/doncaster/").status_code == 404
    assert partner.get("/app/doncaster/cases").status_code == 404


def test_a_changed_role_holds_from_the_next_request(app):
    admin = signed_in(app, app.test_client(), "doncaster", Role.ADMIN)
    partner = signed_in(app, app.test_client(), "doncaster", Role.PARTNER)
    assert partner.get("/app/doncaster/members").status_code == 403
    changed = membership_id(app, "doncaster", partner.member.user_id)
    assert admin.submit(f"/app/doncaster/members/{changed}", {"role": "admin"}).status_code == 302
    page = partner.get("/app/doncaster/members")
    assert page.status_code == 200 and "(admin)" in page.get_data(as_text=True)


def test_a_member_of_one_partnership_is_refused_anothers_pages_and_an_unknown_one(app, client):
    member = signed_in(app, client, "doncaster", Role.ADMIN)
    assert member.get("/app/plymouth/").status_code == 404
    assert member.get("/app/no-such-partnership/").status_code == 404
    assert member.get("/app/doncaster/").status_code == 200  # and its own still opens after both


@pytest.mark.commits  # two apps, two connection pools: each must see the other's commits
def test_a_saved_setting_shows_on_the_next_page_of_every_app(app, tmp_path):
    other = create_app({**{key: app.config[key] for key in SHARED if key in app.config},
                        "INSTANCE_PATH": str(tmp_path / "other")})
    try:
        today = london_today()
        calendar: WorkingCalendar = app.extensions["cspr.plugins"].policy("doncaster").calendar
        here = signed_in(app, app.test_client(), "doncaster", Role.ADMIN)
        action_due_on(app, calendar.add(today, 8), "Review Past The Week")
        there = Browser(other.test_client())
        assert there.sign_in("admin@doncaster.example.org").status_code == 302
        for browser in (here, there):  # each app has shown the dashboard before the change
            html = browser.get("/app/doncaster/").get_data(as_text=True)
            assert "Review Past The Week" not in html
        closed = calendar.add(today, 1)  # a working day in the next seven: they reach one day further
        saved = here.submit("/app/doncaster/settings/closure-days", {"closure_days": closed.isoformat()})
        assert saved.status_code == 302
        for browser in (here, there):
            soon = browser.get("/app/doncaster/").get_data(as_text=True).split('id="this-week"', 1)[1]
            assert "Action plan: Review Past The Week" in soon.split("</table>", 1)[0]
    finally:
        other.extensions["cspr.db"].engine.dispose()


@pytest.mark.commits  # counts a real transaction's statements (a savepoint would add its own)
def test_the_frame_is_two_statements_and_the_first_sets_the_partnerships_settings(app, client):
    member = signed_in(app, client, "doncaster", Role.ADMIN)
    engine = app.extensions["cspr.db"].engine
    with statement_counter(engine) as seen:
        page = member.get("/app/doncaster/")
    assert page.status_code == 200
    session_and_user, member_and_settings, *_dashboard = seen
    assert re.search(r"set_config\('cspr.partnership_id'.*FROM partnerships p WHERE p.slug", session_and_user)
    assert "FROM user_sessions" not in session_and_user.split("set_config", 1)[0]
    assert "FROM memberships JOIN partnerships" in member_and_settings
    assert "LEFT OUTER JOIN partnership_settings" in member_and_settings
    assert not any(statement.startswith("SELECT set_config") for statement in seen)
    assert len(seen) == 4  # the frame's two, the dashboard's rows and its counts
