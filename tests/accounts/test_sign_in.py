"""Strong sign-in for staff: two factors, lock-out, rate limits on Redis, sessions that end, re-authentication."""

from __future__ import annotations

import datetime as dt
import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import redis
from sqlalchemy import select, update

from cspr.accounts.models import Role, User, UserSession
from cspr.accounts.users import UserError, create_user, password_problem
from cspr.audit.models import AuditEvent
from cspr.db import get_db, get_session
from cspr.db.tenancy import acting_for
from cspr.partnerships import services as partnerships
from cspr.records import holds
from cspr.reviews import services as reviews
from cspr.services.context import Context
from tests.api_kit import TOTP_SECRET, make_member
from tests.conftest import REDIS_URL
from tests.web_kit import PASSWORD, Browser, csrf_of, signed_in, totp_code

ADMIN = "admin@doncaster.example.org"


def password_only(client, email=ADMIN, password=PASSWORD):
    """The first step alone: the password is right, the second factor is still to come."""
    page = client.get("/sign-in")
    return client.post("/sign-in", data={"csrf_token": csrf_of(page.get_data(as_text=True)),
                                         "email": email, "password": password})


def post_code(client, code, url="/sign-in/two-factor"):
    page = client.get(url)
    return client.post(url, data={"csrf_token": csrf_of(page.get_data(as_text=True)), "code": code})


def sessions_of(app, email=ADMIN) -> list[UserSession]:
    with app.app_context(), get_db().session_scope() as session:
        user_id = session.scalar(select(User.id).where(User.email == email))
        rows = session.scalars(select(UserSession).where(UserSession.user_id == user_id)
                               .order_by(UserSession.created_at)).all()
        session.expunge_all()
        return list(rows)


def shift_sessions(app, email=ADMIN, **moves: timedelta) -> None:
    """Move a user's session timestamps into the past (the clock moving on)."""
    with app.app_context(), get_db().session_scope() as session:
        user_id = session.scalar(select(User.id).where(User.email == email))
        now = datetime.now(UTC)
        session.execute(update(UserSession).where(UserSession.user_id == user_id)
                        .values({column: now - delta for column, delta in moves.items()}))


def audit_actions(app, slug="doncaster") -> list[AuditEvent]:
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, slug)
        with acting_for(session, row.id):
            events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
            session.expunge_all()
            return list(events)


# -- two factors ---------------------------------------------------------------------

def test_a_password_alone_reaches_nothing(app, client):
    make_member(app, "doncaster", Role.ADMIN)
    response = password_only(client)
    assert response.status_code == 302 and response.location.endswith("/sign-in/two-factor")
    for url in ["/app/", "/app/doncaster/", "/app/doncaster/cases", "/app/doncaster/members",
                "/app/doncaster/cases.csv", "/operator/", "/account/recovery-codes"]:
        assert client.get(url).status_code == 302, url
        assert "/sign-in" in client.get(url).location, url
    assert client.get("/sign-in/two-factor").status_code == 200
    assert post_code(client, totp_code(app, ADMIN)).status_code == 302
    assert client.get("/app/doncaster/").status_code == 200


def test_an_operator_too_needs_the_second_factor(app, client):
    with app.app_context(), get_db().session_scope() as session:
        create_user(session, "ops@example.org", "Ops", PASSWORD, is_operator=True)
    response = password_only(client, "ops@example.org")
    assert response.location.endswith("/sign-in/set-up-two-factor")
    assert client.get("/operator/").status_code == 302
    Browser(client).enrol()
    assert client.get("/operator/").status_code == 200


