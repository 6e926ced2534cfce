"""Rate limits key on what is attacked: other people behind the same address are not shut out.

Counts live in Redis (the app fixture's RATELIMIT_STORAGE_URI). A council's staff share one
public address, so every test sends the attacker's requests and the innocent one's from the
same address (the test client's 127.0.0.1 unless it says otherwise).
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pyotp
import pytest
from sqlalchemy import func, select

from cspr.accounts.models import Role
from cspr.archive import services as archive
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.messaging.models import OutboxMessage
from cspr.partnerships import demo
from cspr.partnerships import services as partnerships
from tests.api_kit import TOTP_SECRET, make_member
from tests.web_kit import PASSWORD, Browser, csrf_of

X = "admin@doncaster.example.org"  # the account under attack
Y = "viewer@doncaster.example.org"  # a colleague behind the same address


def password_step(client, email: str, password: str):
    page = client.get("/sign-in")
    return client.post("/sign-in", data={"csrf_token": csrf_of(page.get_data(as_text=True)),
                                         "email": email, "password": password})


def code_step(client, code: str):
    page = client.get("/sign-in/two-factor")
    return client.post("/sign-in/two-factor", data={"csrf_token": csrf_of(page.get_data(as_text=True)),
                                                    "code": code})


# -- the API ---------------------------------------------------------------------------

def test_a_storm_of_bad_tokens_does_not_refuse_a_valid_token_from_the_same_address(app, client):
    member = make_member(app, "doncaster", Role.ADMIN)
    limit = int(app.config["RATELIMIT_API_AUTH"].split()[0])
    bad = {"Authorization": "Bearer cspr_not-a-real-token"}
    storm = [client.get("/api/v1/doncaster/incidents", headers=bad).status_code for _ in range(limit + 5)]
    assert storm == [401] * limit + [429] * 5
    good = client.get("/api/v1/doncaster/incidents", headers={"Authorization": f"Bearer {member.token}"})
    assert good.status_code == 200, good.get_json()
    other = make_member(app, "plymouth", Role.VIEWER)  # every partnership's tokens from that address
    assert client.get("/api/v1/plymouth/incidents",
                      headers={"Authorization": f"Bearer {other.token}"}).status_code == 200
    refused = client.get("/api/v1/doncaster/incidents", headers=bad)  # the attacker is still refused
    assert refused.status_code == 429 and "too many attempts" in refused.get_json()["message"].lower()
    assert client.get("/api/v1/doncaster/incidents").status_code == 429  # no token at all counts too


# -- signing in ------------------------------------------------------------------------

def test_a_storm_of_wrong_passwords_does_not_shut_out_a_colleague_at_the_same_address(app, client):
    make_member(app, "doncaster", Role.ADMIN)
    make_member(app, "doncaster", Role.VIEWER)
    make_member(app, "doncaster", Role.PARTNER)
    attacked = [X, "partner@doncaster.example.org", "former.employee@doncaster.example.org"]
    storms = [[password_step(client, email, f"wrong guess number {n}").status_code for n in range(12)]
              for email in attacked]  # 36 wrong passwords from the address, 12 for each account
    colleague = app.test_client()  # another browser behind the same address
    answer = password_step(colleague, Y, PASSWORD)
    assert answer.status_code == 302 and answer.location.endswith("/sign-in/two-factor")
    assert storms == [[400] * 10 + [429] * 2] * 3  # each account's own limit counts every try
    assert code_step(colleague, pyotp.TOTP(TOTP_SECRET).now()).status_code == 302
    assert colleague.get("/app/doncaster/").status_code == 200
    assert password_step(client, X, "one more wrong guess").status_code == 429  # the attacker still is not


def test_spraying_many_accounts_from_one_address_is_stopped_there_only(app, client):
    app.config["RATELIMIT_SIGN_IN"] = "3 per 15 minutes"
    make_member(app, "doncaster", Role.VIEWER)
    for n in range(3):
        assert password_step(client, f"guess{n}@doncaster.example.org", "Summer2026 password").status_code == 400
    assert password_step(client, "guess9@doncaster.example.org", "Summer2026 password").status_code == 429
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert password_step(elsewhere, Y, PASSWORD).status_code == 302


def test_wrong_codes_for_one_account_do_not_block_a_colleagues_code(app, client):
    app.config["LOCKOUT_THRESHOLD"] = 100  # reach the code limit before the lock-out
    make_member(app, "doncaster", Role.ADMIN)
    make_member(app, "doncaster", Role.VIEWER)
    assert password_step(client, X, PASSWORD).status_code == 302  # X's password has leaked
    limit = int(app.config["RATELIMIT_SECOND_FACTOR"].split()[0])
    answers = [code_step(client, f"{n:06d}").status_code for n in range(limit + 1)]
    assert answers == [400] * limit + [429]
    colleague = app.test_client()
    assert password_step(colleague, Y, PASSWORD).status_code == 302
    assert code_step(colleague, pyotp.TOTP(TOTP_SECRET).now()).status_code == 302
    assert colleague.get("/app/doncaster/").status_code == 200


# -- the public "ask for an archived report" form ---------------------------------------

@pytest.fixture
def archived(app):
    """The demo partnerships with Southampton's old reports archived as "available on request"."""
    from pathlib import Path

    with app.app_context(), get_db().session_scope() as session:
        demo.load(session, app.extensions["cspr.plugins"])
    with app.app_context(), get_db().sessionmaker() as session:
        archive.run(session, app.extensions["cspr.plugins"], date(2026, 11, 23),
                    Path(app.config["ARCHIVE_DIR"]), Path(app.config["DOCUMENTS_DIR"]))
    return app


