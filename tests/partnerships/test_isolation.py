"""Isolation, proven: every route and API operation, as every identity of another partnership.

The probes are generated from the app's URL map and the OpenAPI document, so a route added
later is probed too, and one nobody has classified fails the test. Partnership A's data is
full of sentinel strings; none may reach anyone outside A, and nothing of A may change.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

import pytest
from pypdf import PdfReader

from cspr.accounts.models import Role
from tests.figures import report
from tests.isolation_world import Side, build, snapshot
from tests.web_kit import PASSWORD, Browser, csrf_of

PUBLIC = "public"  # anyone may read: must never show what is not published
MEMBER = "member"  # /app/<slug>/...: members of that partnership only
SIGNED_IN = "signed_in"  # any signed-in person, about themselves only
OPERATOR = "operator"  # platform operators only
API = "api"  # /api/v1/<slug>/...: probed through the OpenAPI document

# Every endpoint, classified. A route nobody has classified fails the test, so the probe stays complete.
CLASSES: dict[str, tuple[str, str]] = {
    "public.home": (PUBLIC, "the list of partnerships"),
    "public.partnership": (PUBLIC, "a partnership's published reviews page"),
    "public.briefing": (PUBLIC, "a briefing of a published review (or a standalone one)"),
    "public.report": (PUBLIC, "a published report by its random key"),
    "public.request_report": (PUBLIC, "asking for an archived report; lists only published titles"),
    "public.atom": (PUBLIC, "the feed of publications"),
    "public.library": (PUBLIC, "the learning library of published reviews"),
    "ops.healthz": (PUBLIC, "health of database, broker, clock; no tenant data"),
    "ops.plugins_json": (PUBLIC, "installed plugins, versions and hooks; no tenant data"),
    "ops.prometheus": (PUBLIC, "Prometheus metrics: 404 until CSPR_METRICS_TOKEN is set, then the bearer only; no tenant data"),
    "assets.asset": (PUBLIC, "GOV.UK Frontend's files"),
    "static": (PUBLIC, "the app's own static files"),
    "api-docs.openapi_json": (PUBLIC, "the API's contract"),
    "api_partnership_document": (PUBLIC, "a partnership's API contract: its areas, agencies, partners, themes"),
    "feeds.deadlines": (PUBLIC, "the secret feed token in the URL is the credential"),
    "deposits.download": (PUBLIC, "an NSPCC deposit's e-mailed link: the signed token that expires is the credential"),
    "auth.sign_in": (PUBLIC, "the sign-in form"),
    "auth.sign_out": (PUBLIC, "signing out (POST with CSRF)"),
    "auth.reset_request": (PUBLIC, "asking for a password reset link"),
    "auth.reset_password": (PUBLIC, "the e-mailed reset link is the credential"),
    "auth.choose": (SIGNED_IN, "the signed-in person's own partnerships"),
    "auth.two_factor": (SIGNED_IN, "the second step of the person's own sign-in"),
    "auth.enrol": (SIGNED_IN, "setting up the person's own authenticator app"),
    "auth.recovery_codes": (SIGNED_IN, "the person's own recovery codes"),
    "auth.reauthenticate": (SIGNED_IN, "the person confirming it is them before a sensitive action"),
    "sso.start": (PUBLIC, "single sign-on for a partnership that has it (404 otherwise)"),
    "sso.callback": (PUBLIC, "the identity provider's answer; state and nonce are the credential"),
    "operator.users": (OPERATOR, "accounts: names, e-mails, status; no case content"),
    "operator.toggle_user": (OPERATOR, "disable or enable an account"),
    "operator.reset_user_two_factor": (OPERATOR, "make an account set up two factors again"),
    "operator.partnerships": (OPERATOR, "partnerships and plugins, no case content"),
    "operator.toggle": (OPERATOR, "enable or disable a partnership"),
    "operator.figures": (OPERATOR, "yearly counts across partnerships, 1 to 4 suppressed; no case content"),
}
# Probes that would end the prober's own session or act as designed: skipped, with the reason.
SKIP = {
    ("auth.sign_out", "POST", "signed"): "would end the prober's session; tests/web/test_staff.py covers it",
    ("auth.sign_out", "POST", "operator"): "would end the prober's session; tests/web/test_staff.py covers it",
    ("operator.toggle", "POST", "operator"): "operators may disable any partnership, by design",
    ("operator.toggle_user", "POST", "operator"): "operators may disable any account, by design",
    ("operator.reset_user_two_factor", "POST", "operator"): "operators may reset any account's two factors",
}
READ = {"GET"}
FORM = {  # a plausible body for any staff form (the refusal must come before it is read)
    "pseudonym": "Child Probe", "la_case_reference": "LA-PROBE", "la_area": "Nowhere", "age_band": "1_4",
    "harm": "serious_harm", "title": "Probe", "kind": "thematic", "text": "Probe", "response": "Probe",
    "description": "Probe", "owner_agency": "probe", "rag": "complete", "evidence": "Probe", "reason": "probe",
    "email": "nobody@example.org", "name": "Probe", "role": "admin", "password": "x", "decision": "no_review",
    "reviewer_name": "Probe", **{f"{d}-{p}": v for d in ("incident_on", "aware_on", "sent_on", "agreed_on",
                                                          "decided_on", "received_on", "due_on", "assured_on",
                                                          "commissioned_on", "planned_on", "published_on",
                                                          "archived_on", "meeting_on", "completed_on",
                                                          "sent_to_panel_on")
                                 for p, v in (("day", "3"), ("month", "3"), ("year", "2026"))},
}


@dataclass
class Tally:
    """What the probes did and found."""

    probes: int = 0
    leaks: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    routes: set[str] = field(default_factory=set)
    identities: set[str] = field(default_factory=set)
    partnerships: set[str] = field(default_factory=set)
    per_side: int = 0  # identities probing one partnership


TALLY = Tally()


@pytest.fixture(scope="module")
def world(pg_url, tmp_path_factory, smtp_server):
    """Doncaster (A) and Plymouth (B), each with rich data and a member of each role; an operator."""
    from cspr import create_app
    from cspr.accounts.users import create_user
    from cspr.db import get_db
    from cspr.partnerships import services as partnerships
    from tests.conftest import REDIS_URL, truncate_all

    app = create_app({
        "DATABASE_URL": pg_url, "BROKER_URL": REDIS_URL, "TESTING": True, "SERVER_NAME": "cspr.test",
        "INSTANCE_PATH": str(tmp_path_factory.mktemp("isolation") / "instance"),
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server[1],
        "RATELIMIT_ENABLED": False,  # thousands of refused requests on purpose; limits have their own tests
        # the probes of both partnerships outlast the 5 minutes a sign-in stays fresh on a busy machine (a
        # stale one is sent to confirm who it is before the record is looked up); freshness has its own tests
        "REAUTH_MINUTES": 120,
    })
    try:
        sides = {"doncaster": build(app, "doncaster", "qxa"), "plymouth": build(app, "plymouth", "qxb")}
        with app.app_context(), get_db().session_scope() as session:
            partnerships.sync(session, app.extensions["cspr.plugins"])
            create_user(session, "probe-operator@example.org", "Operator", PASSWORD, is_operator=True)
        operator = Browser(app.test_client())
        assert operator.sign_in("probe-operator@example.org").status_code == 302
        yield app, pg_url, sides, operator
    finally:
        app.extensions["cspr.db"].engine.dispose()
        truncate_all(pg_url)


# -- reading what a response shows -------------------------------------------------------------

def shown(response) -> str:
    """Everything a response shows a person: headers, body, and the text inside a zip or a PDF."""
    data = response.get_data()
    parts = [f"{k}: {v}" for k, v in response.headers.items()]
    parts.append(data.decode("utf-8", "replace"))
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts += [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
    if data[:5] == b"%PDF-":
        parts += [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]
    return "\n".join(parts).lower()


def leaked(response, sentinels: set[str]) -> list[str]:
    text = shown(response)
    return sorted(s for s in sentinels if s.lower() in text)


# -- building the probes -------------------------------------------------------------------------

PARAM = re.compile(r"<(?:[^<>]*:)?(\w+)>")


def expand(rule: str, values: dict[str, list[str]]) -> list[str]:
    """Every URL of a rule for the product of the values of its parameters."""
    names = PARAM.findall(rule)
    urls = []
    for combo in itertools.product(*(values[n] for n in names)):
        chosen = dict(zip(names, combo, strict=True))
        urls.append(PARAM.sub(lambda m: str(chosen[m.group(1)]), rule))  # noqa: B023
    return urls


def staff_values(app, owner: Side, slug: str, rule) -> dict[str, list[str]]:
    """Values for a rule's parameters: the owner's real ids and keys, under ``slug``."""
    from cspr.cases import views as cases
    from cspr.reviews import views as reviews

    values: dict[str, list[str]] = {k: [str(i) for i in v] for k, v in owner.ids.items()}
    values["slug"] = [slug]
    values["step"] = list(cases.STEPS if "incident_id" in rule.arguments else reviews.STEPS)
    values["fmt"] = {"staff.tracker_file": ["csv", "xlsx"], "staff.figures_file": ["xlsx", "docx"],
                     "staff.board_file": ["xlsx", "docx"]}.get(
        rule.endpoint, ["pdf", "docx"])
    values["key"] = [owner.private_doc_key, owner.public_doc_key]
    values["token"] = ([owner.tokens[Role.ADMIN], "cspr_not_a_token"] if rule.endpoint == "feeds.deadlines"
                       else ["not-a-reset-token"])
    values["filename"] = ["govuk-frontend.min.css", "../../pyproject.toml"]
    values["sheet"] = ["incidents", "legacy"]  # a going-live template's sheet, as CSV
    values["user_id"] = [str(owner.member_ids[Role.ADMIN])]
    values["token_id"] = [str(owner.browsers[Role.ADMIN].member.token_id)]  # a calendar subscription's id
    return values


def identities(prober: Side, operator: Browser) -> dict[str, tuple[str, Browser]]:
    """Who probes: each role of the other partnership, an operator, and nobody signed in."""
    people = {f"{prober.slug}:{r.value}": ("signed", b) for r, b in prober.browsers.items()}
    people["operator"] = ("operator", operator)
    people["signed-out"] = ("anonymous", Browser(operator.client.application.test_client()))
    return people


def request(browser: Browser, method: str, url: str, csrf: str):
    if method in READ:
        return browser.client.open(url, method=method)
    return browser.client.open(url, method=method, data={"csrf_token": csrf, **FORM})


def expect_refused(kind: str, who: str, response, variant: str) -> str | None:
    """Why the answer is wrong for a request about another partnership's data, or None."""
    status = response.status_code
    if who == "anonymous" and kind in (MEMBER, SIGNED_IN, OPERATOR):
        if status == 302 and "/sign-in" in response.location:
            return None
        return f"signed out: {status}, expected a redirect to sign in"
    if kind == MEMBER:
        allowed = {404} if variant == "foreign" else {403, 404}
    elif kind == OPERATOR:
        allowed = {403} if who == "signed" else {200, 302}
    else:
        allowed = set(range(200, 500))
    return None if status in allowed else f"{status}, expected one of {sorted(allowed)[:4]}"


