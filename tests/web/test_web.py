"""The public pages and the ops endpoints, served from PostgreSQL with Redis as the broker."""

from __future__ import annotations

import re

import pytest

from cspr import create_app
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.partnerships import demo
from cspr.partnerships import services as partnerships
from tests.conftest import REDIS_URL


@pytest.fixture
def loaded(app):
    with app.app_context():
        with get_db().session_scope() as session:
            demo.load(session, app.extensions["cspr.plugins"])
    return app


def test_home_lists_every_partnership(loaded, client):
    html = client.get("/").get_data(as_text=True)
    for name in ("Doncaster", "Plymouth", "Southampton", "York"):
        assert name in html


def test_a_partnership_page_shows_its_reviews_partners_and_archive_rule(loaded, client):
    html = client.get("/southampton/").get_data(as_text=True)
    assert "Willow" in html and "Hampshire and Isle of Wight Constabulary" in html
    assert "available on request" in html
    assert "Child Cameron" not in html  # Doncaster's review stays on Doncaster's page
    doncaster = client.get("/doncaster/").get_data(as_text=True)
    assert "Child Cameron" in doncaster and "Willow" not in doncaster


def test_an_unknown_partnership_is_a_govuk_404(loaded, client):
    response = client.get("/atlantis/")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_a_disabled_partnership_has_no_public_page(loaded, client):
    with loaded.app_context():
        with get_db().session_scope() as session:
            partnerships.get(session, "york").enabled = False
    assert client.get("/york/").status_code == 404
    assert "York" not in client.get("/").get_data(as_text=True)


def test_healthz_reports_database_and_broker(loaded, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["checks"]["database"]["ok"] and body["checks"]["broker"]["ok"]
    assert body["checks"]["plugins"]["loaded"] == ["doncaster", "plymouth", "southampton", "york"]


def test_healthz_is_503_when_the_broker_is_down(app_pg_url, tmp_path):
    app = create_app({"DATABASE_URL": app_pg_url, "BROKER_URL": "redis://127.0.0.1:1/0",
                      "INSTANCE_PATH": str(tmp_path)})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["broker"]["ok"] is False


def test_healthz_is_503_when_the_database_is_down(tmp_path):
    app = create_app({"DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/none",
                      "BROKER_URL": REDIS_URL, "INSTANCE_PATH": str(tmp_path)})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"]["ok"] is False


def test_plugins_json_lists_installed_plugins(loaded, client):
    plugins = client.get("/-/plugins.json").get_json()
    assert {p["partnership"] for p in plugins} == {"doncaster", "plymouth", "southampton", "york"}


def test_govuk_assets_are_served_and_the_govuk_font_is_not_used(loaded, client):
    page = client.get("/").get_data(as_text=True)
    assert re.search(r"/static/build/cspr\.[0-9a-f]{12}\.css", page)  # fingerprinted (test_static_assets)
    css = client.get("/static/build/cspr.css")
    assert css.status_code == 200 and b".govuk-template" in css.data
    assert b"GDS Transport" not in css.data and b"arial" in css.data  # GDS Transport is for GOV.UK only
    assert client.get("/assets/govuk-frontend.min.js").status_code == 200
    assert client.get("/assets/images/favicon.ico").status_code == 200
    assert client.get("/assets/../../pyproject.toml").status_code == 404


def test_healthz_is_503_when_the_sweep_has_stopped_or_the_outbox_is_stuck(loaded, client):
    import datetime as dt

    from cspr.db.tenancy import acting_for
    from cspr.messaging.models import OutboxMessage
    from cspr.operations.models import JobRun

    with loaded.app_context(), get_db().session_scope() as session:
        now = dt.datetime.now(dt.UTC)
        session.add(JobRun(name="heartbeat", last_run_at=now, runs=1, detail={}))
        session.add(JobRun(name="sweep", last_run_at=now - dt.timedelta(hours=2), runs=1, detail={}))
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["checks"]["sweep"]["ok"] is False
    with loaded.app_context(), get_db().session_scope() as session:
        session.get(JobRun, "sweep").last_run_at = dt.datetime.now(dt.UTC)
        row = partnerships.get(session, "york")
        with acting_for(session, row.id):
            session.add(OutboxMessage(idempotency_key="stuck", recipient="a@b.example", subject="s", body="b",
                                      created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)))
    body = client.get("/healthz").get_json()
    assert body["checks"]["sweep"]["ok"] is True
    assert body["checks"]["outbox"]["ok"] is False and body["checks"]["outbox"]["pending"] == 1
    assert client.get("/healthz").status_code == 503


