"""In Chromium: every asset a page loads is fingerprinted and cached, so a second page asks the server for none."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from cspr.db import get_db
from cspr.partnerships import demo

pytestmark = pytest.mark.slow


def served_assets() -> float:
    """Asset requests the app answered so far (this process's request histogram)."""
    total = 0.0
    for endpoint in ("assets.asset", "static"):
        for status in ("2xx", "3xx", "4xx"):
            total += REGISTRY.get_sample_value("cspr_http_request_duration_seconds_count",
                                               {"endpoint": endpoint, "method": "GET", "status": status}) or 0
    return total


def test_a_second_page_loads_every_asset_from_the_browsers_cache(app, live, chromium):
    with app.app_context(), get_db().session_scope() as session:
        demo.load(session, app.extensions["cspr.plugins"])
    context = chromium.new_context()  # the suite's one browser (one Playwright per process)
    try:
        tab = context.new_page()
        loaded = []
        tab.on("response", lambda r: loaded.append(r) if "/assets/" in r.url or "/static/" in r.url
               else None)
        tab.goto(f"{live}/")
        tab.wait_for_load_state("networkidle")
        assert loaded, "the page loaded no assets"
        assert {r.status for r in loaded} == {200}, [(r.url, r.status) for r in loaded]
        for response in loaded:
            assert response.headers["cache-control"] == "public, max-age=31536000, immutable", response.url
        # GOV.UK Frontend's module, imported by init.js under its fingerprinted name, ran
        assert tab.evaluate("document.body.classList.contains('govuk-frontend-supported')")
        assert any("govuk-frontend.min." in r.url for r in loaded)
        before = served_assets()
        assert tab.goto(f"{live}/doncaster/").status == 200  # another page with the same assets
        tab.wait_for_load_state("networkidle")
        assert served_assets() == before  # nothing asked of the server again
    finally:
        context.close()
