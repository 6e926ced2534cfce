"""Hostile input: schemathesis runs every check it has against the partnership's OpenAPI document.

All its phases (examples, coverage, fuzzing, stateful) and every check (``--checks all``: server
errors, status codes, content types, schemas of bodies and headers, valid data accepted, invalid
data refused, undocumented methods, missing auth ignored, use after free, resources available...)
as the CLI does, through its engine, in-process against the WSGI app, with a fixed seed. Ids 1..n
exist, so many requests reach real records of the partnership and walk its workflow in random
orders. ``tests/schemathesis.toml`` and ``tests/fuzz_checks.py`` are the shared settings.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import jsonschema
import pytest
import schemathesis
from openapi_spec_validator import validate
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events
from werkzeug.serving import make_server

import tests.fuzz_checks  # noqa: F401  (registers our check, so "all" includes it)
from cspr.accounts.models import Role
from tests.api_kit import Api, make_member
from tests.figures import report

CONFIG = Path(__file__).resolve().parents[1] / "schemathesis.toml"  # seed, examples per operation, stateful steps
FIGURES: dict[str, object] = {}


@pytest.fixture
def fuzz_token(app, client) -> str:
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


@contextmanager
def serving(app) -> Iterator[str]:
    """The app on a local port, as the CLI meets it (the in-process WSGI transport lacks redirects)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)


def run_schemathesis(url: str, token: str) -> dict:
    """Every phase and every check against Doncaster's document; the figures and the failures."""
    config = SchemathesisConfig.from_path(CONFIG)
    schema = schemathesis.openapi.from_url(f"{url}/api/v1/doncaster/openapi.json", config=config)
    schema.config.update(headers={"Authorization": f"Bearer {token}"})
    schema.config.checks.update(included_check_names=["all"])
    load_all_checks()
    enabled = sorted(n for n in CHECKS.get_all_names() if schema.config.checks_config_for().get_by_name(name=n).enabled)
    cases, failures, errors, operations, phases = Counter(), {}, [], set(), {}
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            operations.add(event.recorder.label)
            cases[event.phase.value] += len(event.recorder.cases)
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.status == Status.FAILURE:
                        failure = check.failure_info.failure if check.failure_info else None
                        key = f"{event.recorder.label}: {check.name}"
                        failures[key] = " ".join(str(getattr(failure, "title", "")).split() +
                                                 str(getattr(failure, "message", "")).split())[:400]
        elif isinstance(event, events.PhaseFinished):
            phases[event.phase.name.value] = event.status.value
        elif isinstance(event, events.NonFatalError | events.FatalError):
            errors.append(str(getattr(event, "value", getattr(event, "exception", event)))[:400])
    return {"checks": enabled, "cases": dict(cases), "operations": len(operations - {"Stateful tests"}), "phases": phases,
            "failures": failures, "errors": errors}


@pytest.mark.long
@pytest.mark.commits  # schemathesis calls the app on a server thread
def test_schemathesis_finds_nothing_with_every_check(app, fuzz_token):
    """All phases, all checks: no server error, every answer as documented, valid data accepted."""
    # Thousands of requests without a token from one address would trip the bad-token limit (and then
    # every request is 429); the limit has its own tests (tests/accounts/test_sign_in.py).
    app.config["RATELIMIT_API_AUTH"] = "1000000 per minute"
    started = time.monotonic()
    with serving(app) as url:
        result = run_schemathesis(url, fuzz_token)
    FIGURES.update(result, seconds=round(time.monotonic() - started))
    load_all_checks()
    assert set(result["checks"]) == set(CHECKS.get_all_names())  # every check schemathesis has, and ours
    assert {"positive_data_acceptance", "negative_data_rejection", "unsupported_method", "use_after_free",
            "ensure_resource_availability", "ignored_auth", "response_headers_conformance",
            "valid_data_is_refused_only_by_undeclarable_rules"} <= set(result["checks"])
    assert result["operations"] >= 30 and sum(result["cases"].values()) > 1000, result
    assert result["errors"] == [], result["errors"]
    assert result["failures"] == {}, "\n".join(f"{k}: {v}" for k, v in result["failures"].items())


def test_the_pagination_header_is_the_json_its_document_declares(app, client, fuzz_token):
    """X-Pagination is JSON: the document says so (a media type, not OpenAPI's "simple" style)."""
    spec = client.get("/api/v1/openapi.json").get_json()
    header = spec["components"]["headers"]["PAGINATION"]
    assert "schema" not in header
    declared = header["content"]["application/json"]["schema"]
    assert declared == {"$ref": "#/components/schemas/PaginationMetadata"}
    response = client.get("/api/v1/doncaster/reviews?page_size=1",
                          headers={"Authorization": f"Bearer {fuzz_token}"})
    value = json.loads(response.headers["X-Pagination"])
    jsonschema.validate(value, spec["components"]["schemas"]["PaginationMetadata"])
    assert value["total"] == 2 and value["next_page"] == 2


