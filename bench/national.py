"""Benchmark: one partnership's work on a national deployment against the same work on its own.

Two databases, one process: one partnership (Doncaster) with ten years of cases, and the same
with 149 more partnerships (150 in all, about 60 000 incidents and 600 000 deadlines at the
defaults), their history written with set-based SQL (INSERT ... SELECT generate_series) so it
builds in under a minute. Each measure runs on both in turn, round by round (a change in the
machine's load falls on both alike), and is printed as the ratio of the national time to the
one-partnership time: the deadline sweep, the staff dashboard, the public page, the library
search (the full-text index) and the yearly figures. Flat is 1x.

The other partnerships are rows with their cases, deadlines and published reviews but no plugin
(a benchmark cannot install 149): the library, the sweep and the figures read past their rows;
the history is what ten years leave behind (deadlines met, reviews published), with this year's
cases still open and a few deadlines due.

    python bench/national.py [--partnerships 150] [--years 10] [--per-year 40] [--deadlines 10]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bench.common import at_least, scratch_database
from bench.dashboard import EMAIL, PASSWORD, SLUG, dashboard_page, sign_in
from cspr import create_app
from cspr.accounts import two_factor
from cspr.accounts.models import Role
from cspr.accounts.users import create_user
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.deadlines.tasks import run_sweep
from cspr.partnerships import demo
from cspr.partnerships import services as partnerships
from cspr.reporting import figures
from cspr.services.context import Context, london_today

TOPICS = (
    "neglect and school attendance",
    "domestic abuse in the home",
    "bruising in non-mobile babies",
    "adolescent exploitation",
    "parental mental health",
    "unsafe sleeping",
)

# One partnership's history: ``per`` incidents a year for ``years`` years, ``dl`` deadlines each (met,
# but this year's: open, due later), and two published reviews a year. Set-based: three statements.
INCIDENTS = """
INSERT INTO incidents (partnership_id, reference, stage, pseudonym, la_case_reference, la_area, age_band,
    harm, looked_after, care_leaver, incident_on, aware_on, agencies_involved, police_investigating,
    created_at)
SELECT p.id, 'N' || p.id || '-' || g, 'recorded', 'Case N' || g, 'LA-N' || p.id || '-' || g, 'Area ' || p.id,
    '1_4', 'serious_harm', false, false, d, d, '[]', 'not_known', now()
FROM partnerships p CROSS JOIN generate_series(1, :years * :per) g
CROSS JOIN LATERAL (SELECT CAST(:today AS date) - ((g - 1) * 365 * :years / (:years * :per)) - 1 AS d) day
WHERE p.id = ANY(:pids)
"""
DEADLINES = """
INSERT INTO deadlines (partnership_id, kind, label, subject, incident_id, due_on, statutory, direction, state,
    met_on, updated_at)
SELECT i.partnership_id, 'history_' || k, 'A step of the case', 'incident:' || i.id, i.id, due, false,
    'within', CASE WHEN open THEN 'open' ELSE 'met' END, CASE WHEN open THEN NULL ELSE due END, now()
FROM incidents i CROSS JOIN generate_series(1, :dl) k
CROSS JOIN LATERAL (SELECT i.aware_on > CAST(:today AS date) - 365 AS open) o
CROSS JOIN LATERAL (SELECT CASE WHEN open THEN CAST(:today AS date) + 30 + k * 7 ELSE i.aware_on + k * 10 END
                    AS due) d
WHERE i.partnership_id = ANY(:pids) AND i.reference LIKE 'N%'
"""
REVIEWS = """
INSERT INTO reviews (partnership_id, kind, title, stage, legacy, final_report_agreed_by, authors, frameworks,
    themes, summary, published_on, created_at)
SELECT p.id, 'local_cspr', 'Review N' || p.id || '-' || g, 'published', false, '[]', '[]', '[]',
    json_build_array(t.topic), 'The review looked at ' || t.topic || '.',
    CAST(:today AS date) - (g * 365 / 2) - 30, now()