def test_a_first_sign_in_sets_up_the_app_and_shows_recovery_codes_once(app, client):
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        create_user(session, "new@example.org", "New", PASSWORD,
                    memberships=[(partnerships.get(session, "doncaster"), Role.VIEWER)])
    assert password_only(client, "new@example.org").location.endswith("/sign-in/set-up-two-factor")
    html = client.get("/sign-in/set-up-two-factor").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in html  # the QR code, inline, allowed by img-src data:
    secret = re.search(r'id="totp-secret">([^<]+)<', html).group(1).replace(" ", "")
    wrong = client.post("/sign-in/set-up-two-factor", data={"csrf_token": csrf_of(html), "code": "000000"})
    assert wrong.status_code == 400 and "Enter the code your authenticator app shows now" in wrong.get_data(
        as_text=True)
    done = client.post("/sign-in/set-up-two-factor",
                       data={"csrf_token": csrf_of(html), "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302 and done.location.endswith("/account/recovery-codes")
    codes = re.findall(r"<li><code>([^<]+)</code></li>", client.get("/account/recovery-codes").get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    again = client.get("/account/recovery-codes").get_data(as_text=True)
    assert "You have 10 unused recovery codes" in again and codes[0] not in again
    assert client.get("/app/doncaster/").status_code == 200
    assert "two_factor.enrolled" in [e.action for e in audit_actions(app)]
    with app.app_context(), get_db().session_scope() as session:
        stored = session.scalar(select(User).where(User.email == "new@example.org"))
        assert stored.totp_secret == secret and stored.has_two_factor


def test_a_recovery_code_works_once(app, client):
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        create_user(session, "new@example.org", "New", PASSWORD,
                    memberships=[(partnerships.get(session, "doncaster"), Role.VIEWER)])
    browser = Browser(client)
    browser.sign_in("new@example.org")
    first, second = browser.recovery_codes[:2]
    browser.sign_out()
    password_only(client, "new@example.org")
    assert post_code(client, first.upper()).status_code == 302  # as typed from paper, in capitals
    assert client.get("/app/doncaster/").status_code == 200
    browser.sign_out()
    password_only(client, "new@example.org")
    used = post_code(client, first)
    assert used.status_code == 400 and "a recovery code you have not used" in used.get_data(as_text=True)
    assert client.get("/app/doncaster/").status_code == 302
    assert post_code(client, second).status_code == 302
    events = [e for e in audit_actions(app) if e.action == "two_factor.recovery_code_used"]
    assert [e.detail["left"] for e in events] == [9, 8]


def test_a_totp_code_is_not_accepted_twice(app, client):
    make_member(app, "doncaster", Role.ADMIN)
    password_only(client)
    code = totp_code(app, ADMIN)
    assert post_code(client, code).status_code == 302
    Browser(client).sign_out()
    password_only(client)
    replay = post_code(client, code)
    assert replay.status_code == 400
    assert client.get("/app/doncaster/").status_code == 302


# -- lock-out and rate limits ---------------------------------------------------------

def test_five_wrong_passwords_lock_the_account_and_say_no_more_than_for_an_unknown_address(app, client):
    make_member(app, "doncaster", Role.ADMIN)
    answers = [password_only(client, ADMIN, "not the password") for _ in range(5)]
    assert {a.status_code for a in answers} == {400}
    locked = password_only(client, ADMIN, PASSWORD)  # the right password, but locked
    unknown = password_only(client, "nobody@example.org", PASSWORD)
    assert locked.status_code == unknown.status_code == 400

    def message(response):
        return re.search(r"Enter a correct email address and password[^<]*", response.get_data(as_text=True)).group(0)

    assert message(locked) == message(unknown) == message(answers[0])
    assert "locked for 15 minutes" in message(unknown)
    assert client.get("/app/doncaster/").status_code == 302
    actions = [e.action for e in audit_actions(app)]
    assert actions.count("sign_in.failed") == 6 and actions.count("account.locked") == 1
    failed = next(e for e in audit_actions(app) if e.action == "sign_in.failed")
    assert failed.remote_addr == "127.0.0.1" and failed.actor_user_id is not None
    with app.app_context(), get_db().session_scope() as session:  # 15 minutes pass
        session.execute(update(User).where(User.email == ADMIN)
                        .values(locked_until=datetime.now(UTC) - timedelta(seconds=1)))
    assert Browser(client).sign_in(ADMIN).status_code == 302
    assert client.get("/app/doncaster/").status_code == 200


def test_too_many_failed_sign_ins_get_429_counted_in_redis(app, client):
    app.config["RATELIMIT_SIGN_IN"] = "3 per minute"
    prefix = app.config["RATELIMIT_KEY_PREFIX"]
    store = redis.Redis.from_url(REDIS_URL)
    for n in range(3):  # an address counts the accounts it failed for, not the attempts
        assert password_only(client, f"nobody{n}@example.org", "wrong password here").status_code == 400
    assert store.keys(f"*{prefix}*"), "the counters are in Redis"
    refused = password_only(client, "someone.else@example.org", "wrong password here")
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert "Too many attempts" in html and "govuk-heading-l" in html and "Wait a few minutes" in html
    for key in store.keys(f"*{prefix}*"):  # the limit lives in Redis: forget the counts, and it lifts
        store.delete(key)
    assert password_only(client, "nobody@example.org", "wrong password here").status_code == 400


def test_one_address_hammered_from_anywhere_is_limited_by_email(app, client):
    app.config["RATELIMIT_SIGN_IN_EMAIL"] = "2 per minute"
    make_member(app, "doncaster", Role.ADMIN)
    for _ in range(2):
        password_only(client, ADMIN, "not the password")
    other = app.test_client()  # another address would be another client; the e-mail key is shared
    assert password_only(other, ADMIN, "not the password").status_code == 429
    assert password_only(other, "someone@example.org", "not the password").status_code == 400


def test_the_second_factor_and_reset_requests_are_rate_limited(app, client):
    app.config["RATELIMIT_SECOND_FACTOR"] = "2 per minute"
    app.config["RATELIMIT_RESET"] = "2 per minute"
    make_member(app, "doncaster", Role.ADMIN)
    password_only(client)
    assert [post_code(client, "123456").status_code for _ in range(3)] == [400, 400, 429]
    browser = Browser(client)
    answers = [browser.submit("/reset-password", {"email": "nobody@example.org"}).status_code for _ in range(3)]
    assert answers == [200, 200, 429]


def test_api_calls_with_bad_tokens_get_429_in_the_json_shape(app, client):
    app.config["RATELIMIT_API_AUTH"] = "3 per minute"
    member = make_member(app, "doncaster", Role.ADMIN)
    good = {"Authorization": f"Bearer {member.token}"}
    assert client.get("/api/v1/doncaster/incidents", headers=good).status_code == 200
    for _ in range(3):
        assert client.get("/api/v1/doncaster/incidents", headers={"Authorization": "Bearer wrong"}).status_code == 401
    refused = client.get("/api/v1/doncaster/incidents", headers={"Authorization": "Bearer wrong"})
    assert refused.status_code == 429
    body = refused.get_json()
    assert body["code"] == 429 and "too many attempts" in body["message"].lower()


# -- sessions -----------------------------------------------------------------------

def test_each_sign_in_gets_a_new_session_identifier(app, client):
    make_member(app, "doncaster", Role.ADMIN)
    client.get("/sign-in")
    with client.session_transaction() as before:
        before["cspr_sid"] = "planted-by-someone-else"  # a fixed identifier is never adopted
    browser = Browser(client)
    browser.sign_in(ADMIN)
    with client.session_transaction() as first:
        first_sid = first["cspr_sid"]
    assert first_sid != "planted-by-someone-else"
    browser.sign_out()
    browser.sign_in(ADMIN)
    with client.session_transaction() as second:
        assert second["cspr_sid"] != first_sid
    rows = sessions_of(app)
    assert len(rows) == 2 and rows[0].ended_reason == "signed_out" and rows[1].ended_at is None
    assert rows[1].second_factor_at is not None and rows[1].remote_addr == "127.0.0.1"


def test_a_cookie_copied_before_sign_out_is_refused_afterwards(app, client):
    browser = signed_in(app, client, "doncaster", Role.ADMIN)
    thief = app.test_client()
    cookie = client.get_cookie("session", domain="cspr.test")
    thief.set_cookie("session", cookie.value, domain="cspr.test")
    assert thief.get("/app/doncaster/").status_code == 200  # the copy works while the session lives
    browser.sign_out()
    refused = thief.get("/app/doncaster/")
    assert refused.status_code == 302 and "/sign-in" in refused.location
    assert "Your session has ended" in thief.get("/sign-in").get_data(as_text=True)
    assert sessions_of(app)[0].ended_reason == "signed_out"


def test_an_idle_session_ends(app, client):
    signed_in(app, client, "doncaster", Role.ADMIN)
    shift_sessions(app, last_seen_at=timedelta(minutes=31))
    response = client.get("/app/doncaster/")
    assert response.status_code == 302
    assert "had not used the service for 30 minutes" in client.get("/sign-in").get_data(as_text=True)
    assert sessions_of(app)[0].ended_reason == "idle"
    assert client.get("/app/doncaster/").status_code == 302


def test_activity_keeps_a_session_alive_but_not_past_its_absolute_limit(app, client):
    signed_in(app, client, "doncaster", Role.ADMIN)
    shift_sessions(app, last_seen_at=timedelta(minutes=29), created_at=timedelta(hours=11))
    assert client.get("/app/doncaster/").status_code == 200
    assert datetime.now(UTC) - sessions_of(app)[0].last_seen_at.replace(tzinfo=UTC) < timedelta(minutes=1)
    shift_sessions(app, last_seen_at=timedelta(minutes=1), created_at=timedelta(hours=12, minutes=1))
    assert client.get("/app/doncaster/").status_code == 302
    assert "signed in more than 12 hours ago" in client.get("/sign-in").get_data(as_text=True)
    assert sessions_of(app)[0].ended_reason == "absolute"


def test_disabling_an_account_ends_its_sessions(app, client):
    signed_in(app, client, "doncaster", Role.ADMIN)
    with app.app_context(), get_db().session_scope() as session:
        create_user(session, "ops@example.org", "Ops", PASSWORD, is_operator=True)
        admin_id = session.scalar(select(User.id).where(User.email == ADMIN))
    ops = Browser(app.test_client())
    ops.sign_in("ops@example.org")
    assert ADMIN in ops.get("/operator/users").get_data(as_text=True)
    assert client.get("/app/doncaster/").status_code == 200
    token = csrf_of(ops.get("/operator/users").get_data(as_text=True))
    response = ops.client.post(f"/operator/users/{admin_id}/toggle", data={"csrf_token": token}, follow_redirects=True)
    assert f"{ADMIN} is disabled; 1 session ended" in response.get_data(as_text=True)
    assert client.get("/app/doncaster/").status_code == 302
    assert sessions_of(app)[0].ended_reason == "disabled"
    assert Browser(app.test_client()).sign_in(ADMIN).status_code == 400
    disabled = [e for e in audit_actions(app) if e.action == "account.disabled"]
    assert disabled and disabled[0].detail["sessions_ended"] == 1 and disabled[0].remote_addr == "127.0.0.1"


def test_a_password_reset_ends_every_session(app, client):
    from cspr.accounts.views.sign_in import reset_token

    signed_in(app, client, "doncaster", Role.ADMIN)
    with app.test_request_context(), get_db().session_scope() as session:
        link = "/reset-password/" + reset_token(session.scalar(select(User).where(User.email == ADMIN)))
    other = Browser(app.test_client())
    response = other.submit(link, {"password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert response.status_code == 302
    assert client.get("/app/doncaster/").status_code == 302
    assert sessions_of(app)[0].ended_reason == "password_changed"


# -- re-authentication ------------------------------------------------------------------

@pytest.fixture
def review_id(app):
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            ctx = Context(session, row, app.extensions["cspr.plugins"].policy("doncaster"), actor="test")
            return reviews.start(ctx, kind="local_cspr", title="Re-auth", decided_on=dt.date(2026, 1, 5)).id


def confirm(browser, next_url, password=PASSWORD):
    return browser.submit(f"/confirm-it-is-you?next={next_url}",
                          {"password": password, "code": totp_code(browser.client.application, ADMIN)})


def test_sensitive_actions_ask_again_after_five_minutes(app, client, review_id):
    admin = signed_in(app, client, "doncaster", Role.ADMIN)
    html = admin.get("/app/doncaster/members").get_data(as_text=True)
    membership = re.search(r'/app/doncaster/members/(\d+)"', html).group(1)
    with app.app_context(), get_db().session_scope() as session:
        hold = holds.place(session, partnerships.get(session, "doncaster"), reason="Inquiry", actor="test")
    sensitive = [f"/app/doncaster/holds/{hold.id}/release", "/app/doncaster/audit.csv",
                 f"/app/doncaster/reviews/{review_id}/publish", f"/app/doncaster/members/{membership}",
                 f"/app/doncaster/members/{membership}/remove", "/app/doncaster/members/new",
                 "/app/doncaster/cases.csv", "/app/doncaster/cases.xlsx", "/app/doncaster/deadlines.ics"]
    for url in sensitive:  # just signed in: fresh
        assert admin.get(url).status_code == 200, url
    shift_sessions(app, reauth_at=timedelta(minutes=6))
    for url in sensitive:
        response = admin.get(url)
        assert response.status_code == 302 and "/confirm-it-is-you?next=" in response.location, url
    assert admin.get(f"/app/doncaster/reviews/{review_id}").status_code == 200  # reading is not sensitive
    wrong = confirm(admin, "/app/doncaster/cases.csv", password="not the password at all")
    assert wrong.status_code == 400 and "Enter your correct password" in wrong.get_data(as_text=True)
    done = confirm(admin, "/app/doncaster/cases.csv")
    assert done.status_code == 302 and done.location.endswith("/app/doncaster/cases.csv")
    for url in sensitive:
        assert admin.get(url).status_code == 200, url
    assert "sign_in.reauthenticated" in [e.action for e in audit_actions(app)]


def test_a_stale_form_post_goes_through_confirmation_and_changes_nothing(app, client):
    admin = signed_in(app, client, "doncaster", Role.ADMIN)
    make_member(app, "doncaster", Role.VIEWER)
    html = admin.get("/app/doncaster/members").get_data(as_text=True)
    viewer = re.search(r'/app/doncaster/members/(\d+)"[^>]*>Change role<span class="govuk-visually-hidden"> of viewer',
                       html).group(1)
    token = csrf_of(admin.get(f"/app/doncaster/members/{viewer}").get_data(as_text=True))
    shift_sessions(app, reauth_at=timedelta(minutes=6))
    response = client.post(f"/app/doncaster/members/{viewer}", data={"csrf_token": token, "role": "admin"})
    assert response.status_code == 302 and "confirm-it-is-you" in response.location
    assert "Partnership admin" not in admin.get("/app/doncaster/members").get_data(as_text=True).split(
        "viewer@doncaster")[1][:400]
    confirm(admin, f"/app/doncaster/members/{viewer}")
    response = admin.submit(f"/app/doncaster/members/{viewer}", {"role": "partner"}, follow=True)
    assert "viewer@doncaster.example.org is now safeguarding partner representative" in response.get_data(as_text=True)


def test_single_sign_on_with_mfa_skips_our_code_and_without_it_asks(app):
    from cspr.accounts.views.sign_in import complete_sign_in

    @app.route("/test-sso/<int:mfa>")
    def _fake_sso(mfa: int):
        user = get_session().scalar(select(User).where(User.email == ADMIN))
        return complete_sign_in(user, method="oidc:test", second_factor=bool(mfa))

    make_member(app, "doncaster", Role.ADMIN)
    with_mfa = app.test_client()
    assert with_mfa.get("/test-sso/1").location.endswith("/app/")
    assert with_mfa.get("/app/doncaster/").status_code == 200
    without = app.test_client()
    assert without.get("/test-sso/0").location.endswith("/sign-in/two-factor")
    assert without.get("/app/doncaster/").status_code == 302
    assert [r.method for r in sessions_of(app)] == ["oidc:test", "oidc:test"]


def test_audit_events_reach_every_partnership_of_the_user(app, client):
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        user = create_user(session, "both@example.org", "Both", PASSWORD, memberships=[
            (partnerships.get(session, "york"), Role.VIEWER), (partnerships.get(session, "plymouth"), Role.ADMIN)])
        user.totp_secret, user.totp_confirmed_at = TOTP_SECRET, datetime.now(UTC)
        user_id = user.id
    browser = Browser(client)
    browser.sign_in("both@example.org")
    browser.sign_out()
    for slug in ("york", "plymouth"):
        events = [e for e in audit_actions(app, slug) if e.action in {"sign_in.succeeded", "sign_out"}]
        assert [e.action for e in events] == ["sign_in.succeeded", "sign_out"], slug
        assert all(e.actor_user_id == user_id and e.remote_addr == "127.0.0.1" for e in events)
    assert not [e for e in audit_actions(app, "doncaster") if e.action.startswith("sign_")]


# -- passwords (NCSC: length and a deny-list, no composition rules) -----------------------

@pytest.mark.parametrize(("password", "problem"), [
    ("short", "at least 12 characters"),
    ("x" * 257, "256 characters or fewer"),
    ("qwerty123456", "too common"),
    ("Password12345!", "too common"),
    ("iloveyou iloveyou", None),
    ("aaaaaaaaaaaaaaa", "too common"),
    ("Safeguarding2026", "too easy to guess"),
    ("doncaster2026!!", "too easy to guess"),
    ("jo.bloggs.1999", "too easy to guess"),
    ("correct horse battery staple", None),
    ("a long enough passphrase", None),
    ("nocapitalsordigitsneeded", None),
])
def test_password_rules(password, problem):
    found = password_problem(password, email="jo.bloggs@example.org", context=["Doncaster", "doncaster"])
    assert (found is None) if problem is None else (problem in found), found


def test_weak_passwords_are_refused_on_the_forms_and_in_accounts(app, client, mailbox):
    from cspr.accounts.views.sign_in import reset_token

    make_member(app, "doncaster", Role.ADMIN)
    with app.test_request_context(), get_db().session_scope() as session:
        link = "/reset-password/" + reset_token(session.scalar(select(User).where(User.email == ADMIN)))
        with pytest.raises(UserError, match="too common"):
            create_user(session, "x@example.org", "X", "qwerty123456")
    browser = Browser(client)
    for weak, message in [("password123456", "too common and easy to guess"),
                          ("Doncaster 2026", "the name of this service, a partnership or your email"),
                          ("shorter", "at least 12 characters long")]:
        response = browser.submit(link, {"password": weak, "confirm": weak})
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and "There is a problem" in html and message in html, weak
    assert browser.submit(link, {"password": "a brand new passphrase",
                                 "confirm": "a brand new passphrase"}).status_code == 302


def test_single_sign_on_without_our_code_re_authenticates_through_the_provider(app):
    from cspr.accounts.views.sign_in import complete_sign_in

    @app.route("/test-sso")
    def _fake_sso():
        user = get_session().scalar(select(User).where(User.email == "sso@example.org"))
        return complete_sign_in(user, method="oidc:doncaster", second_factor=True)

    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        create_user(session, "sso@example.org", "SSO", None,
                    memberships=[(partnerships.get(session, "doncaster"), Role.ADMIN)])
    client = app.test_client()
    client.get("/test-sso")
    assert client.get("/app/doncaster/cases.csv").status_code == 200
    shift_sessions(app, "sso@example.org", reauth_at=timedelta(minutes=6))
    detour = client.get("/app/doncaster/cases.csv")
    assert "/confirm-it-is-you" in detour.location
    again = client.get(detour.location)
    assert again.status_code == 302 and again.location.endswith("/sign-in/doncaster/sso")
    with client.session_transaction() as cookie:
        assert cookie["next"] == "/app/doncaster/cases.csv"  # where complete_sign_in returns