def unchanged_but_refusals_recorded(before: dict, after: dict) -> set[str]:
    """Refused requests changed nothing; they only added ``access.denied`` events to the trail."""
    before, after = dict(before), dict(after)
    kept, trail = before.pop("audit_events"), after.pop("audit_events")
    before.pop("audit_refusal_windows", None), after.pop("audit_refusal_windows", None)  # their counters
    assert trail[:len(kept)] == kept, "a refused request changed the partnership's audit trail"
    added = {event["action"] for event in trail[len(kept):]}
    assert added <= {"access.denied", "access.denied.summary"}, f"refused requests left these events: {added}"
    assert after == before, "a refused request changed the partnership's data"
    return added


def classify(rule) -> str | None:
    """How a rule is probed; None for a rule nobody has classified yet."""
    if rule.endpoint.startswith("staff.") and rule.rule.startswith("/app/<slug>/"):
        return MEMBER
    if rule.rule.startswith("/api/v1/<slug>/"):
        return API
    return CLASSES.get(rule.endpoint, (None,))[0]


def test_a_new_unclassified_route_fails_the_probe():
    from werkzeug.routing import Rule

    assert classify(Rule("/app/<slug>/reviews/<int:review_id>", endpoint="staff.review")) == MEMBER
    assert classify(Rule("/export-everything", endpoint="ops.export_everything")) is None
    assert classify(Rule("/<slug>/", endpoint="public.partnership")) == PUBLIC


