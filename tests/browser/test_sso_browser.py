"""Single sign-on in Chromium: the cookie survives the round trip through a provider on another site."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from cspr import create_app
from cspr.accounts.models import Role
from cspr.db import get_db
from cspr.partnerships import services as partnerships
from tests.api_kit import make_member
from tests.browser.conftest import at_both_widths
from tests.conftest import REDIS_URL, truncate_all
from tests.mailbox import free_port
from tests.oidc_provider import Provider
from tests.plugin_kit import plugin_with

pytestmark = pytest.mark.slow
SECRET_ENV = "CSPR_TEST_SSO_SECRET_RIVERSIDE"


@pytest.fixture
def site(pg_url: str, tmp_path, monkeypatch) -> Iterator[dict[str, Any]]:
    """Riverside with single sign-on, served on 127.0.0.1; its provider on "localhost", another site."""
    idp = Provider(host="localhost").start()
    monkeypatch.setenv(SECRET_ENV, idp.client_secret)
    settings = {"issuer": idp.issuer, "client_id": idp.client_id, "client_secret_env": SECRET_ENV,
                "allowed_domains": ["riverside.example.org"], "display_name": "Riverside Council account"}
    app = create_app({"DATABASE_URL": pg_url, "BROKER_URL": REDIS_URL, "TESTING": True,
                      "INSTANCE_PATH": str(tmp_path / "instance"),
                      "EXTRA_PLUGINS": [("riverside", plugin_with(cspr_single_sign_on=lambda: settings))]})
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
    port = free_port()
    live = f"http://127.0.0.1:{port}"
    idp.redirect_uris = [f"{live}/sign-in/riverside/sso/callback"]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"app": app, "live": live, "idp": idp}
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        idp.stop()
        app.extensions["cspr.db"].engine.dispose()
        truncate_all(pg_url)


def test_a_member_signs_in_with_their_council_account_in_a_real_browser(site, page):
    make_member(site["app"], "riverside", Role.ADMIN, "sam@riverside.example.org")
    site["idp"].sign_in_as("sam@riverside.example.org", amr=["pwd", "mfa"])
    page.goto(f"{site['live']}/sign-in")
    assert at_both_widths(page) == {}
    page.click("text=Sign in with Riverside Council account")
    expect(page).to_have_url(f"{site['live']}/app/riverside/")
    expect(page.locator("body")).to_contain_text("Signed in as sam@riverside.example.org")
    assert "/authorize" in site["idp"].requests  # the browser really went to the provider


def test_someone_without_an_account_gets_a_clear_accessible_page(site, page):
    site["idp"].sign_in_as("stranger@riverside.example.org")
    page.goto(f"{site['live']}/sign-in")
    page.click("text=Sign in with Riverside Council account")
    expect(page.locator("h1")).to_have_text("You could not sign in with your Riverside Council account")
    expect(page.locator("main")).to_contain_text("There is no account for stranger@riverside.example.org")
    assert at_both_widths(page) == {}
    page.click("text=Go back to sign in")
    expect(page).to_have_url(f"{site['live']}/sign-in")
