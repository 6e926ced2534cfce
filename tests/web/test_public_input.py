"""Odd values in addresses and forms get a clear 400 or are ignored, never a 500."""

from __future__ import annotations

import pytest

from cspr.accounts.models import Role
from tests.web_kit import Browser, signed_in

ADMIN = "admin@doncaster.example.org"


@pytest.mark.parametrize("year", ["2147483648", "²", "٢٠٢٤", "-1", "20245", "1e3", " 12 "])
def test_the_library_refuses_a_year_that_is_not_four_digits(client, year):
    response = client.get("/library", query_string={"year": year})
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html[:500]
    assert "There is a problem" in html and "Enter the year as 4 digits, like 2024" in html
    assert 'href="#year"' in html and 'id="year-error"' in html


def test_the_library_takes_a_real_year_or_none(client):
    assert client.get("/library?year=2024").status_code == 200
    assert client.get("/library?year=").status_code == 200


@pytest.mark.parametrize("target", ["/%0d%0aX:1", "/app/%0aSet-Cookie:x=1", "/%09app/", "/app/%7F",
                                    "/app/%C2%85", "/app/%E2%80%AE"])
def test_sign_in_ignores_a_next_address_with_control_characters(app, client, target):
    from tests.api_kit import make_member

    make_member(app, "doncaster", Role.ADMIN)
    response = Browser(client).sign_in(ADMIN, next=target)
    assert response.status_code == 302
    assert response.location.endswith("/app/"), response.location
    assert "\n" not in response.location and "\r" not in response.location


def test_sign_in_still_goes_on_to_a_plain_next_address(app, client):
    from tests.api_kit import make_member

    make_member(app, "doncaster", Role.ADMIN)
    response = Browser(client).sign_in(ADMIN, next="/app/doncaster/cases")
    assert response.status_code == 302 and response.location.endswith("/app/doncaster/cases")


@pytest.mark.parametrize("number", ["²", "٣", "2147483648", "99999999999999999999", "-3"])
def test_a_hold_on_a_review_number_that_is_not_a_number_is_a_form_error(app, client, number):
    admin = signed_in(app, client, "doncaster", Role.ADMIN)
    response = admin.submit("/app/doncaster/holds/new", {"scope": "review", "review_id": number,
                                                         "reason": "Inquiry direction"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html[:500]
    assert "Enter the review number, like 12" in html or "Review number must be 12 characters or fewer" in html
