"""Driving the staff app through the Flask test client, CSRF tokens and all."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import pyotp
from flask.testing import FlaskClient
from sqlalchemy import select

from cspr.accounts.models import Role, User
from cspr.db import get_db
from tests.api_kit import make_member

PASSWORD = "a long enough passphrase"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def date(value: str) -> list[str]:
    """'2026-03-03' as the three boxes of a GOV.UK date input."""
    year, month, day = value.split("-")
    return [str(int(day)), str(int(month)), year]


class Browser:
    """A signed-in person using the staff app through the test client."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def get(self, url: str, **kw: Any):
        return self.client.get(url, **kw)

    def submit(self, url: str, data: dict[str, Any], follow: bool = False):
        page = self.client.get(url)
        assert page.status_code == 200, (url, page.status_code)
        payload = {"csrf_token": csrf_of(page.get_data(as_text=True)), **data}
        return self.client.post(url, data=payload, follow_redirects=follow)

    def confirm(self, url: str, page, follow: bool = False):
        """Press the confirm button of a 'Check your answers' page (its hidden fields posted back)."""
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "Check your answers" in html, (url, page.status_code)
        before, after = html.split('name="_confirm"', 1)
        form = before.rsplit("<form", 1)[1] + 'name="_confirm"' + after.split("</form>", 1)[0]
        fields = {}
        for tag in re.findall(r'<input[^>]*type="hidden"[^>]*>', form):
            name = re.search(r'name="([^"]*)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name:
                fields[unescape(name.group(1))] = unescape(value.group(1)) if value else ""
        fields.setdefault("_confirm", "1")
        return self.client.post(url, data=fields, follow_redirects=follow)

    def submit_checked(self, url: str, data: dict[str, Any], follow: bool = False):
        """Answer a form that asks 'Check your answers', then confirm (an answer with errors stops at the form)."""
        page = self.submit(url, data)
        if page.status_code != 200 or "Check your answers" not in page.get_data(as_text=True):
            return page
        return self.confirm(url, page, follow=follow)

    def sign_in(self, email: str, password: str = PASSWORD, next: str | None = None):
        """Password, then the second factor (setting up the authenticator app on a first sign-in)."""
        url = "/sign-in" + (f"?next={next}" if next else "")
        response = self.submit(url, {"email": email, "password": password})
        if response.status_code != 302:
            return response
        step = urlsplit(response.location).path
        if step == "/sign-in/two-factor":
            return self.submit(step, {"code": totp_code(self.client.application, email)})
        if step == "/sign-in/set-up-two-factor":
            return self.enrol(step)
        return response

    def enrol(self, url: str = "/sign-in/set-up-two-factor"):
        """Read the key off the set-up page as a person would, confirm a code, keep the recovery codes."""
        html = self.client.get(url).get_data(as_text=True)
        secret = re.search(r'id="totp-secret">([^<]+)<', html).group(1).replace(" ", "")
        response = self.client.post(url, data={"csrf_token": csrf_of(html), "code": pyotp.TOTP(secret).now()})
        assert response.status_code == 302, response.get_data(as_text=True)
        codes_page = self.client.get(urlsplit(response.location).path).get_data(as_text=True)
        self.recovery_codes = re.findall(r"<li><code>([^<]+)</code></li>", codes_page)
        return response

    def sign_out(self):
        token = csrf_of(self.client.get("/sign-in").get_data(as_text=True))
        return self.client.post("/sign-out", data={"csrf_token": token})


def totp_code(app, email: str) -> str:
    """The code the user's authenticator app shows now (the next one if this one was just used)."""
    while True:
        with app.app_context(), get_db().session_scope() as session:
            user = session.scalar(select(User).where(User.email == email.strip().lower()))
            secret, last = user.totp_secret, user.totp_last_step
        totp = pyotp.TOTP(secret)
        step = totp.timecode(datetime.now(UTC))
        if last is None or last < step + 1:  # the server accepts one step either side, each only once
            return totp.generate_otp(max(step, (last or 0) + 1))
        time.sleep(1)


def signed_in(app, client: FlaskClient, slug: str, role: Role, email: str | None = None,
              agency: str | None = None) -> Browser:
    member = make_member(app, slug, role, email, agency)
    browser = Browser(client)
    response = browser.sign_in(email or f"{role.value.replace(' ', '-')}@{slug}.example.org")
    assert response.status_code == 302, response.get_data(as_text=True)
    browser.member = member
    return browser
