"""Legacy reviews as they were published: dates as precise as known, a link to the report elsewhere."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from cspr.accounts.models import Role
from cspr.archive import services as archive
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.partnerships import demo
from cspr.partnerships import services as partnerships
from cspr.reviews import dates
from cspr.reviews.models import Review
from tests.api_kit import Api, make_member
from tests.web_kit import signed_in

NSPCC = "https://library.nspcc.org.uk/HeritageScripts/Hapi.dll/search2?searchTerm0=C1234"


@pytest.fixture
def loaded(app):
    with app.app_context(), get_db().session_scope() as session:
        demo.load(session, app.extensions["cspr.plugins"])
    return app


@pytest.mark.parametrize("given, shown, precision, latest", [
    ("2013-10-11", "11 October 2013", "day", dt.date(2013, 10, 11)),
    ("2013-10", "October 2013", "month", dt.date(2013, 10, 31)),
    ("2024-02", "February 2024", "month", dt.date(2024, 2, 29)),
    ("2014", "2014", "year", dt.date(2014, 12, 31)),
    ("before 2019", "before 2019", "before", dt.date(2018, 12, 31)),
    ("not given", "(date not given)", "none", dt.date(2026, 12, 3)),  # stored as the day it is recorded
    (dt.date(2011, 1, 31), "31 January 2011", "day", dt.date(2011, 1, 31)),
])
def test_a_date_is_kept_as_precise_as_it_is_known(given, shown, precision, latest):
    when = dates.parse(given, today=dt.date(2026, 12, 3))
    assert (when.shown(), when.precision.value, when.on) == (shown, precision, latest)


@pytest.mark.parametrize("given, message", [
    ("2014-13", "the month is 01 to 12"), ("31/12/2014", "is not a date"), ("2013-02-30", "not a real date"),
    ("1899", "before 1970"), (None, "give the date as"),
])
def test_a_date_that_is_not_one_is_refused_in_words(given, message):
    with pytest.raises(ValueError, match=message):
        dates.parse(given)


def test_york_and_plymouth_pages_show_no_invented_day(loaded, client):
    york = client.get("/york/").get_data(as_text=True)
    assert "Messages from reviews" in york
    messages = york[york.index("Messages from reviews"):][:600]
    assert "Published 2014" in messages and "December 2014" not in york
    assert "Published 31 January 2011" in york  # Child A, B and C: the page gives the day
    plymouth = client.get("/plymouth/").get_data(as_text=True)
    # the seed page gives no date for its serious case reviews, not even a year: none is made up
    assert plymouth.count("Published (date not given)") == 5 and "before 2019" not in plymouth
    assert "31 December 2018" not in plymouth and "Published 2018" not in plymouth


def test_a_legacy_review_entered_by_month_with_its_report_elsewhere(loaded, client):
    api = Api(client, make_member(loaded, "doncaster", Role.ADMIN))
    made = api.post("/reviews/legacy", json={
        "kind": "scr", "title": "Child Elsewhere", "published_on": "2013-10",
        "report_url": NSPCC, "authors": ["A Reviewer", "B Reviewer"],
        "publisher": "Doncaster Safeguarding Children Board"})
    assert made.status_code == 201, made.get_data(as_text=True)
    body = made.get_json()
    assert body["published_precision"] == "month" and body["published_as_known"] == "October 2013"
    assert body["authors"] == ["A Reviewer", "B Reviewer"] and body["report_url"] == NSPCC
    page = client.get("/doncaster/").get_data(as_text=True)
    item = page[page.index("Child Elsewhere"):][:1500]
    assert "Published October 2013" in item
    assert f'href="{NSPCC.replace("&", "&amp;")}"' in item
    assert "Read the report in the NSPCC National Case Review Repository" in item
    refused = api.post("/reviews/legacy", json={"kind": "scr", "title": "Child Wrong", "published_on": "2013-13"})
    assert refused.status_code in (400, 422)
    assert "published_on" in refused.get_data(as_text=True)
    bad_link = api.post("/reviews/legacy", json={"kind": "scr", "title": "Child Wrong",
                                                 "published_on": "2013", "report_url": "not a link"})
    assert bad_link.status_code in (400, 422) and "web address" in bad_link.get_data(as_text=True)


def test_the_staff_form_takes_the_year_alone(loaded, client):
    admin = signed_in(loaded, client, "doncaster", Role.ADMIN)
    response = admin.submit("/app/doncaster/reviews/legacy", {
        "kind": "scr", "title": "Child Year", "published_on": ["", "", "2012"], "publication_form": "full",
        "authors": "An Author\nAnother Author"}, follow=True)
    assert "“Child Year” is added to the record." in response.get_data(as_text=True)
    refused = admin.submit("/app/doncaster/reviews/legacy", {
        "kind": "scr", "title": "Child Day", "published_on": ["4", "", "2012"], "publication_form": "full"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Date of publication must include a month when it has a day" in html
    with loaded.app_context(), get_db().sessionmaker() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            review = session.scalar(select(Review).where(Review.title == "Child Year"))
            assert (review.published_as_known, review.authors) == ("2012", ["An Author", "Another Author"])


def test_a_year_only_review_is_not_archived_before_a_year_from_the_end_of_that_year(loaded):
    from cspr.reviews import services as reviews
    from cspr.services.context import Context

    api_app = loaded
    with api_app.app_context(), get_db().sessionmaker() as session:
        registry = api_app.extensions["cspr.plugins"]
        row = partnerships.get(session, "southampton")  # its rule covers legacy reviews
        with acting_for(session, row.id):
            ctx = Context(session, row, registry.policy("southampton"), actor="test",
                          today=dt.date(2026, 6, 1))
            reviews.record_legacy(ctx, kind="scr", title="Child Twenty-Five", published_on="2025")
            session.commit()

    def run(day):
        with api_app.app_context(), get_db().sessionmaker() as session:
            return archive.run(session, api_app.extensions["cspr.plugins"], day,
                               Path(api_app.config["ARCHIVE_DIR"]), Path(api_app.config["DOCUMENTS_DIR"]))

    assert not any(a.startswith("southampton") and "Twenty" in a for a in run(dt.date(2026, 12, 30)).archived)
    with api_app.app_context(), get_db().sessionmaker() as session:
        row = partnerships.get(session, "southampton")
        with acting_for(session, row.id):
            review = session.scalar(select(Review).where(Review.title == "Child Twenty-Five"))
            assert review.archived_on is None  # "2025" may mean 31 December 2025
    run(dt.date(2026, 12, 31))
    with api_app.app_context(), get_db().sessionmaker() as session:
        row = partnerships.get(session, "southampton")
        with acting_for(session, row.id):
            review = session.scalar(select(Review).where(Review.title == "Child Twenty-Five"))
            assert review.archive_outcome.value == "on_request"
            record = archive.metadata(Context(session, row, api_app.extensions["cspr.plugins"].policy(
                "southampton"), actor="test"), review)
    assert record["published_on"] == "2025" and record["published_precision"] == "year"


def test_a_review_whose_date_is_not_given_is_listed_after_every_year_never_under_one(loaded, client):
    api = Api(client, make_member(loaded, "doncaster", Role.ADMIN))
    made = api.post("/reviews/legacy", json={"kind": "local_cspr", "title": "Child Undated",
                                             "published_on": "not given"})
    assert made.status_code == 201, made.get_data(as_text=True)
    assert made.get_json()["published_as_known"] == "(date not given)"
    page = client.get("/doncaster/").get_data(as_text=True)
    headings = [h.strip() for h in re.findall(r'<h3 class="govuk-heading-m">([^<]+)</h3>', page)]
    assert headings[-1] == "Date not given"  # after every year, and the review under no year
    undated = page[page.index("Date not given"):]
    assert "Child Undated" in undated and "Child Cameron" not in undated  # dated ones come before
    assert "Published (date not given)" in undated
