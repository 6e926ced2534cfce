"""JSON bodies Python's parser or PostgreSQL cannot take get a 400 or 422 saying so, on any route, never a 500.

Nested thousands of levels deep, a number of 5,000 digits, bytes that are not UTF-8, a lone surrogate.
"""

from __future__ import annotations

import json

import pytest

from cspr.accounts.models import Role
from tests.api_kit import make_member

DEEP = "[" * 20_000 + "]" * 20_000  # Python's json parser gives up (RecursionError) long before this
DEEP_OBJECT = '{"a": ' * 5_000 + "1" + "}" * 5_000


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["arrays", "objects"])
def test_the_api_refuses_a_deeply_nested_body_with_a_message(app, client, body):
    member = make_member(app, "doncaster", Role.ADMIN)
    for headers in ({"Authorization": f"Bearer {member.token}"}, {}):  # with a valid token and without one
        response = client.post("/api/v1/doncaster/incidents", data=body, content_type="application/json",
                               headers=headers)
        assert response.status_code == 400, response.get_data(as_text=True)[:300]
        assert "nested too deeply" in response.get_json()["errors"]["json"][0]


@pytest.mark.parametrize("path", ["/sign-in", "/library", "/reset-password", "/doncaster/"])
def test_a_page_refuses_a_deeply_nested_body_plainly(client, path):
    response = client.post(path, data=DEEP, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert "nested too deeply" in response.get_data(as_text=True)


def test_a_body_nested_a_little_still_reaches_the_api_checks(app, client):
    member = make_member(app, "doncaster", Role.ADMIN)
    body = {"pseudonym": "Child Q", "harm": "death", "extra": [[[[[[[[{"a": [1]}]]]]]]]]}
    response = client.post("/api/v1/doncaster/incidents", data=json.dumps(body), content_type="application/json",
                           headers={"Authorization": f"Bearer {member.token}"})
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert "nested too deeply" not in response.get_data(as_text=True)


@pytest.mark.parametrize("body", [b'{"pseudonym": "Child Z", "n": ' + b"9" * 5000 + b"}", b'{"pseudonym": "\xff\xfe"}'],
                         ids=["5000 digits", "not UTF-8"])
def test_a_body_the_parser_cannot_read_is_a_400_on_the_api_and_the_pages(app, client, body):
    member = make_member(app, "doncaster", Role.ADMIN)
    response = client.post("/api/v1/doncaster/incidents", data=body, content_type="application/json",
                           headers={"Authorization": f"Bearer {member.token}"})
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert "cannot be read" in response.get_json()["errors"]["json"][0]
    page = client.post("/sign-in", data=body, content_type="application/json")
    assert page.status_code == 400 and "cannot be read" in page.get_data(as_text=True)


def test_a_lone_surrogate_in_a_json_string_is_a_422_naming_the_field(app, client):
    member = make_member(app, "doncaster", Role.ADMIN)
    headers = {"Authorization": f"Bearer {member.token}"}
    for path, body in [("/api/v1/doncaster/reviews", '{"title": "\\ud800", "kind": "local_cspr", "decided_on": "2026-01-05"}'),
                       ("/api/v1/doncaster/incidents", '{"pseudonym": "Child \\udfff", "harm": "death"}')]:
        response = client.post(path, data=body, content_type="application/json", headers=headers)
        assert response.status_code == 422, response.get_data(as_text=True)[:300]
        errors = response.get_json()["errors"]["json"]
        assert list(errors) in (["title"], ["pseudonym"]) and "lone surrogate" in next(iter(errors.values()))[0]


def test_a_surrogate_pair_written_as_escapes_is_ordinary_text(app, client):
    member = make_member(app, "doncaster", Role.ADMIN)
    body = '{"title": "Child \\ud83d\\ude00", "kind": "local_cspr", "decided_on": "2026-01-05"}'  # one emoji
    response = client.post("/api/v1/doncaster/reviews", data=body, content_type="application/json",
                           headers={"Authorization": f"Bearer {member.token}"})
    assert "lone surrogate" not in response.get_data(as_text=True), response.get_data(as_text=True)[:300]
    assert response.status_code < 500
