"""A JSON body nested thousands of levels deep is a 400 saying so, on any route, never a 500."""

from __future__ import annotations

import json

import pytest

from cspr.models import Role
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
