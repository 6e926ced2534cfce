"""Hostile input: markup typed into records is shown as text, oversized uploads are refused, no secrets."""

from __future__ import annotations

import re
import subprocess
from io import BytesIO
from pathlib import Path

import pytest

from cspr.accounts.models import Role
from tests.publication.test_publishing import ready  # noqa: F401 - the fixture
from tests.web.test_staff import INCIDENT, add_incident
from tests.web_kit import csrf_of, signed_in

SCRIPT = '<script>alert("x")</script>'
ROOT = Path(__file__).resolve().parents[2]


def test_markup_in_a_case_is_refused_and_older_markup_is_shown_as_text_everywhere(app, client):
    admin = signed_in(app, client, "doncaster", Role.ADMIN)
    fields = {**INCIDENT, "pseudonym": f"Child {SCRIPT}", "la_case_reference": '"><img src=x onerror=1>'}
    refused = admin.submit("/app/doncaster/incidents/new", fields)
    assert refused.status_code == 400 and "Pseudonym must not contain markup" in refused.get_data(as_text=True)
    # a record from before the rule (or written by a service directly) is still only ever text
    case_url = f"/app/doncaster/incidents/{add_incident(app, pseudonym=f'Child {SCRIPT}')}"
    for url in (case_url, "/app/doncaster/", "/app/doncaster/cases"):
        html = admin.get(url).get_data(as_text=True)
        assert SCRIPT not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;" in html, f"{url} shows the pseudonym as text"
    export = admin.get("/app/doncaster/cases.csv")
    assert export.status_code == 200 and "Child <script>" in export.get_data(as_text=True)
    assert export.mimetype == "text/csv"  # a download, never rendered as HTML


def test_a_body_over_the_limit_is_refused_with_a_clear_page_and_nothing_is_published(app, ready, client):  # noqa: F811
    admin, rid, partner = ready
    url = f"/app/doncaster/reviews/{rid}/publish"
    token = csrf_of(admin.get(url).get_data(as_text=True))
    huge = BytesIO(b"%PDF-1.7\n" + b"0" * (app.config["MAX_CONTENT_LENGTH"] + 1))
    response = admin.client.post(url, data={"csrf_token": token, "signed_off_by": partner,
                                            "report": (huge, "huge.pdf")},
                                 content_type="multipart/form-data")
    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)
    assert "Published" not in admin.get(f"/app/doncaster/reviews/{rid}").get_data(as_text=True)
    assert client.get("/doncaster/").status_code == 200
    assert "cspr-child-p" not in client.get("/doncaster/").get_data(as_text=True)


SECRET_PATTERNS = {
    "private key": re.compile("-----BEGIN ([A-Z]+ )?" + "PRIVATE KEY-----"),
    "API token of this platform": re.compile(r"\bcspr" + r"_[A-Za-z0-9_-]{40,}"),
    "AWS access key": re.compile(r"\bAKIA" + r"[0-9A-Z]{16}\b"),
    "GOV.UK Notify key": re.compile(r"-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
                                    r"-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
}


def _tracked_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / name for name in out.stdout.splitlines()]


def test_no_secrets_are_kept_in_the_repository():
    """Keys and tokens live in the environment; a made-up test value says "test-only ... not a secret"."""
    found = []
    for path in _tracked_files():
        if not path.is_file() or path.suffix in {".png", ".pdf", ".woff2", ".ico"}:
            continue
        lines = path.read_text(errors="ignore").splitlines()
        text = "\n".join(line for line in lines if "not a secret" not in line)
        found += [f"{path.relative_to(ROOT)}: {kind}" for kind, rx in SECRET_PATTERNS.items() if rx.search(text)]
    assert found == []
