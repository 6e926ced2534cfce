"""What the learning library's word search finds, in what order, and after a published review is edited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.partnerships import services as partnerships
from cspr.partnerships.models import Partnership
from cspr.publication import public as publication
from cspr.reviews.models import Review, ReviewKind

pytestmark = pytest.mark.commits  # the library reads in its own session what the fixture committed

D = dt.date


def review(title: str, summary: str, published_on: dt.date | None, themes: list[str] | None = None,
           archived_on: dt.date | None = None) -> Review:
    return Review(kind=ReviewKind.LOCAL_CSPR, title=title, stage="published", published_on=published_on,
                  summary=summary, themes=themes or [], archived_on=archived_on)


@pytest.fixture
def library(app):
    """Reviews of two partnerships about exploitation (more or less of it), and some the library never shows."""
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        for slug, rows in {
            "doncaster": [
                review("Child Amber", "Exploitation of teenagers: the exploitation was missed.", D(2021, 5, 1),
                       ["Exploitation"]),
                review("Child Beech", "The review looked at exploitation.", D(2022, 6, 1)),
                review("Child Cherry", "The review looked at exploitation.", D(2024, 2, 1)),
                review("Child Draft", "The review looked at exploitation.", None),  # not published
                review("Child Gone", "The review looked at exploitation.", D(2015, 1, 1),
                       archived_on=D(2019, 1, 1)),  # off the public page
                review("Child Ivy", "The review looked at neglect.", D(2023, 1, 1)),
            ],
            "york": [
                review("Child Dove", "The review looked at exploitation.", D(2024, 2, 1)),
                review("Child Elm", "Exploited young people and child exploitation.", D(2020, 1, 1)),
            ],
        }.items():
            row = partnerships.get(session, slug)
            with acting_for(session, row.id):
                session.add_all(rows)
        # a partnership's row with no plugin loaded (a deployment's other areas): never listed
        other = Partnership(slug="elsewhere", name="Elsewhere LSCP", short_name="Elsewhere")
        session.add(other)
        session.flush()
        with acting_for(session, other.id):
            session.add(review("Child Far", "The review looked at exploitation.", D(2024, 3, 1)))
    return app


def found(app, words: str, **query) -> list[str]:
    with app.app_context(), get_db().session_scope() as session:
        results = publication.library(session, app.extensions["cspr.plugins"],
                                      publication.LibraryQuery(text=words, **query))
        return [r.title for _, r in results]


def test_the_best_match_comes_first_then_the_newest_then_the_first_recorded(library):
    # Amber says it three times, Elm twice ("exploited" is the same word); Cherry and Dove once each,
    # published the same day: the one recorded first (Cherry) comes first; Beech is older
    assert found(library, "exploitation") == [
        "Child Amber", "Child Elm", "Child Cherry", "Child Dove", "Child Beech"]


def test_only_reviews_on_a_loaded_partnerships_public_page_are_found(library):
    titles = found(library, "exploitation")
    assert not {"Child Draft", "Child Gone", "Child Far", "Child Ivy"} & set(titles)


def test_the_partnership_filter_keeps_the_order_within_it(library):
    assert found(library, "exploitation", partnership="york") == ["Child Elm", "Child Dove"]
    assert found(library, "exploitation", partnership="elsewhere") == []


def test_the_library_page_lists_them_in_that_order_with_their_count(library):
    html = library.test_client().get("/library", query_string={"q": "exploitation"}).get_data(as_text=True)
    assert "5 reviews" in html
    places = [html.index(title) for title in
              ("Child Amber", "Child Elm", "Child Cherry", "Child Dove", "Child Beech")]
    assert places == sorted(places)


def test_a_review_edited_after_publication_is_found_by_its_new_words_not_its_old(library):
    with library.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            ivy = session.scalars(select(Review).where(Review.title == "Child Ivy")).one()
            ivy.summary = "The review looked at county lines."
            ivy.themes = ["Criminal exploitation"]
    assert "Child Ivy" not in found(library, "neglect")
    assert "Child Ivy" in found(library, "county lines")
    # once now, in its themes: after the newer ones that say it once, before the older one
    assert found(library, "exploitation") == [
        "Child Amber", "Child Elm", "Child Cherry", "Child Dove", "Child Ivy", "Child Beech"]
    with library.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            ivy = session.scalars(select(Review).where(Review.title == "Child Ivy")).one()
            ivy.title = "Child Ivy, neglected"
    assert found(library, "neglect") == ["Child Ivy, neglected"]
