"""Hostile input: schemathesis generates requests from the OpenAPI document for every operation.

Each answer must not be a server error, must match the document's schema for its status,
and its status must be one the document lists. Ids 1..n exist, so many requests reach real
records of the partnership and walk its workflow in random orders.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cspr.models import Role
from tests.api_kit import Api, make_member
from tests.figures import report

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
MAX_EXAMPLES = 25
CASES: Counter[str] = Counter()
FAILURES: dict[str, str] = {}


@pytest.fixture
def fuzz_token(app, client) -> str:  # noqa: ANN001
    """An admin of Doncaster, with an incident that became a review, its plan, and a thematic review."""
    admin = Api(client, make_member(app, "doncaster", Role.ADMIN))
    incident = admin.post("/incidents", {
        "pseudonym": "Child F", "la_case_reference": "LA-F", "la_area": "Doncaster", "age_band": "5_9",
        "harm": "death", "incident_on": "2026-03-02", "aware_on": "2026-03-03", "looked_after": True}).get_json()
    iid = incident["id"]
    admin.post(f"/incidents/{iid}/notification", {"sent_on": "2026-03-09"})
    decided = admin.post(f"/incidents/{iid}/rapid-review/decision", {
        "decision": "local_cspr", "sent_to_panel_on": "2026-03-27"}).get_json()
    (rid,) = decided["review_ids"]
    partners = [a["key"] for a in app.extensions["cspr.plugins"].policy("doncaster")
                .partners["safeguarding_partners"]]
    for path, body in [("terms-of-reference", {"agreed_on": "2026-04-20"}),
                       ("reviewer", {"commissioned_on": "2026-04-22", "reviewer_name": "R"}),
                       ("drafts", {"received_on": "2026-07-01"}),
                       ("final-report", {"agreed_on": "2026-08-03", "agreed_by": partners})]:
        assert admin.post(f"/reviews/{rid}/{path}", body).status_code == 200, path
    rec = admin.post(f"/reviews/{rid}/recommendations", {"text": "Share sooner"}).get_json()
    assert admin.post(f"/recommendations/{rec['id']}/actions", {
        "description": "Training", "owner_agency": partners[0], "due_on": (dt.date.today() + dt.timedelta(days=30)).isoformat()}).status_code == 201
    assert admin.post("/reviews", {"kind": "thematic", "title": "Neglect", "decided_on": "2026-01-05"}).status_code == 201
    return admin.member.token


def api_schema(app):  # noqa: ANN001, ANN201
    """The app's own OpenAPI document, as schemathesis loads it from the WSGI app."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def fuzz(strategy, label: str, auth: dict[str, str]) -> None:  # noqa: ANN001
    """Run one operation's generated cases (deterministic: the same cases every run)."""

    @given(strategy)
    @settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    def run(case: schemathesis.Case) -> None:
        CASES[label] += 1
        case.call_and_validate(headers=auth, checks=CHECKS)

    run()


def test_the_api_answers_every_generated_request_within_its_contract(app, fuzz_token):
    """Valid and invalid requests for each operation: never a 500, always the documented answer."""
    auth = {"Authorization": f"Bearer {fuzz_token}"}
    operations = [result.ok() for result in api_schema(app).get_all_operations()]
    assert len(operations) >= 30
    for operation, mode in itertools.product(operations, GenerationMode):
        label = f"{operation.label} ({mode.value})"
        strategy = operation.as_strategy(generation_mode=mode, path_parameters={"slug": "doncaster"},
                                         headers=auth)
        try:
            fuzz(strategy, label, auth)
        except Unsatisfiable:
            assert mode == GenerationMode.NEGATIVE, label  # nothing of it can be made invalid
        except (Exception, BaseExceptionGroup) as exc:  # every operation runs; failures listed together
            FAILURES[label] = " ".join(str(exc).split())[:600]
    assert FAILURES == {}, "\n".join(f"{k}: {v}" for k, v in FAILURES.items())


# -- what the fuzzer found, pinned ---------------------------------------------------------------

def test_an_id_beyond_the_database_integer_is_not_found_not_a_server_error(app, client, fuzz_token):
    """Found by the fuzzer: /incidents/72944086707/notification was a 500 (integer out of range)."""
    headers = {"Authorization": f"Bearer {fuzz_token}"}
    for url in ("/incidents/72944086707", "/reviews/2147483648/drafts", "/actions/99999999999999999999",
                "/recommendations/45903429948773349450705797120/response"):
        response = client.post(f"/api/v1/doncaster{url}", json={"received_on": "2026-03-03"}, headers=headers)
        assert response.status_code in (404, 405) and response.is_json, url
    from tests.web_kit import signed_in

    admin = signed_in(app, client, "doncaster", Role.VIEWER, email="viewer-fuzz@example.org")
    assert admin.get("/app/doncaster/incidents/72944086707").status_code == 404
    assert admin.get("/app/doncaster/reviews/2147483648").status_code == 404


