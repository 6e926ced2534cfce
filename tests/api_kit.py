"""Set-up for API tests: members of each partnership with a token, and a small client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask.testing import FlaskClient

from cspr.accounts import tokens
from cspr.accounts.models import Role
from cspr.accounts.users import create_user
from cspr.db import get_db
from cspr.partnerships import services as partnerships

# Every member made here has set up an authenticator app with this key (tests compute its codes).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@dataclass
class Member:
    """A member of one partnership with an API token."""

    slug: str
    role: Role
    user_id: int
    token: str
    token_id: int


def make_member(app, slug: str, role: Role, email: str | None = None, agency: str | None = None) -> Member:
    with app.app_context():
        with get_db().session_scope() as session:
            registry = app.extensions["cspr.plugins"]
            partnerships.sync(session, registry)
            row = partnerships.get(session, slug)
            # an agency contributor answers for one agency (the first, unless told); nobody else has one
            agency = (agency or registry.policy(slug).agencies[0]["key"]) if role == Role.CONTRIBUTOR else None
            handle = role.value.replace(" ", "-")
            user = create_user(session, email or f"{handle}@{slug}.example.org", f"{role.value} {slug}",
                               "a long enough passphrase", memberships=[(row, role, agency)])
            user.totp_secret, user.totp_confirmed_at = TOTP_SECRET, datetime.now(UTC)
            token, clear = tokens.issue(session, user, row, "tests")
            return Member(slug, role, user.id, clear, token.id)


class Api:
    """Calls /api/v1/<slug>/... as one member."""

    def __init__(self, client: FlaskClient, member: Member) -> None:
        self.client = client
        self.member = member

    def url(self, path: str, slug: str | None = None) -> str:
        return f"/api/v1/{slug or self.member.slug}{path}"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.member.token}"}

    def get(self, path: str, slug: str | None = None, **kw):
        return self.client.get(self.url(path, slug), headers=self._headers(), **kw)

    def post(self, path: str, json=None, slug: str | None = None, **kw):
        return self.client.post(self.url(path, slug), json=json, headers=self._headers(), **kw)

    def patch(self, path: str, json=None, slug: str | None = None):
        return self.client.patch(self.url(path, slug), json=json, headers=self._headers())

    def put(self, path: str, json=None, slug: str | None = None):
        return self.client.put(self.url(path, slug), json=json, headers=self._headers())

    def delete(self, path: str, slug: str | None = None):
        return self.client.delete(self.url(path, slug), headers=self._headers())
