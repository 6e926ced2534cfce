"""Links sent out come from BASE_URL, never the request's Host; production answers only its own hosts."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest

from cspr import create_app
from cspr.accounts.models import Role
from cspr.config import ConfigError
from cspr.db import get_db
from cspr.partnerships import demo
from tests.conftest import REDIS_URL
from tests.helpers import cspr, production_env, production_settings
from tests.web_kit import Browser, csrf_of, signed_in

BASE = "https://cspr.example.org"
EVIL = "evil.example"
GOOD_KEY = "k" * 40


@pytest.fixture
def open_app(app):
    """The test app answering any Host (no SERVER_NAME), with a configured public address."""
    app.config["SERVER_NAME"] = None
    app.config["BASE_URL"] = BASE
    return app


def _links(message) -> list[str]:
    return re.findall(r"https?://\S+", message.get_payload(decode=True).decode())


def test_a_poisoned_host_on_the_reset_request_still_mails_a_link_to_the_service(open_app, mailbox):
    from tests.api_kit import make_member

    make_member(open_app, "doncaster", Role.ADMIN)
    client = open_app.test_client()
    page = client.get("/reset-password", headers={"Host": EVIL})
    response = client.post("/reset-password", headers={"Host": EVIL, "X-Forwarded-Host": EVIL},
                           data={"csrf_token": csrf_of(page.get_data(as_text=True)),
                                 "email": "admin@doncaster.example.org"})
    assert response.status_code == 200
    (message,) = mailbox.wait_for(1)
    (link,) = _links(message)
    assert link.startswith(f"{BASE}/reset-password/") and EVIL not in message.as_string()
    # and the link works on the service's own address
    own = Browser(open_app.test_client())
    path = link[len(BASE):]
    assert own.submit(path, {"password": "a brand new passphrase",
                             "confirm": "a brand new passphrase"}).status_code == 302


def test_an_invitation_mail_links_to_the_service_whatever_the_host(open_app, mailbox):
    client = open_app.test_client()
    client.environ_base["HTTP_HOST"] = EVIL  # every request of this browser, sign-in included
    admin = signed_in(open_app, client, "doncaster", Role.ADMIN)
    response = admin.submit("/app/doncaster/members/new", {
        "email": "new.person@example.org", "name": "New Person", "role": "viewer"})
    assert response.status_code == 302
    (message,) = mailbox.wait_for(1)
    (link,) = _links(message)
    assert link.startswith(f"{BASE}/reset-password/")


def test_atom_feeds_link_to_the_service_whatever_the_host(open_app):
    with open_app.app_context(), get_db().session_scope() as session:
        demo.load(session, open_app.extensions["cspr.plugins"])
    client = open_app.test_client()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    for url in ("/reviews.atom", "/southampton/reviews.atom"):
        feed = ElementTree.fromstring(client.get(url, headers={"Host": EVIL}).data)
        hrefs = [link.get("href") for link in feed.iter(f"{{{ns['a']}}}link")]
        hrefs.append(feed.find("a:id", ns).text)
        assert len(hrefs) > 3 and all(h.startswith(f"{BASE}/") for h in hrefs), hrefs
    assert f"{BASE}/southampton/#review-" in client.get("/southampton/reviews.atom").get_data(as_text=True)


def test_development_links_use_the_local_address_unless_set(tmp_path):
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["BASE_URL"] == "http://127.0.0.1:5000"
    assert create_app({"INSTANCE_PATH": str(tmp_path), "SERVER_NAME": "cspr.test"}).config["BASE_URL"] \
        == "http://127.0.0.1:5000"
    assert create_app({"INSTANCE_PATH": str(tmp_path), "BASE_URL": "https://cspr.example.org/reviews/"}
                      ).config["BASE_URL"] == "https://cspr.example.org/reviews"
    with pytest.raises(ConfigError, match="CSPR_BASE_URL must be the service's public address"):
        create_app({"INSTANCE_PATH": str(tmp_path), "BASE_URL": "cspr.example.org"})


def test_production_refuses_to_start_without_a_base_url(tmp_path):
    with pytest.raises(ConfigError, match="CSPR_BASE_URL is not set"):
        create_app(production_settings("BASE_URL", SECRET_KEY=GOOD_KEY, INSTANCE_PATH=str(tmp_path)))
    result = cspr("plugins", env=production_env("BASE_URL", SECRET_KEY=GOOD_KEY, INSTANCE_PATH=str(tmp_path)))
    assert result.returncode != 0 and "CSPR_BASE_URL is not set" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def production(app_pg_url, pg_url, tmp_path):
    def make(**settings):
        return create_app(production_settings(SECRET_KEY=GOOD_KEY, DATABASE_URL=app_pg_url,
                                              BROKER_URL=REDIS_URL, INSTANCE_PATH=str(tmp_path / "instance"),
                                              BASE_URL=BASE, **settings))
    made = []
    yield lambda **settings: made.append(make(**settings)) or made[-1]
    for application in made:
        application.extensions["cspr.db"].engine.dispose()


@pytest.mark.parametrize("path", ["/", "/sign-in", "/reset-password", "/doncaster/", "/api/v1/doncaster/incidents",
                                  "/nowhere"])
def test_production_answers_400_to_a_foreign_host(production, path):
    client = production().test_client()
    response = client.get(path, headers={"Host": EVIL})
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert "does not answer to that web address" in response.get_data(as_text=True)


def test_production_answers_its_own_host_and_the_trusted_ones(production):
    client = production().test_client()
    assert client.get("/", headers={"Host": "cspr.example.org"}).status_code == 200
    assert client.get("/", headers={"Host": "cspr.example.org:443"}).status_code == 200
    assert client.get("/", headers={"Host": "cspr.example.org.evil.example"}).status_code == 400
    several = production(TRUSTED_HOSTS="cspr.example.org, reviews.example.gov.uk").test_client()
    assert several.get("/", headers={"Host": "reviews.example.gov.uk"}).status_code == 200
    assert several.get("/", headers={"Host": EVIL}).status_code == 400


def test_the_calendar_feed_address_the_cli_prints_is_on_the_service(open_app):
    from cspr.cli import cli
    from tests.api_kit import make_member

    make_member(open_app, "doncaster", Role.ADMIN)
    result = open_app.test_cli_runner().invoke(cli, ["tokens", "create", "--email", "admin@doncaster.example.org",
                                                     "--partnership", "doncaster", "--scope", "feed"])
    assert result.exit_code == 0, result.output
    url = re.search(r"Subscribe to: (\S+)", result.output).group(1)
    assert url.startswith(f"{BASE}/feeds/") and url.endswith("/deadlines.ics")
    path = url[len(BASE):]
    assert open_app.test_client().get(path).status_code == 200