def test_a_page_number_past_any_list_is_refused(client, fuzz_token):
    """Found by the fuzzer: ?page=1010857267792743520796672 was a 500 (bigint out of range)."""
    response = client.get("/api/v1/doncaster/incidents?page=1010857267792743520796672",
                          headers={"Authorization": f"Bearer {fuzz_token}"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"query": {"page": ["Must be at most 10000."]}}


def test_a_reviewer_account_id_out_of_range_is_a_field_error(client, fuzz_token):
    response = client.post("/api/v1/doncaster/reviews/1/reviewer", headers={"Authorization": f"Bearer {fuzz_token}"},
                           json={"commissioned_on": "2026-04-22", "reviewer_name": "R", "reviewer_user_id": 2**40})
    assert response.status_code == 422 and "reviewer_user_id" in response.get_json()["errors"]["json"]


def test_control_characters_in_a_record_do_not_break_the_excel_export(client, fuzz_token):
    """Found by the fuzzer: a pseudonym with a control character made tracker.xlsx a 500."""
    headers = {"Authorization": f"Bearer {fuzz_token}"}
    corrected = client.patch("/api/v1/doncaster/incidents/1", headers=headers,
                             json={"pseudonym": "Child\x0bF\x11", "reason": "probe of the export"})
    assert corrected.status_code == 200
    response = client.get("/api/v1/doncaster/tracker.xlsx", headers=headers)
    assert response.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.data))["Tracker"]
    assert "ChildF" in [c.value for c in sheet[2]]


def test_a_nul_character_is_refused_by_name_never_a_server_error(app, client, fuzz_token):
    """Found by the hostile-input probes: NUL in any text reached PostgreSQL, which refuses it (a 500)."""
    headers = {"Authorization": f"Bearer {fuzz_token}"}
    response = client.post("/api/v1/doncaster/incidents", headers=headers, json={
        "pseudonym": "Child\u0000K", "la_case_reference": "LA", "la_area": "Doncaster", "age_band": "1_4",
        "harm": "serious_harm", "incident_on": "2026-03-02", "aware_on": "2026-03-03"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"json": {"pseudonym": ["must not contain the NUL character"]}}
    for query in ("/reviews?stage=%00", "/deadlines?kind=a%00b"):
        response = client.get(f"/api/v1/doncaster{query}", headers=headers)
        assert response.status_code == 422 and "query" in response.get_json()["errors"], query
    from tests.web_kit import Browser, date, signed_in

    admin = signed_in(app, app.test_client(), "doncaster", Role.ADMIN, email="nul-admin@example.org")
    response = admin.submit("/app/doncaster/incidents/new", {
        "pseudonym": "Child\x00K", "la_case_reference": "LA", "la_area": "Doncaster", "age_band": "1_4",
        "harm": "serious_harm", "incident_on": date("2026-03-02"), "aware_on": date("2026-03-03")})
    assert response.status_code == 400 and "cannot be saved (NUL)" in response.get_data(as_text=True)
    response = Browser(app.test_client()).submit("/sign-in", {"email": "a\x00@example.org", "password": "x"})
    assert response.status_code == 400
    assert client.get("/library?q=%00").status_code == 400


def test_every_refusal_the_api_answers_is_in_the_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            codes = set(op["responses"])
            assert {"401", "404"} <= codes and "default" not in codes, (method, path)
            if "requestBody" in op:
                assert {"400", "422"} <= codes, (method, path)
            if method != "get":
                assert "403" in codes, (method, path)
    incident_id = spec["paths"]["/api/v1/{slug}/incidents/{incident_id}"]["parameters"][1]
    assert incident_id["schema"]["maximum"] == 2**31 - 1


def test_zz_the_fuzz_figure():
    if not CASES:
        pytest.skip("the fuzz test did not run")
    operations = {label.rsplit(" (", 1)[0] for label in CASES}
    report(f"schemathesis: {sum(CASES.values())} cases over {len(operations)} operations "
           f"(valid and invalid data, {MAX_EXAMPLES} examples each); failing: {len(FAILURES)}", "fuzz.json",
           {"cases": dict(CASES), "failures": FAILURES})
