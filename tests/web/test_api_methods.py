"""Methods a URL does not support: 405 with an ``Allow`` header naming the ones it does (RFC 9110)."""

from __future__ import annotations

import re

from cspr.accounts.models import Role
from tests.api_kit import make_member

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _allow(response) -> set[str]:
    return {m.strip().upper() for m in response.headers.get("Allow", "").split(",") if m.strip()}


def test_an_unsupported_method_on_any_api_operation_says_which_methods_are_allowed(app, client):
    """Every path of the document: TRACE (and any undocumented method) is 405 naming the documented ones."""
    member = make_member(app, "doncaster", Role.ADMIN)
    headers = {"Authorization": f"Bearer {member.token}"}
    spec = client.get("/api/v1/openapi.json").get_json()
    checked = 0
    for path, item in spec["paths"].items():
        url = path.replace("{slug}", "doncaster")
        url = re.sub(r"\{\w+\}", "1", url)  # every id and number in the path
        documented = {m.upper() for m in item if m in METHODS}
        for method in sorted({"TRACE", "PUT", "DELETE", "PATCH", "POST"} - documented):
            response = client.open(url, method=method, headers=headers)
            assert response.status_code == 405, (method, path)
            assert response.is_json and response.get_json()["code"] == 405, (method, path)
            assert _allow(response) - {"HEAD", "OPTIONS"} == documented, (method, path, _allow(response))
            checked += 1
    assert checked > 100
    # Routing refuses the method before the token is looked at: no token, the same answer.
    response = client.open("/api/v1/doncaster/incidents", method="TRACE")
    assert response.status_code == 405 and _allow(response) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_options_lists_exactly_the_documented_methods(app, client):
    member = make_member(app, "doncaster", Role.VIEWER)
    response = client.options("/api/v1/doncaster/incidents/1",
                              headers={"Authorization": f"Bearer {member.token}"})
    assert response.status_code == 200 and _allow(response) == {"GET", "HEAD", "OPTIONS", "PATCH"}


def test_pages_answer_an_unsupported_method_with_allow_too(client):
    response = client.open("/library", method="TRACE")
    assert response.status_code == 405 and "GET" in _allow(response)
    assert "text/html" in response.content_type