def test_a_partnerships_document_lists_its_own_values(client):
    """The rules the shared document can only describe, Doncaster's document lists."""
    shared = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    own = client.get("/api/v1/doncaster/openapi.json")
    assert own.status_code == 200
    spec = own.get_json()
    validate(spec)  # a valid OpenAPI 3.0 document, like the shared one
    schemas = spec["components"]["schemas"]
    assert schemas["IncidentIn"]["properties"]["la_area"]["enum"] == ["Doncaster"]
    assert "enum" not in shared["IncidentIn"]["properties"]["la_area"]
    assert "one of the partnership's local authority areas" in shared["IncidentIn"]["properties"]["la_area"][
        "description"]
    assert "sy-police" in schemas["ActionIn"]["properties"]["owner_agency"]["enum"]
    agreed_by = schemas["FinalReportIn"]["properties"]["agreed_by"]
    assert agreed_by["minItems"] == agreed_by["maxItems"] == 3 and agreed_by["uniqueItems"]
    assert "joint_dhr" not in schemas["ReviewIn"]["properties"]["kind"]["enum"]  # Doncaster holds none
    assert "/api/v1/doncaster/incidents" in spec["paths"] and not any("{slug}" in p for p in spec["paths"])
    assert client.get("/api/v1/nowhere/openapi.json").status_code == 404


def test_text_and_page_rules_are_in_the_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    assert schemas["DecisionIn"]["properties"]["rationale"]["pattern"] == "^[^\\x00]*$"
    assert schemas["IncidentIn"]["properties"]["pseudonym"]["pattern"].startswith("^(?![\\s\\S]*<")  # one line
    assert schemas["RecommendationIn"]["properties"]["text"]["pattern"].startswith("^[^\\x00]*[^\\s")
    page = next(p for p in spec["paths"]["/api/v1/{slug}/incidents"]["get"]["parameters"] if p["name"] == "page")
    assert page["schema"]["maximum"] == 10_000
    stage = next(p for p in spec["paths"]["/api/v1/{slug}/reviews"]["get"]["parameters"] if p["name"] == "stage")
    assert stage["schema"]["pattern"] == "^[^\\x00]*$"
    assert spec["paths"]["/api/v1/{slug}/actions/{action_id}"]["patch"]["requestBody"]["required"] is False


def test_our_check_lets_valid_data_be_refused_only_for_rules_no_schema_can_state():
    """tests/fuzz_checks.py: a 422 naming a date rule passes; one naming a declarable rule fails."""
    from types import SimpleNamespace as NS

    from tests.fuzz_checks import valid_data_is_refused_only_by_undeclarable_rules as check

    positive = NS(meta=NS(generation=NS(mode=NS(is_positive=True))))
    negative = NS(meta=NS(generation=NS(mode=NS(is_positive=False))))

    def answer(errors: dict) -> NS:
        return NS(status_code=422, text=json.dumps({"errors": errors}))

    assert check(None, answer({"json": {"sent_on": "must be on or after the LA became aware"}}), positive) is None
    assert check(None, answer({"json": {"la_area": "must be one of this partnership's areas"}}), negative) is None
    for declarable in ({"json": {"la_area": "must be one of this partnership's areas"}},
                       {"json": {"text": ["must not contain the NUL character"]}},
                       {"query": {"page": ["Must be at most 10000."]}},
                       {"json": {"identifying_terms": "Enter the names and places"}}):
        with pytest.raises(AssertionError):
            check(None, answer(declarable), positive)


def test_what_the_document_says_a_body_must_be_the_api_holds_to(client, fuzz_token):
    """Found by negative_data_rejection: 0 was taken for false, and a partner could be named twice."""
    headers = {"Authorization": f"Bearer {fuzz_token}"}
    response = client.patch("/api/v1/doncaster/incidents/1", headers=headers,
                            json={"looked_after": 0, "reason": "probe of booleans"})
    assert response.status_code == 422 and "looked_after" in response.get_json()["errors"]["json"]
    twice = ["doncaster-council", "doncaster-council", "sy-icb", "sy-police"]
    response = client.post("/api/v1/doncaster/reviews/1/final-report", headers=headers,
                           json={"agreed_on": "2026-08-03", "agreed_by": twice})
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"]["agreed_by"] == ["Name each one once."]


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


def test_control_characters_in_a_record_do_not_break_the_excel_export(app, client, fuzz_token):
    """Found by the fuzzer: a pseudonym with a control character made tracker.xlsx a 500.

    The API now refuses such a pseudonym (cspr.services.plain_text); a record from before the rule
    must still export.
    """
    headers = {"Authorization": f"Bearer {fuzz_token}"}
    corrected = client.patch("/api/v1/doncaster/incidents/1", headers=headers,
                             json={"pseudonym": "Child\x0bF\x11", "reason": "probe of the export"})
    assert corrected.status_code == 422 and "pseudonym" in corrected.get_json()["errors"]["json"]
    from cspr.cases.models import Incident
    from cspr.db import get_db
    from cspr.db.tenancy import acting_for
    from cspr.partnerships import services as partnerships

    with app.app_context(), get_db().session_scope() as session:
        with acting_for(session, partnerships.get(session, "doncaster").id):
            session.get(Incident, 1).pseudonym = "Child\x0bF\x11"
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
    if not FIGURES:
        pytest.skip("the fuzz test did not run")
    report(f"schemathesis (every check, all phases, tests/schemathesis.toml): "
           f"{sum(FIGURES['cases'].values())} cases over {FIGURES['operations']} operations in "
           f"{FIGURES['seconds']} s; failing: {len(FIGURES['failures'])}", "fuzz.json", FIGURES)