def test_each_partnerships_page_lists_its_sections_from_its_data(loaded, client):
    york = client.get("/york/").get_data(as_text=True)
    assert "What a review is" in york
    assert "Serious case reviews" in york and "Baby A" in york
    assert "Thematic reviews" in york and "Thematic review of child neglect" in york
    assert "Summary with the lessons" in york  # Child B: only a summary, for legal reasons
    assert "Older reports stay listed on this page." in york
    doncaster = client.get("/doncaster/").get_data(as_text=True)
    assert "NSPCC National Case Review Repository" in doncaster and "Child Cameron" in doncaster
    assert "Learning briefings" in doncaster and "Professional Curiosity" in doncaster


def test_a_briefing_is_public_as_a_page_a_pdf_and_a_word_document(loaded, client):
    import io
    import re

    from docx import Document
    from pypdf import PdfReader

    page = client.get("/plymouth/").get_data(as_text=True)
    link = re.search(r'href="(/plymouth/briefings/(\d+))"', page)
    html = client.get(link.group(1)).get_data(as_text=True).replace("&#39;", "'")
    assert "Learning on a Page" in html and "The child's lived experience" in html
    pdf = client.get(link.group(1) + ".pdf")
    assert pdf.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Key learning" in " ".join(text.split())
    word = Document(io.BytesIO(client.get(link.group(1) + ".docx").data))
    assert any(p.text.endswith("Learning into practice") for p in word.paragraphs)
    assert client.get(f"/york/briefings/{link.group(2)}").status_code == 404  # another partnership's


def test_atom_feeds_of_new_publications(loaded, client):
    from xml.etree import ElementTree

    ns = {"a": "http://www.w3.org/2005/Atom"}
    one = ElementTree.fromstring(client.get("/southampton/reviews.atom").data)
    titles = [e.find("a:title", ns).text for e in one.findall("a:entry", ns)]
    # newest first: the four of 2023 (known by their year only), then 2022's
    assert set(titles[:4]) == {"Willow", "Uma", "Stephen", "Child Sexual Abuse & Children Looked After"}
    assert titles[4] == "TED" and "Child Cameron" not in titles
    everyone = ElementTree.fromstring(client.get("/reviews.atom").data)
    authors = {e.find("a:author/a:name", ns).text for e in everyone.findall("a:entry", ns)}
    assert {"Doncaster Safeguarding Children Partnership", "City of York Safeguarding Children Partnership"} <= authors
    assert client.get("/atlantis/reviews.atom").status_code == 404
    kinds = {c.get("term"): c.get("label") for e in everyone.findall("a:entry", ns)
             for c in e.findall("a:category", ns) if "_" in (c.get("term") or "")}
    assert kinds and all(label and "_" not in label for label in kinds.values()), kinds  # kinds in words


def test_the_learning_library_searches_every_partnership(loaded, client):
    def titles(query):
        html = client.get(f"/library{query}").get_data(as_text=True)
        return set(re.findall(r'#review-\d+">([^<]+)</a>', html))

    import re

    everything = titles("")
    assert {"Child Cameron", "Willow", "Baby A", "Young Person A"} <= everything
    assert titles("?theme=Neglect") == {"Thematic review of child neglect"}
    assert titles("?q=neglect") >= {"Thematic review of child neglect"}  # full-text, stemmed
    assert "Child Cameron" not in titles("?q=neglect")
    assert titles("?partnership=southampton") <= {"Willow", "Uma", "Stephen", "TED", "Child Sexual Abuse &amp; Children Looked After",
                                                  "Non-Accidental Injury - Thematic SCR"}
    assert titles("?kind=scr&year=2013") >= {"Baby A", "Child B"}
    assert titles("?year=abc") == everything  # a bad year is ignored, not an error
    assert client.get("/library?q=%27%29%3B+drop+table+reviews%3B--").status_code == 200


