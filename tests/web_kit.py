"""Driving the staff app through the Flask test client, CSRF tokens and all."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from cspr.models import Role
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

    def get(self, url: str, **kw: Any):  # noqa: ANN201
        return self.client.get(url, **kw)

    def submit(self, url: str, data: dict[str, Any], follow: bool = False):  # noqa: ANN201
        page = self.client.get(url)
        assert page.status_code == 200, (url, page.status_code)
        payload = {"csrf_token": csrf_of(page.get_data(as_text=True)), **data}
        return self.client.post(url, data=payload, follow_redirects=follow)

    def sign_in(self, email: str, password: str = PASSWORD):  # noqa: ANN201
        return self.submit("/sign-in", {"email": email, "password": password})

    def sign_out(self):  # noqa: ANN201
        token = csrf_of(self.client.get("/sign-in").get_data(as_text=True))
        return self.client.post("/sign-out", data={"csrf_token": token})


def signed_in(app, client: FlaskClient, slug: str, role: Role, email: str | None = None) -> Browser:  # noqa: ANN001
    member = make_member(app, slug, role, email)
    browser = Browser(client)
    response = browser.sign_in(email or f"{role.value}@{slug}.example.org")
    assert response.status_code == 302, response.get_data(as_text=True)
    browser.member = member
    return browser
