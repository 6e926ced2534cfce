"""Password reset links: opaque, stored hashed, single use, short-lived, and safe against a race."""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from sqlalchemy import create_engine, select, text, update

from cspr.accounts import password_resets
from cspr.accounts.models import PasswordResetToken, Role, User
from cspr.accounts.users import set_password
from cspr.db import get_db
from tests.api_kit import make_member
from tests.web_kit import Browser, csrf_of

ADMIN = "admin@doncaster.example.org"
NEW = {"password": "a brand new passphrase", "confirm": "a brand new passphrase"}


@pytest.fixture
def member(app):
    return make_member(app, "doncaster", Role.ADMIN)


def _mailed_token(client, mailbox) -> str:
    """Ask for a link as the person would, and read the token off the e-mail."""
    mailbox.messages.clear()
    assert Browser(client).submit("/reset-password", {"email": ADMIN}).status_code == 200
    (message,) = mailbox.wait_for(1)
    return re.search(r"/reset-password/(\S+)", message.get_payload(decode=True).decode()).group(1)


def _password_hash(app) -> str:
    with app.app_context(), get_db().session_scope() as session:
        return session.scalar(select(User.password_hash).where(User.email == ADMIN))


def _decodings(token: str) -> list[str]:
    """The token and whatever its dot-separated parts decode to (base64), for looking inside it."""
    found = [token]
    for part in token.split("."):
        try:
            found.append(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode("latin-1"))
        except ValueError:
            pass
    return found


def test_the_link_carries_nothing_of_the_password_hash_and_is_stored_hashed(app, client, mailbox, member):
    token = _mailed_token(client, mailbox)
    digest = _password_hash(app).rsplit("$", 1)[-1]  # argon2's hash part
    pieces = {digest[i:i + 6] for i in range(len(digest) - 5)}
    for seen in _decodings(token):
        assert not any(piece in seen for piece in pieces), seen
    with app.app_context(), get_db().session_scope() as session:
        rows = session.scalars(select(PasswordResetToken)).all()
        assert [r.token_hash for r in rows] == [hashlib.sha256(token.encode()).hexdigest()]
        assert rows[0].expires_at - rows[0].created_at <= timedelta(hours=1)


def test_a_link_works_once(app, client, mailbox, member):
    token = _mailed_token(client, mailbox)
    browser = Browser(client)
    assert browser.submit(f"/reset-password/{token}", NEW).status_code == 302
    again = client.get(f"/reset-password/{token}")
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)
    page = Browser(app.test_client())
    response = page.client.post(f"/reset-password/{token}", data={"csrf_token": "x", **NEW})
    assert response.status_code == 400
    assert browser.sign_in(ADMIN, NEW["password"]).status_code == 302


def test_an_expired_link_is_refused(app, client, mailbox, member):
    token = _mailed_token(client, mailbox)
    with app.app_context(), get_db().session_scope() as session:
        session.execute(update(PasswordResetToken).values(
            expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    response = client.get(f"/reset-password/{token}")
    assert response.status_code == 400 and "more than an hour old" in response.get_data(as_text=True)


def test_a_new_link_or_a_new_password_spends_the_old_links(app, client, mailbox, member):
    first = _mailed_token(client, mailbox)
    second = _mailed_token(client, mailbox)
    response = client.get(f"/reset-password/{first}")
    assert response.status_code == 400 and "newer link has been sent" in response.get_data(as_text=True)
    assert client.get(f"/reset-password/{second}").status_code == 200
    with app.app_context(), get_db().session_scope() as session:
        set_password(session, session.scalar(select(User).where(User.email == ADMIN)),
                     "another good passphrase")
    assert client.get(f"/reset-password/{second}").status_code == 400


def test_a_refused_new_password_leaves_the_link_usable(app, client, mailbox, member):
    token = _mailed_token(client, mailbox)
    browser = Browser(client)
    weak = browser.submit(f"/reset-password/{token}", {"password": "password123456", "confirm": "password123456"})
    assert weak.status_code == 400 and "too common" in weak.get_data(as_text=True)
    assert browser.submit(f"/reset-password/{token}", NEW).status_code == 302


def _race(app, token: str, passwords: list[str]) -> list[int]:
    """POST the same link with each password from its own browser, all at the same moment."""
    clients = [app.test_client() for _ in passwords]
    forms = [csrf_of(c.get(f"/reset-password/{token}").get_data(as_text=True)) for c in clients]
    barrier = threading.Barrier(len(clients))
    answers = [0] * len(clients)

    def post(i: int) -> None:
        barrier.wait()
        answers[i] = clients[i].post(f"/reset-password/{token}", data={
            "csrf_token": forms[i], "password": passwords[i], "confirm": passwords[i]}).status_code

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


@pytest.mark.commits
def test_two_parallel_posts_of_one_link_set_the_password_at_most_once(app, member, pg_url):
    hasher = PasswordHasher()
    for round_ in range(3):
        with app.app_context(), get_db().session_scope() as session:
            token = password_resets.issue(session, session.scalar(select(User).where(User.email == ADMIN)))
        passwords = [f"parallel passphrase {round_} one", f"parallel passphrase {round_} two"]
        answers = _race(app, token, passwords)
        assert sorted(answers) == [302, 400], answers
        stored = _password_hash(app)
        matches = []
        for password in passwords:
            try:
                matches.append(hasher.verify(stored, password))
            except VerifyMismatchError:
                matches.append(False)
        assert matches == [answer == 302 for answer in answers]
    owner = create_engine(pg_url)
    with owner.connect() as conn:
        resets = conn.scalar(text("SELECT count(*) FROM audit_events WHERE action = 'password.reset'"))
    owner.dispose()
    assert resets == 3