def probe_staff(app, owner: Side, prober: Side, operator: Browser, tally: Tally) -> None:
    """Every rule of the URL map, every method, as each identity, about the owner's data."""
    secret = owner.private | owner.public
    people = identities(prober, operator)
    csrf = {name: csrf_of(b.client.get("/sign-in").get_data(as_text=True)) for name, (_, b) in people.items()}
    unclassified = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        kind = classify(rule)
        if kind is None:
            unclassified.append(f"{rule.rule} ({rule.endpoint})")
            continue
        if kind == API:
            continue  # probed operation by operation from the OpenAPI document
        tally.routes.add(rule.rule)
        variants = [("foreign", owner.slug)]
        if kind == MEMBER and any(a.endswith("_id") for a in rule.arguments):
            variants.append(("cross", prober.slug))  # the prober's own URL with the owner's ids
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for (variant, slug), (name, (who, browser)) in itertools.product(variants, people.items()):
                if (rule.endpoint, method, who) in SKIP:
                    tally.skipped[f"{method} {rule.rule} as {who}"] = SKIP[(rule.endpoint, method, who)]
                    continue
                for url in expand(rule.rule, staff_values(app, owner, slug, rule)):
                    response = request(browser, method, url, csrf[name])
                    tally.probes += 1
                    tally.identities.add(name)
                    label = f"{method} {url} as {name}"
                    assert response.status_code < 500, label
                    if kind == PUBLIC:
                        found = leaked(response, owner.private)
                    elif kind == OPERATOR and who == "operator":  # accounts, never case content
                        found = leaked(response, secret - owner.accounts)
                    else:
                        found = leaked(response, secret)
                    if found:
                        tally.leaks.append(f"{label}: {found}")
                    problem = expect_refused(kind, who, response, variant)
                    if problem:
                        tally.wrong.append(f"{label}: {problem}")
    assert unclassified == [], f"classify these routes in tests/partnerships/test_isolation.py CLASSES: {unclassified}"