def test_the_library_hides_a_disabled_partnerships_reviews(loaded, client):
    with loaded.app_context(), get_db().session_scope() as session:
        partnerships.get(session, "doncaster").enabled = False
    assert "Child Cameron" not in client.get("/library").get_data(as_text=True)


def test_the_library_works_on_the_embedded_sqlite_default(tmp_path):
    from cspr.db import migrate

    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        migrate.upgrade(get_db().engine)
        with get_db().session_scope() as session:
            demo.load(session, app.extensions["cspr.plugins"])
    html = app.test_client().get("/library?q=neglect").get_data(as_text=True)
    assert "Thematic review of child neglect" in html and "Child Cameron" not in html


@pytest.mark.parametrize("slug, review, theme, archive", [
    ("doncaster", "Child Cameron", None, "NSPCC National Case Review Repository"),
    ("plymouth", "Young Person A", None, "NSPCC National Case Review Repository"),
    ("southampton", "Child Sexual Abuse &amp; Children Looked After", "Children looked after",
     "available on request from the partnership team at safeguarding.partnershipsteam@southampton.gov.uk"),
    ("york", "Thematic review of child neglect", "Neglect", "Older reports stay listed on this page."),
])
def test_each_partnerships_page_from_its_demo_data(loaded, client, slug, review, theme, archive):
    html = client.get(f"/{slug}/").get_data(as_text=True)
    policy = loaded.extensions["cspr.plugins"].policy(slug)
    assert policy.name in html and review in html and archive in html
    if theme:
        assert f"Themes: {theme}" in html or f", {theme}" in html
    for partner in policy.partners["safeguarding_partners"]:
        assert partner["name"] in html
    others = {"doncaster": "Child Cameron", "plymouth": "Young Person A", "southampton": "Willow", "york": "Baby A"}
    assert all(title not in html for other, title in others.items() if other != slug)


def test_security_headers_are_sent(loaded, client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)  # GOV.UK's one inline script
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert client.get("/").headers["Content-Security-Policy"] != csp  # a new nonce each time


def test_production_refuses_the_development_secret_key(tmp_path):
    from cspr.config import ConfigError

    with pytest.raises(ConfigError, match="CSPR_SECRET_KEY is the development default"):
        create_app({"ENV": "production", "INSTANCE_PATH": str(tmp_path)})
    for placeholder in ("change-me-to-a-long-random-value", "short"):  # as in deploy/cspr.env.example
        with pytest.raises(ConfigError, match="at least 32 characters"):
            create_app({"ENV": "production", "SECRET_KEY": placeholder, "INSTANCE_PATH": str(tmp_path)})


def test_a_briefing_with_a_section_still_to_write_is_a_draft_and_never_public(loaded, client):
    import re

    from cspr.publication.models import Briefing

    with loaded.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "york")
        with acting_for(session, row.id):
            layout = loaded.extensions["cspr.plugins"].policy("york").briefing_formats[0]
            first = layout["sections"][0]["key"]
            draft = Briefing(format_key=layout["key"], title="Half written", sections={first: "Only this."})
            session.add(draft)
            session.flush()
            draft_id = draft.id
    page = client.get("/york/").get_data(as_text=True)
    assert "Half written" not in page and "Not written yet" not in page
    assert client.get(f"/york/briefings/{draft_id}").status_code == 404
    for briefing in re.findall(r'href="(/york/briefings/\d+)"', page):  # what is listed is complete
        assert "Not written yet" not in client.get(briefing).get_data(as_text=True)
        word = client.get(briefing + ".docx").headers["Content-Disposition"]
        assert re.search(r'filename="york-[a-z0-9-]+\.docx"', word) and "briefing-" not in word.split("york-")[0]


def test_a_briefing_page_has_its_title_as_its_one_h1_and_its_sections_under_it(loaded, client):
    page = client.get("/plymouth/").get_data(as_text=True)
    html = client.get(re.search(r'href="(/plymouth/briefings/\d+)"', page).group(1)).get_data(as_text=True)
    assert len(re.findall(r"<h1\b", html)) == 1 and re.search(r'<h1[^>]*id="briefing-title"', html)
    assert "<h3" not in html and len(re.findall(r"<h2\b", html)) >= 2  # sections one level below, no jump