FROM partnerships p CROSS JOIN generate_series(1, :years * 2) g
CROSS JOIN LATERAL (SELECT (CAST(:topics AS text[]))[1 + (p.id + g) % :ntopics] AS topic) t
WHERE p.id = ANY(:pids)
"""


def fill(engine, pids: list[int], args, today: dt.date) -> None:  # noqa: ANN001
    """Ten years of history for each partnership in ``pids``, in set-based statements, then ANALYZE."""
    values = {
        "pids": pids,
        "years": args.years,
        "per": args.per_year,
        "dl": args.deadlines,
        "today": today,
        "topics": list(TOPICS),
        "ntopics": len(TOPICS),
    }
    with engine.begin() as conn:
        for statement in (INCIDENTS, DEADLINES, REVIEWS):
            conn.execute(text(statement), values)
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def counts(engine) -> tuple[int, int, int, int]:  # noqa: ANN001
    """Partnerships, incidents, deadlines and published reviews in the database."""
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM partnerships), (SELECT count(*) FROM incidents),"
                    " (SELECT count(*) FROM deadlines),"
                    " (SELECT count(*) FROM reviews WHERE published_on IS NOT NULL)"
                )
            ).one()
        )


def measures(app, client) -> dict[str, Callable[[], object]]:  # noqa: ANN001
    """What is measured on one deployment, each a call."""
    registry = app.extensions["cspr.plugins"]
    today = london_today()

    def sweep() -> None:
        with app.app_context(), get_db().sessionmaker() as session:
            run_sweep(session, today)

    def public_page() -> None:
        response = client.get(f"/{SLUG}/")
        if response.status_code != 200:
            sys.exit(f"bench/national.py: the public page answered {response.status_code}")

    def library() -> None:
        response = client.get("/library", query_string={"q": "exploitation"})
        if response.status_code != 200:
            sys.exit(f"bench/national.py: the library search answered {response.status_code}")

    def yearly() -> None:
        with app.app_context(), get_db().sessionmaker() as session:
            row = partnerships.get(session, SLUG)
            with acting_for(session, row.id):
                ctx = Context(session, row, registry.policy(SLUG), actor="bench")
                figures.yearly_figures(ctx, figures.reporting_year(ctx))

    return {
        "sweep (steady)": sweep,
        "staff dashboard": lambda: dashboard_page(client),
        "public page": public_page,
        "library search": library,
        "yearly figures": yearly,
    }


def deployment(url: str, tmp: str, args, count: int, today: dt.date):  # noqa: ANN001, ANN201
    """A deployment of ``count`` partnerships, each with its history; Doncaster's member signed in."""
    app = create_app(
        {"DATABASE_URL": url, "INSTANCE_PATH": tmp, "BROKER_URL": "memory://", "LOG_LEVEL": "WARNING"}
    )
    registry = app.extensions["cspr.plugins"]
    engine = app.extensions["cspr.db"].engine
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, registry)
        row = partnerships.get(session, SLUG)
        user = create_user(session, EMAIL, "Bench", PASSWORD, memberships=[(row, Role.ADMIN)])
        secret = two_factor.new_secret()
        user.totp_secret, user.totp_confirmed_at = secret, datetime.now(UTC)
        with acting_for(session, row.id):  # the same live cases in both deployments (seed 7)
            demo.seed_cases(Context(session, row, registry.policy(SLUG), actor="bench"), args.cases, seed=7)
        doncaster = row.id
    with engine.begin() as conn:
        known = conn.execute(text("SELECT count(*) FROM partnerships")).scalar()
        conn.execute(
            text(
                "INSERT INTO partnerships (slug, name, short_name, enabled, created_at)"
                " SELECT 'national-' || g, 'National partnership ' || g, 'NP' || g, true, now()"
                " FROM generate_series(1, :n) g"
            ),
            {"n": max(0, count - known)},
        )
        others = list(
            conn.execute(
                text("SELECT id FROM partnerships WHERE id <> :d ORDER BY id"), {"d": doncaster}
            ).scalars()
        )[: count - 1]
    started = time.perf_counter()
    fill(engine, [doncaster, *others], args, today)
    built = time.perf_counter() - started
    client = app.test_client()
    sign_in(client, secret)
    return app, client, counts(engine), built


def main() -> None:
    """Build both deployments, measure them in turn, print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partnerships", type=at_least(2), default=150)
    parser.add_argument("--years", type=at_least(1), default=10)
    parser.add_argument("--per-year", type=at_least(1), default=40, help="incidents a partnership has a year")
    parser.add_argument("--deadlines", type=at_least(1), default=10, help="deadlines an incident has")
    parser.add_argument("--cases", type=at_least(1), default=40, help="Doncaster's live cases")
    parser.add_argument("--calls", type=at_least(1), default=10)
    parser.add_argument("--rounds", type=at_least(1), default=5)
    args = parser.parse_args()
    today = london_today()
    with (
        scratch_database() as one_url,
        scratch_database() as all_url,
        tempfile.TemporaryDirectory() as one_tmp,
        tempfile.TemporaryDirectory() as all_tmp,
    ):
        one_app, one_client, one_counts, _ = deployment(one_url, one_tmp, args, 1, today)
        all_app, all_client, all_counts, built = deployment(all_url, all_tmp, args, args.partnerships, today)
        one, national = measures(one_app, one_client), measures(all_app, all_client)
        print(
            f"one partnership: partnerships={one_counts[0]} incidents={one_counts[1]} "
            f"deadlines={one_counts[2]} published reviews={one_counts[3]}"
        )
        print(
            f"national:        partnerships={all_counts[0]} incidents={all_counts[1]} "
            f"deadlines={all_counts[2]} published reviews={all_counts[3]} (history built in {built:.0f} s)"
        )
        for name in one:
            # in turn, round by round, so a change in the machine's load falls on both alike
            times: tuple[list[float], list[float]] = ([], [])
            for call in (one[name], national[name]):
                call()  # warm
            for _ in range(args.rounds):
                for call, out in ((one[name], times[0]), (national[name], times[1])):
                    started = time.perf_counter()
                    for _ in range(args.calls):
                        call()
                    out.append((time.perf_counter() - started) / args.calls)
            a, b = statistics.median(times[0]), statistics.median(times[1])
            print(
                f"{name + ':':17} {a * 1000:8.2f} ms with one, {b * 1000:8.2f} ms national: "
                f"ratio {b / a:.2f}x"
            )


if __name__ == "__main__":
    main()