# -- the API, from its OpenAPI document ----------------------------------------------------------

def example(schema: dict[str, Any], spec: dict[str, Any]) -> Any:
    """A plausible value for a JSON schema of the document (required fields only)."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: example(props[k], spec) for k in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "string":
        return "2026-03-03" if schema.get("format") == "date" else "probe text"
    if kind == "integer":
        return 1
    if kind == "boolean":
        return False
    return None


def api_operations(client) -> list[tuple[str, str, Any]]:
    spec = client.get("/api/v1/openapi.json").get_json()
    ops = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            ops.append((method.upper(), path, example(body, spec) if body else None))
    return ops


def api_url(path: str, values: dict[str, list[str]]) -> list[str]:
    return expand(path.replace("{", "<").replace("}", ">"), values)


def probe_api(app, owner: Side, prober: Side, tally: Tally) -> None:
    """Every operation of the OpenAPI document, with each of the prober's tokens and with none."""
    client = app.test_client()
    secret = owner.private | owner.public
    tokens = {f"{prober.slug}:{r.value} token": t for r, t in prober.tokens.items()}
    tokens["no token"] = None
    for method, path, body in api_operations(client):
        tally.routes.add(f"{method} {path}")
        variants = [("foreign", owner.slug)]
        if "_id}" in path:
            variants.append(("cross", prober.slug))
        for (variant, slug), (name, token) in itertools.product(variants, tokens.items()):
            values = {k: [str(i) for i in v] for k, v in owner.ids.items()} | {"slug": [slug]}
            for url in api_url(path, values):
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                response = client.open(url, method=method, json=body, headers=headers)
                tally.probes += 1
                tally.identities.add(name)
                label = f"{method} {url} with {name}"
                assert response.status_code < 500, label
                found = leaked(response, secret)
                if found:
                    tally.leaks.append(f"{label}: {found}")
                allowed = {401} if token is None else ({404} if variant == "foreign" else {403, 404})
                if response.status_code not in allowed:
                    tally.wrong.append(f"{label}: {response.status_code}, expected {sorted(allowed)}")
                if response.status_code >= 400:
                    assert response.is_json, label


