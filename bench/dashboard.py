"""Benchmark: the staff dashboard against a bare Flask endpoint returning the same rows.

Seeds cases in one partnership, signs a member in (password, then the code from their
authenticator app, as a person does), then measures requests per second
of GET /app/<slug>/ (the full page: session, membership, policy, templates) and of a
bare Flask view that runs the same due-or-overdue query and returns the rows as JSON,
both in-process through the WSGI test client, in the same run: in turn, seven rounds each
(a change in the machine's load falls on both alike). Prints both and the median of the
rounds' ratios (the page's overhead over the bare query). Needs PostgreSQL.

    python bench/dashboard.py [--cases 200] [--requests 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyotp
from flask import Flask, jsonify
from flask.testing import FlaskClient
from flask.typing import ResponseReturnValue
from sqlalchemy import create_engine, select, text

from bench.common import at_least, scratch_database, side_by_side
from cspr import create_app
from cspr.accounts import two_factor
from cspr.accounts.models import Role
from cspr.accounts.users import create_user
from cspr.db import get_db, statement_counter
from cspr.db.tenancy import acting_for
from cspr.deadlines.models import Deadline, DeadlineState
from cspr.partnerships import demo
from cspr.partnerships import services as partnerships
from cspr.services.context import Context, london_today

SLUG = "doncaster"
PASSWORD = "a long enough passphrase"
EMAIL = "bench@example.org"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class NotSignedIn(SystemExit):
    """The benchmark could not reach the signed-in dashboard (its figures would measure a redirect)."""

    def __init__(self, what: str, response) -> None:  # noqa: ANN001
        super().__init__(f"bench/dashboard.py: {what}: got {response.status_code}"
                         f"{' to ' + response.location if response.location else ''}, not the page")


def form_post(client: FlaskClient, url: str, data: dict[str, str]):  # noqa: ANN201
    """Fill in the form on ``url`` (with its CSRF token) and send it."""
    page = client.get(url)
    token = CSRF.search(page.get_data(as_text=True)) if page.status_code == 200 else None
    if token is None:
        raise NotSignedIn(f"GET {url} had no form", page)
    return client.post(url, data={"csrf_token": token.group(1), **data})


def sign_in(client: FlaskClient, secret: str) -> None:
    """Password, then the second factor: the session is fully signed in, as a person's is."""
    response = form_post(client, "/sign-in", {"email": EMAIL, "password": PASSWORD})
    if response.status_code != 302 or urlsplit(response.location).path != "/sign-in/two-factor":
        raise NotSignedIn("the password step did not lead to the two-factor step", response)
    response = form_post(client, "/sign-in/two-factor", {"code": pyotp.TOTP(secret).now()})
    if response.status_code != 302 or urlsplit(response.location).path.startswith("/sign-in"):
        raise NotSignedIn("the two-factor step did not sign in", response)


def dashboard_page(client: FlaskClient):  # noqa: ANN201
    """GET the dashboard; stop the run if it is anything but the signed-in page."""
    response = client.get(f"/app/{SLUG}/")
    if response.status_code != 200:
        raise NotSignedIn(f"GET /app/{SLUG}/", response)
    return response


def bare_app(url: str, partnership_id: int) -> Flask:
    """The same rows with nothing around them: one engine, one query, JSON."""
    engine = create_engine(url)
    bare = Flask("bare")

    @bare.route("/due")
    def due() -> ResponseReturnValue:
        until = london_today() + dt.timedelta(days=7)
        with engine.connect() as conn:  # Core, no ORM: nothing but the query
            rows = conn.execute(
                select(Deadline.id, Deadline.label, Deadline.subject, Deadline.due_on)
                .where(Deadline.partnership_id == partnership_id, Deadline.state == DeadlineState.OPEN,
                       Deadline.due_on <= until, Deadline.direction != "at_least")
                .order_by(Deadline.due_on, Deadline.id)).all()
        return jsonify([{"id": r.id, "label": r.label, "subject": r.subject,
                         "due_on": r.due_on.isoformat()} for r in rows])

    return bare


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=at_least(1), default=200)
    parser.add_argument("--requests", type=at_least(1), default=200)
    parser.add_argument("--profile", action="store_true", help="print where the page's time goes")
    args = parser.parse_args()
    with scratch_database() as url, tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": tmp, "BROKER_URL": "memory://",
                          "LOG_LEVEL": "WARNING"})
        registry = app.extensions["cspr.plugins"]
        with app.app_context(), get_db().session_scope() as session:
            partnerships.sync(session, registry)
            row = partnerships.get(session, SLUG)
            user = create_user(session, EMAIL, "Bench", PASSWORD, memberships=[(row, Role.ADMIN)])
            # an authenticator app already set up (the benchmark knows its key, as the app does)
            secret = two_factor.new_secret()
            user.totp_secret, user.totp_confirmed_at = secret, datetime.now(UTC)
            with acting_for(session, row.id):
                ctx = Context(session, row, registry.policy(SLUG), actor="bench")
                demo.seed_cases(ctx, args.cases, seed=7)
            partnership_id = row.id
        with app.extensions["cspr.db"].engine.connect() as conn:
            # the planner's statistics, as autovacuum keeps them in a running database (just seeded,
            # the tables would look empty to it, and it would plan nested loops over every case)
            conn.execute(text("ANALYZE"))
            conn.commit()
        client = app.test_client()
        sign_in(client, secret)
        html = dashboard_page(client).get_data(as_text=True)
        if '<h1 class="govuk-heading-xl">Dashboard</h1>' not in html or 'id="this-week"' not in html:
            sys.exit(f"bench/dashboard.py: GET /app/{SLUG}/ answered 200 but not with the dashboard")
        bare = bare_app(url, partnership_id).test_client()
        rows = len(bare.get("/due").get_json())
        with statement_counter(app.extensions["cspr.db"].engine) as seen:
            dashboard_page(client)
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(20):
                client.get(f"/app/{SLUG}/")
            profiler.disable()
            lines = int(os.environ.get("CSPR_BENCH_PROFILE_LINES", "25"))
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(lines)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(lines)
        # in turn, round by round: a change in the machine's load falls on both alike
        bare_time, dashboard_time, ratio = side_by_side(
            lambda: bare.get("/due"), lambda: dashboard_page(client), max(1, args.requests // 7))
        dashboard_rps, bare_rps = 1 / dashboard_time, 1 / bare_time
        print(f"cases={args.cases} due rows={rows} dashboard SQL statements={len(seen)}")
        print(f"bare Flask endpoint (same rows as JSON): {bare_rps:8.1f} requests/s")
        print(f"staff dashboard (full page):             {dashboard_rps:8.1f} requests/s")
        print(f"ratio dashboard / bare: {1 / ratio:.2f}x "
              f"(the page costs {ratio:.1f}x a bare query; the median of the rounds' ratios)")


if __name__ == "__main__":
    main()