def ask(client, address: str | None = None):
    """Send a filled-in request for the first archived report."""
    if address:
        client.environ_base["REMOTE_ADDR"] = address
    html = client.get("/southampton/request-a-report").get_data(as_text=True)
    review = re.search(r'<option value="(\d+)">', html).group(1)
    return client.post("/southampton/request-a-report", data={
        "csrf_token": csrf_of(html), "review": review, "name": "A Practitioner",
        "email": "practitioner@example.org", "reason": "Team learning session"})


def queued(app) -> int:
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "southampton")
        with acting_for(session, row.id):
            return session.scalar(select(func.count()).select_from(OutboxMessage))


def test_report_requests_from_one_address_are_limited_with_a_friendly_page(archived, client):
    archived.config["RATELIMIT_REPORT_REQUEST"] = "5 per hour"  # the default
    limit = 5
    mistake = Browser(client).submit("/southampton/request-a-report", {"name": "", "email": "x"})
    assert mistake.status_code == 400  # a form with mistakes sends nothing and costs nothing
    answers = [ask(client) for _ in range(limit + 25)]
    assert [a.status_code for a in answers] == [200] * limit + [429] * 25
    page = answers[-1].get_data(as_text=True)
    assert "Your request has not been sent" in page and "Try again later" in page
    assert "safeguarding.partnershipsteam@southampton.gov.uk" in page
    assert queued(archived) == limit
    assert ask(archived.test_client(), "192.0.2.50").status_code == 200  # someone else can still ask


@pytest.mark.commits
def test_a_partnerships_team_gets_no_more_requests_than_its_limit_from_parallel_senders(archived):
    archived.config["RATELIMIT_REPORT_REQUEST_PARTNERSHIP"] = "3 per day"
    senders = [archived.test_client() for _ in range(10)]
    barrier = threading.Barrier(len(senders))

    def send(n: int) -> int:
        barrier.wait()
        return ask(senders[n], f"198.51.100.{n + 1}").status_code

    with ThreadPoolExecutor(max_workers=len(senders)) as pool:
        answers = list(pool.map(send, range(len(senders))))
    assert sorted(answers) == [200] * 3 + [429] * 7
    assert queued(archived) == 3