def probe_own_views(app, owner: Side, prober: Side, tally: Tally) -> None:
    """The prober's own lists, trackers, exports and calendars never include the owner's records."""
    secret = owner.private | owner.public
    rules = [r for r in app.url_map.iter_rules()
             if r.endpoint.startswith("staff.") and r.arguments <= {"slug", "fmt"} and "GET" in r.methods]
    urls = [(r.endpoint, u) for r in rules
            for u in expand(r.rule.replace("<slug>", prober.slug), {"fmt": ["csv", "xlsx"]})]
    for (role, browser), (endpoint, url) in itertools.product(prober.browsers.items(), urls):
        response = browser.get(url)
        tally.probes += 1
        assert response.status_code < 500, url
        # The prober's own audit trail names who tried to reach its records (the owner's members,
        # whose refused probes it recorded): that is the trail's purpose. Nothing else may show.
        hidden = secret - owner.accounts if endpoint in ("staff.audit_trail", "staff.audit_csv") else secret
        if leaked(response, hidden):
            tally.leaks.append(f"GET {url} as {prober.slug}:{role.value}: {leaked(response, hidden)}")
    client = app.test_client()
    feed = client.get(f"/feeds/{prober.feed_token}/deadlines.ics")
    assert feed.status_code == 200 and not leaked(feed, secret)
    for method, path, _ in api_operations(client):
        if method != "GET" or "_id}" in path:
            continue
        for role, token in prober.tokens.items():
            response = client.get(path.replace("{slug}", prober.slug), headers={"Authorization": f"Bearer {token}"})
            tally.probes += 1
            assert response.status_code < 500, path
            if leaked(response, secret):
                tally.leaks.append(f"GET {path} as {prober.slug}:{role.value}: {leaked(response, secret)}")


@pytest.mark.long
@pytest.mark.parametrize(("owner", "prober"), [("doncaster", "plymouth"), ("plymouth", "doncaster")])
def test_no_route_or_operation_shows_or_changes_another_partnerships_data(world, owner, prober):
    app, url, sides, operator = world
    a, b = sides[owner], sides[prober]
    before = snapshot(url, owner)
    assert before["incidents"] and before["documents"] and before["briefings"] and before["actions"]
    tally = Tally()
    probe_staff(app, a, b, operator, tally)
    probe_api(app, a, b, tally)
    probe_own_views(app, a, b, tally)
    TALLY.probes += tally.probes
    TALLY.leaks += tally.leaks
    TALLY.wrong += tally.wrong
    TALLY.skipped |= tally.skipped
    TALLY.routes |= tally.routes
    TALLY.identities |= tally.identities
    TALLY.per_side = max(TALLY.per_side, len(tally.identities))
    TALLY.partnerships.add(owner)
    assert tally.leaks == [], "\n".join(tally.leaks[:40])
    assert tally.wrong == [], "\n".join(tally.wrong[:40])
    recorded = unchanged_but_refusals_recorded(before, snapshot(url, owner))
    assert "access.denied" in recorded, "refusals are recorded in the refused partnership's trail"


def test_published_data_is_public_and_nothing_else_is(world):
    """The sentinels are real: the public page shows the published review, the owner's app shows all."""
    app, _, sides, _ = world
    a = sides["doncaster"]
    client = app.test_client()
    page = client.get("/doncaster/")
    assert page.status_code == 200
    assert leaked(page, a.public) and not leaked(page, a.private)
    assert client.get(f"/doncaster/reports/{a.public_doc_key}.pdf").status_code == 200
    assert client.get(f"/doncaster/reports/{a.private_doc_key}.pdf").status_code == 404
    own = a.browsers[Role.ADMIN]
    r1 = a.ids["review_id"][0]
    html = own.get(f"/app/doncaster/reviews/{r1}").get_data(as_text=True).lower()
    assert "qxareviewonetitle" in html
    plan = own.get(f"/app/doncaster/reviews/{r1}/plan").get_data(as_text=True).lower()
    assert "qxarecommendationtext" in plan and "qxaactiontext" in plan
    assert "qxaoutboxsubject" in own.get("/app/doncaster/messages").get_data(as_text=True).lower()


# -- independent reviewers ----------------------------------------------------------------------

