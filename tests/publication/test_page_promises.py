"""The public pages after the daily jobs: what each page's words promise, its lists keep."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from sqlalchemy import select, update

from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.partnerships import demo
from cspr.partnerships import services as partnerships
from cspr.publication import promises
from cspr.reviews.models import Review
from cspr.tasks import clock

SLUGS = ("doncaster", "plymouth", "southampton", "york")
#: The daily jobs run on the day the demo is loaded, and again more than a year later, when
#: every report with a 12-month rule has left its page.
DAYS = (dt.date(2026, 11, 23), dt.date(2028, 1, 10))


@pytest.fixture
def loaded(app):
    with app.app_context(), get_db().session_scope() as session:
        demo.load(session, app.extensions["cspr.plugins"])
    return app


def run_daily_jobs(app, day: dt.date) -> list[str]:
    with app.app_context(), get_db().sessionmaker() as session:
        return clock.run_daily(session, now=dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC))


def words(page: str) -> str:
    """The page's visible text, in one line."""
    body = re.sub(r"(?s)<(head|script)\b.*?</\1>", " ", page)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def section(page: str, heading: str) -> str:
    """The visible text from an H2 to the next H2."""
    text = re.split(r"<h2\b", page)
    found = [part for part in text if re.match(rf"[^>]*>\s*{re.escape(heading)}\s*</h2>", part)]
    assert found, f"no section {heading!r}"
    return words("<h2" + found[0])


def test_every_page_keeps_the_promises_of_its_words_after_the_daily_jobs(loaded, client):
    registry = loaded.extensions["cspr.plugins"]
    promised = 0
    for day in DAYS:
        assert "archive" in run_daily_jobs(loaded, day)
        for slug in SLUGS:
            page = client.get(f"/{slug}/").get_data(as_text=True)
            policy = registry.policy(slug)
            assert promises.broken(policy, page) == [], (day, slug)
            promised += sum(
                len(b["promises"]) for b in policy.public_blocks if b["key"] in promises.read(page).blocks
            )
    assert promised >= 2 * 7  # every bundled partnership's blocks say what they promise, on both days


def test_the_check_finds_a_promise_the_list_breaks(loaded, client):
    """Plymouth's serious case reviews taken off its page: its words about them are then untrue."""
    run_daily_jobs(loaded, DAYS[0])
    with loaded.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "plymouth")
        with acting_for(session, row.id):
            session.execute(update(Review).where(Review.title == "Harry").values(archived_on=DAYS[0]))
    page = client.get("/plymouth/").get_data(as_text=True)
    problems = promises.broken(loaded.extensions["cspr.plugins"].policy("plymouth"), page)
    assert problems == [
        "plymouth: 'Serious case reviews' names Harry among serious-case-reviews; the page does not list them"
    ]
    with loaded.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "plymouth")
        with acting_for(session, row.id):
            session.execute(update(Review).where(Review.kind == "scr").values(archived_on=DAYS[0]))
    page = client.get("/plymouth/").get_data(as_text=True)
    problems = promises.broken(loaded.extensions["cspr.plugins"].policy("plymouth"), page)
    assert problems == [
        "plymouth: the block 'Serious case reviews' is not on the page (its section lists nothing)"
    ]


def test_plymouth_lists_its_serious_case_reviews_and_its_learning_on_a_page(loaded, client):
    run_daily_jobs(loaded, DAYS[1])
    page = client.get("/plymouth/").get_data(as_text=True)
    scrs = section(page, "Serious case reviews")
    assert all(title in scrs for title in ("Child WR", "Child A & B", "Harry", "Baby F", "Child G"))
    assert len(re.findall(r">\s*Serious case reviews\s*</h2>", page)) == 1  # its words and its list together
    briefings = section(page, "Learning briefings")
    assert "Young Person A: Learning on a Page" in briefings
    assert "the report is now in the NSPCC National Case Review Repository" in briefings
    link = re.search(r'href="(/plymouth/briefings/\d+)"', page).group(1)
    shown = client.get(link)
    assert shown.status_code == 200 and client.get(link + ".pdf").status_code == 200
    assert "Its report is no longer on this site: it is kept in the" in words(shown.get_data(as_text=True))


def test_southamptons_briefings_stay_readable_when_their_reports_go_on_request(loaded, client):
    run_daily_jobs(loaded, DAYS[1])
    page = client.get("/southampton/").get_data(as_text=True)
    on_request = section(page, "After the public period")
    assert "Child Sexual Abuse & Children Looked After (2023)" in on_request
    briefings = section(page, "Learning briefings")
    assert "Child Sexual Abuse & Children Looked After: professionals briefing" in briefings
    assert "Non-Accidental Injury: 6-step briefing" in briefings
    assert "the report is now available on request" in briefings
    for link in re.findall(r'href="(/southampton/briefings/\d+)"', page):
        shown = client.get(link)
        assert shown.status_code == 200 and "What good looks like" in shown.get_data(as_text=True)
        assert "Its report is no longer on this site: it is available on request" in words(
            shown.get_data(as_text=True)
        )


def test_a_rule_that_takes_the_briefings_with_the_report_is_followed(loaded, client, monkeypatch):
    policy = loaded.extensions["cspr.plugins"].policy("southampton")
    monkeypatch.setitem(policy.archive_rule, "briefings", "with_report")
    run_daily_jobs(loaded, DAYS[1])
    page = client.get("/southampton/").get_data(as_text=True)
    assert "professionals briefing" not in words(page)
    assert promises.broken(policy, page) == [
        "southampton: the block '6-step briefings' is not on the page (its section lists nothing)"
    ]
    with loaded.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "southampton")
        with acting_for(session, row.id):
            from cspr.publication.models import Briefing

            ids = session.scalars(select(Briefing.id)).all()
    assert ids and all(client.get(f"/southampton/briefings/{i}").status_code == 404 for i in ids)


@pytest.mark.parametrize("slug", SLUGS)
def test_the_archive_rule_is_said_once(loaded, client, slug):
    run_daily_jobs(loaded, DAYS[1])
    text = words(client.get(f"/{slug}/").get_data(as_text=True))
    for phrase in ("months from publication", "one year", "twelve months", "available on request from"):
        assert text.count(phrase) <= 1, (slug, phrase)


def test_doncasters_page_lists_what_it_says_is_below(loaded, client):
    run_daily_jobs(loaded, DAYS[1])
    page = client.get("/doncaster/").get_data(as_text=True)
    briefings = section(page, "Learning briefings")
    said, listed = briefings.split("Professional Curiosity (2 Minute Briefing)")[0], briefings
    assert "listed below" in said and "Professional Curiosity (2 Minute Briefing)" in listed
    assert "resources below" not in words(page)
