"""The learning library's kind filter: a kind that does not exist is a GOV.UK error and 400, never a 500."""

from __future__ import annotations

import pytest

from cspr.db import get_db
from cspr.partnerships import services as partnerships


@pytest.fixture
def listed(app):
    """The partnerships on the deployment, so the library really searches (an empty one never does)."""
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
    return app


@pytest.mark.parametrize("kind", ["²", "2147483648", "-1", "<script>", "local_cspr ", "LOCAL_CSPR", "x" * 300])
def test_the_library_refuses_a_kind_that_does_not_exist(listed, client, kind):
    response = client.get("/library", query_string={"kind": kind})
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html[:500]
    assert "There is a problem" in html and "Select a kind from the list" in html
    assert 'href="#kind"' in html and 'id="kind-error"' in html
    assert "<script>" not in html


def test_a_bad_kind_and_a_bad_year_are_both_named(listed, client):
    html = client.get("/library", query_string={"kind": "nope", "year": "²"}).get_data(as_text=True)
    assert "Select a kind from the list" in html and "Enter the year as 4 digits, like 2024" in html


@pytest.mark.parametrize("kind", ["", "local_cspr", "joint_sar", "thematic"])
def test_the_library_takes_a_real_kind_or_none(listed, client, kind):
    assert client.get("/library", query_string={"kind": kind}).status_code == 200


def test_the_search_itself_finds_nothing_for_a_kind_that_does_not_exist(listed):
    from cspr.publication import public as publication

    with listed.app_context(), get_db().session_scope() as session:
        registry = listed.extensions["cspr.plugins"]
        assert publication.library(session, registry, publication.LibraryQuery(kind="²")) == []