def test_a_reviewer_reaches_only_the_review_assigned_to_them(world):
    app, url, sides, _ = world
    a = sides["doncaster"]
    reviewer = a.browsers[Role.REVIEWER]
    token = a.tokens[Role.REVIEWER]
    client = app.test_client()
    csrf = csrf_of(reviewer.client.get("/sign-in").get_data(as_text=True))
    assigned, other = a.assigned, a.unassigned
    before = snapshot(url, "doncaster")
    checked, problems = 0, []

    def compare(label: str, mine, theirs) -> None:
        nonlocal checked
        checked += 1
        assert theirs.status_code < 500 and mine.status_code < 500, label
        found = leaked(theirs, a.unassigned_sentinels)
        if found:
            problems.append(f"{label}: shows {found}")
        if theirs.status_code == 403 and mine.status_code == 403:
            return  # refused by role whatever the record: nothing is revealed
        if theirs.status_code != 404:
            problems.append(f"{label}: {theirs.status_code} for the unassigned review (own: {mine.status_code})")

    id_names = set(other)
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("staff.") or not (rule.arguments & id_names):
            continue
        (name,) = rule.arguments & id_names
        values = staff_values(app, a, "doncaster", rule)
        mine_urls = expand(rule.rule, values | {name: [str(assigned[name][0])]})
        their_urls = expand(rule.rule, values | {name: [str(other[name][0])]})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for mine_url, their_url in zip(mine_urls, their_urls, strict=True):
                compare(f"{method} {their_url}", request(reviewer, method, mine_url, csrf),
                        request(reviewer, method, their_url, csrf))
    for method, path, body in api_operations(client):
        names = {n for n in id_names if "{" + n + "}" in path}
        if not names:
            continue
        (name,) = names
        headers = {"Authorization": f"Bearer {token}"}
        base = path.replace("{slug}", "doncaster")
        mine = client.open(base.replace("{" + name + "}", str(assigned[name][0])), method=method, json=body,
                           headers=headers)
        their_url = base.replace("{" + name + "}", str(other[name][0]))
        compare(f"{method} {their_url}", mine, client.open(their_url, method=method, json=body, headers=headers))
    # what they can read: their own review, in the app and the API, and no list shows the other one
    r1 = assigned["review_id"][0]
    assert reviewer.get(f"/app/doncaster/reviews/{r1}").status_code == 200
    assert client.get(f"/api/v1/doncaster/reviews/{r1}", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    for page in ("/app/doncaster/", "/app/", f"/app/doncaster/reviews/{r1}"):
        response = reviewer.get(page)
        assert not leaked(response, a.unassigned_sentinels), page
    for path in ("/reviews", "/deadlines", f"/reviews/{r1}", f"/reviews/{r1}/recommendations"):
        response = client.get(f"/api/v1/doncaster{path}", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200 and not leaked(response, a.unassigned_sentinels), path
    assert problems == [], "\n".join(problems)
    after = snapshot(url, "doncaster")
    r2 = other["review_id"][0]
    keys = {"reviews": ("id", [r2]), "review_drafts": ("review_id", [r2]), "briefings": ("review_id", [r2]),
            "documents": ("review_id", [r2]), "recommendations": ("review_id", [r2]),
            "case_documents": ("review_id", [r2]), "case_document_versions": ("document_id", other["document_id"]),
            "actions": ("recommendation_id", other["recommendation_id"])}
    for table, (column, ids) in keys.items():
        assert [r for r in after[table] if r[column] in ids] == [r for r in before[table] if r[column] in ids], table
    report(f"reviewers: {checked} requests for an unassigned review's records, "
           f"{len(problems)} answered other than 404")


def test_an_agency_contributor_reaches_only_their_own_agencys_requests(world):
    """Every staff route and API operation, with every id of the partnership, as its agency contributor:
    another agency's requests are 404 by id and never shown; every other page and case record is refused."""
    app, url, sides, _ = world
    a = sides["doncaster"]
    contributor = a.browsers[Role.CONTRIBUTOR]
    token = a.tokens[Role.CONTRIBUTOR]
    client = app.test_client()
    csrf = csrf_of(contributor.client.get("/sign-in").get_data(as_text=True))
    before = snapshot(url, "doncaster")
    mine, theirs = a.own_requests, a.other_requests
    checked, problems = 0, []
    # what they may reach: their requests' pages, their own return, the lists of requests; adding a
    # chronology entry for their own agency (its form is shown, a probe's bad body is refused)
    theirs_ok = ("staff.information_requests", "staff.information_request", "staff.information_request_return",
                 "staff.chronology_new", "staff.chronology_template_xlsx", "staff.chronology_template_csv",
                 "staff.chronology_import")  # their own agency's rows, on a case it was asked about (625b9aa)

    def check(label: str, response, endpoint: str = "", request_id: str | None = None) -> None:
        nonlocal checked
        checked += 1
        assert response.status_code < 500, label
        found = leaked(response, a.other_agency_sentinels)
        if found:
            problems.append(f"{label}: shows {found}")
        if request_id is not None and int(request_id) in theirs and response.status_code not in (403, 404):
            problems.append(f"{label}: {response.status_code} for another agency's request")
        elif request_id is None and endpoint and endpoint not in theirs_ok and response.status_code not in (
                403, 404, 400, 302):
            problems.append(f"{label}: {response.status_code}, expected a refusal")

    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("staff."):
            continue
        values = staff_values(app, a, "doncaster", rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for page in expand(rule.rule, values):
                rid = page.rsplit("/information-requests/", 1)[-1].split("/")[0] \
                    if "/information-requests/" in page and "request_id" in rule.arguments else None
                check(f"{method} {page}", request(contributor, method, page, csrf), rule.endpoint, rid)
    headers = {"Authorization": f"Bearer {token}"}
    for method, path, body in api_operations(client):
        values = {k: [str(i) for i in v] for k, v in a.ids.items()} | {"slug": ["doncaster"]}
        for target in api_url(path, values):
            rid = target.rsplit("/information-requests/", 1)[-1].split("/")[0] \
                if "{request_id}" in path else None
            response = client.open(target, method=method, json=body, headers=headers)
            check(f"{method} {target}", response, request_id=rid)
    # what they see: their own request, and the lists hold it and nothing else
    assert contributor.get(f"/app/doncaster/information-requests/{mine[0]}").status_code == 200
    listed = client.get("/api/v1/doncaster/information-requests", headers=headers).get_json()
    assert [r["id"] for r in listed["requests"]] == mine
    assert problems == [], "\n".join(problems[:40])
    after = snapshot(url, "doncaster")
    for table in ("information_requests", "incidents", "reviews", "chronology_entries", "memberships"):
        assert after[table] == before[table], table
    report(f"agency contributors: {checked} requests across every route and operation, "
           f"{len(problems)} reached another agency's requests or a page they may not see")


def test_a_scrutineer_reads_the_figures_and_published_plans_and_no_case_record(world):
    """Every staff route and API operation, with every id of the partnership, as its independent scrutineer:
    the figures (numbers only), the scrutiny home and a published review's action plan answer; every other
    page and operation is refused, and nothing private of the partnership is ever shown."""
    app, url, sides, _ = world
    a = sides["doncaster"]
    scrutineer = a.browsers[Role.SCRUTINEER]
    token = a.tokens[Role.SCRUTINEER]
    client = app.test_client()
    csrf = csrf_of(scrutineer.client.get("/sign-in").get_data(as_text=True))
    sentinels = a.private - {f"{a.tag}scrutineer@example.org"}  # their own e-mail is on every page
    r1, _r2, r3 = a.ids["review_id"]
    before = snapshot(url, "doncaster")
    theirs_ok = {"staff.dashboard", "staff.figures_page", "staff.figure_cases", "staff.figures_file",
                 "staff.plan", "staff.board_page", "staff.board_file"}
    checked, problems = 0, []

    def check(label: str, response, endpoint: str = "", may: bool = False) -> None:
        nonlocal checked
        checked += 1
        assert response.status_code < 500, label
        found = leaked(response, sentinels)
        if found:
            problems.append(f"{label}: shows {found}")
        if not may and response.status_code not in (403, 404, 400, 302, 405):
            problems.append(f"{label}: {response.status_code}, expected a refusal")

    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("staff."):
            continue
        values = staff_values(app, a, "doncaster", rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for page in expand(rule.rule, values):
                may = method == "GET" and rule.endpoint in theirs_ok and (
                    rule.endpoint != "staff.plan" or page.endswith(f"/reviews/{r3}/plan"))
                check(f"{method} {page}", request(scrutineer, method, page, csrf), rule.endpoint, may)
    headers = {"Authorization": f"Bearer {token}"}
    for method, path, body in api_operations(client):
        values = {k: [str(i) for i in v] for k, v in a.ids.items()} | {"slug": ["doncaster"]}
        for target in api_url(path, values):
            response = client.open(target, method=method, json=body, headers=headers)
            check(f"{method} {target}", response, may=method == "GET" and "/figures" in target)
    # what they do see: the figures without the cases behind them, and a published review's plan only
    assert scrutineer.get("/app/doncaster/figures").status_code == 200
    assert scrutineer.get(f"/app/doncaster/reviews/{r3}/plan").status_code == 200
    assert scrutineer.get(f"/app/doncaster/reviews/{r1}/plan").status_code == 404
    answer = client.get("/api/v1/doncaster/figures", headers=headers).get_json()
    assert all(f["cases"] == [] for t in answer["tables"] for f in t["figures"])
    assert problems == [], "\n".join(problems[:40])
    after = snapshot(url, "doncaster")
    for table in ("incidents", "reviews", "recommendations", "actions", "memberships", "deadlines"):
        assert after[table] == before[table], table
    report(f"scrutineers: {checked} requests across every route and operation, "
           f"{len(problems)} reached a case record or a page they may not see")


def test_zz_the_isolation_figure(world):
    """Routes × identities × partnerships probed, and leaks found (written to test-artifacts)."""
    if not TALLY.partnerships:
        pytest.skip("the probes did not run")
    data = {"probes": TALLY.probes, "routes_and_operations": len(TALLY.routes),
            "identities": sorted(TALLY.identities), "partnerships_probed": sorted(TALLY.partnerships),
            "leaks": TALLY.leaks, "wrong_answers": TALLY.wrong, "skipped": TALLY.skipped}
    per_side = TALLY.per_side
    report(f"isolation: {len(TALLY.routes)} routes/operations x {per_side} identities (4 roles signed in, "
           f"4 role tokens, operator, signed out, no token) x {len(TALLY.partnerships)} partnerships, "
           f"every id, step and URL variant: {TALLY.probes} requests; leaks found: {len(TALLY.leaks)}",
           "isolation.json", data)
    assert TALLY.leaks == []


# -- hostile query strings on the pages ---------------------------------------------------------

HOSTILE = ["junk", "99999999999999999999999", "-1", "0", "\x00", "'; DROP TABLE reviews; --", "<script>x</script>",
           "%", "\u202e\ufeff", "a" * 5000]
QUERY_NAMES = ("stage", "kind", "year", "q", "theme", "partnership", "overdue", "format", "next", "page")


def test_hostile_query_strings_on_every_page_are_never_a_server_error(world):
    """Every GET page, as the owner's admin and signed out, with hostile values in every filter it reads."""
    app, _, sides, _ = world
    a = sides["doncaster"]
    people = {"admin": a.browsers[Role.ADMIN], "signed out": Browser(app.test_client())}
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/api/", "/assets/", "/static/")):
            continue
        if classify(rule) == OPERATOR:
            continue
        url = expand(rule.rule, staff_values(app, a, "doncaster", rule))[0]
        for value, (name, browser) in itertools.product(HOSTILE, people.items()):
            response = browser.client.get(url, query_string={k: value for k in QUERY_NAMES})
            checked += 1
            assert response.status_code < 500, (url, value, name)
            if response.status_code == 200 and response.mimetype == "text/html":
                assert "<script>x</script>" not in response.get_data(as_text=True), (url, "unescaped")
    report(f"hostile query strings: {checked} page requests, no server error")


def test_hostile_path_segments_are_never_a_server_error(world):
    """Every rule with a text parameter (slug, step, key, token, file), filled with hostile text."""
    app, _, sides, _ = world
    a = sides["doncaster"]
    admin = a.browsers[Role.ADMIN]
    checked = 0
    for rule in app.url_map.iter_rules():
        texts = rule.arguments & {"slug", "step", "key", "token", "filename"}
        if not texts or "GET" not in rule.methods:
            continue
        for value in ("%00", "%E2%80%AE", "..%2F..%2Fetc%2Fpasswd", "a" * 300, "%27%22%3C"):
            values = staff_values(app, a, "doncaster", rule) | {name: [value] for name in texts}
            url = expand(rule.rule, values)[0]
            for headers in ({}, {"Authorization": f"Bearer {a.tokens[Role.ADMIN]}"}):
                response = admin.client.get(url, headers=headers)
                checked += 1
                assert response.status_code < 500, (url, headers)
    report(f"hostile path segments: {checked} requests, no server error")
