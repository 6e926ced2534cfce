"""Issue 17's check, kept: Kingston and Richmond, a partnership written outside the repository from the docs.

The package in tests/fixtures/outside_kingston/ was written as a new author would write it (the tutorial,
the hook reference and the kit's docs, never the core's code) with two local authority areas, joint DHR
and SAR reviews, legacy serious case reviews dated by year alone, a report published anonymously through
the NSPCC and an archive rule per kind. Here it is pip-installed into a folder of its own: it loads,
passes the kit and its own tests, its page on PostgreSQL shows what it declares, and after a real
worker's daily jobs each kind has followed its own rule.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from cspr.accounts.models import Role
from cspr.calendar import ENGLAND
from cspr.cases import incidents
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.deadlines.models import Deadline
from cspr.partnerships import demo
from cspr.partnerships import services as partnerships
from cspr.returns import services as returns
from cspr.reviews.models import Review
from cspr.services.context import Context, london_today
from tests.cli.test_scaffold import run_its_tests
from tests.helpers import cspr, embedded_env
from tests.web_kit import signed_in
from tests.worker_kit import broker, procs, wait_for  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow

PACKAGE = Path(__file__).resolve().parents[1] / "fixtures" / "outside_kingston"
SLUG = "kingston-and-richmond"
MODULE = "cspr_kingston_and_richmond"
NSPCC = "deposits@nspcc.example.org"


@pytest.fixture(scope="module")
def kingston(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The package copied out of the repository and pip-installed into a folder of its own."""
    folder = tmp_path_factory.mktemp("outside")
    source = folder / "cspr-kingston-and-richmond"
    shutil.copytree(PACKAGE, source, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    site = folder / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(source),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return source, site


@pytest.fixture
def on_path(kingston: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Its entry point visible to apps made in this test (ask for it before ``app``).

    Another test's module of the same name (test_every_kind_of_partnership writes one) is taken out of
    ``sys.modules`` first, and ours after, so that each app imports the package it was given.
    """
    sys.modules.pop(MODULE, None)
    monkeypatch.syspath_prepend(str(kingston[1]))
    yield kingston[1]
    sys.modules.pop(MODULE, None)


def test_it_loads_as_a_fifth_partnership_and_passes_the_kit_and_its_own_tests(kingston, tmp_path):
    source, site = kingston
    check = cspr("plugins", "check", env=embedded_env(tmp_path, PYTHONPATH=str(site)))
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"ok      {SLUG} ({SLUG})" in check.stdout
    assert check.stdout.count("ok ") == 5
    kit = run_its_tests(source, site)
    assert kit.returncode == 0, kit.stdout + kit.stderr
    passed = int(re.search(r"(\d+) passed", kit.stdout).group(1))
    assert passed >= 19 and "skipped" not in kit.stdout  # the kit's 13 or more, and the author's own 6


def page_text(app, slug: str) -> str:
    response = app.test_client().get(f"/{slug}/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.commits  # a real worker, in a process of its own, runs the daily jobs
def test_its_page_shows_what_it_declares_and_each_kind_follows_its_rule_after_the_daily_jobs(
    on_path, app, mailbox, request
):
    workers, redis = request.getfixturevalue("procs"), request.getfixturevalue("broker")  # worker_kit
    registry = app.extensions["cspr.plugins"]
    assert SLUG in registry.policies
    with app.app_context(), get_db().session_scope() as session:
        demo.load(session, registry)

    html = page_text(app, SLUG)
    assert "Kingston upon Thames, Richmond upon Thames" in html
    assert (
        "Royal Borough of Kingston upon Thames" in html and "London Borough of Richmond upon Thames" in html
    )
    assert "Metropolitan Police Service" in html and "NHS South West London Integrated Care Board" in html
    assert "the councils, the NHS and the police" in html
    assert "Published 2016 · Child K" in html and "Published 2018 · Sibling group R" in html
    assert "2025: 1 review published anonymously through the NSPCC" in html and "Child T" not in html
    assert "Joint child safeguarding practice review and domestic homicide review" in html
    assert "and as a domestic homicide review (Domestic Violence, Crime and Victims Act 2004 s9)" in html
    assert "with Kingston and Richmond Community Safety Partnership" in html
    assert "and as a safeguarding adults review (Care Act 2014 s44)" in html
    assert "with Kingston and Richmond Safeguarding Adults Boards" in html
    assert "Formerly the Kingston and Richmond Local Safeguarding Children Board." in html
    assert "About our reviews" in html and "If you are worried about a child" in html
    assert "Child K" not in page_text(app, "plymouth")  # another partnership's page never shows it

    # a case whose Panel notification is three working days overdue today: the plugin's escalation stage
    chair = "chair@kingston-richmond.example.org"
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, SLUG)
        with acting_for(session, row.id):
            ctx = Context(session, row, registry.policy(SLUG), actor="test")
            aware = ENGLAND.add(ctx.today, -8)  # due 5 working days later, escalated 3 after that
            incidents.record(
                ctx,
                pseudonym="Child W",
                la_case_reference="RBK-1",
                la_area="Kingston upon Thames",
                age_band="10_15",
                harm="serious_harm",
                incident_on=aware,
                aware_on=aware,
            )

    workers.env.update(
        PYTHONPATH=str(on_path), CSPR_NSPCC_DEPOSIT_ADDRESS=NSPCC, CSPR_BASE_URL="https://cspr.example.org"
    )
    workers.start("worker", "--concurrency", "1")  # on start it catches up: today's daily jobs

    def outcomes() -> dict[str, str | None]:
        with app.app_context(), get_db().sessionmaker() as session:
            row = partnerships.get(session, SLUG)
            with acting_for(session, row.id):
                return {
                    r.title: r.archive_outcome and r.archive_outcome.value
                    for r in session.scalars(select(Review))
                }

    def deposits() -> list:
        from celery import Celery

        client = Celery(broker=redis.url)
        client.send_task("cspr.tasks.outbox.relay", queue="outbox")  # what the beat would do
        client.close()
        return [m for m in mailbox.messages if m["To"] == NSPCC]

    assert wait_for(lambda: outcomes()["Joint review: Mother and Child M"] is not None, timeout=90), (
        workers.logs
    )
    state = outcomes()
    assert state["Joint review: Mother and Child M"] == "nspcc"  # a new review: 12 months, then the NSPCC
    assert state["Serious case review: Child K"] is None  # legacy SCRs stay on the page, by their kind's rule
    assert state["Serious case review: Sibling group R"] is None
    sar_due = london_today() >= dt.date(2027, 6, 1)  # published 1 June 2026
    assert (state["Joint review: Young person J"] == "nspcc") is sar_due

    def ours() -> dict[str, dict]:
        """Kingston's deposits e-mailed to the NSPCC: subject -> the catalogue record in the package."""
        found = {}
        for message in deposits():
            for part in message.walk():
                if part.get_filename():
                    with zipfile.ZipFile(io.BytesIO(part.get_payload(decode=True))) as package:
                        record = json.loads(package.read("metadata.json"))
                    if record["partnership"]["name"].startswith("Kingston and Richmond"):
                        body = next(p for p in message.walk() if p.get_content_type() == "text/plain")
                        found[" ".join(message["Subject"].split())] = record | {
                            "file": part.get_filename(),
                            "body": body.get_payload(decode=True).decode(),
                        }
        return found

    assert wait_for(lambda: len(ours()) >= 2, timeout=60, every=1), [m["Subject"] for m in mailbox.messages]
    sent = ours()
    dhr = sent[
        "Deposit for the National Case Review Repository: Joint review: Mother and Child M "
        "(Kingston and Richmond Safeguarding Children Partnership)"
    ]
    assert dhr["co_publisher"] == "Kingston and Richmond Community Safety Partnership"  # the kind's
    assert dhr["frameworks"] == ["cspr", "dhr"] and dhr["authors"] == ["A. Reviewer"]
    assert (
        dhr["kind_words"] == "Joint child safeguarding practice review and domestic homicide review"
    )  # its name
    assert "Co-publisher: Kingston and Richmond Community Safety Partnership" in dhr["body"]
    assert "and domestic homicide review (Domestic Violence, Crime and Victims Act 2004 s9)" in dhr["body"]
    ((subject, anonymous),) = [(s, r) for s, r in sent.items() if r["title"] == "Child T"]
    assert anonymous["publish_anonymously"] is True
    # what travels in the open never names the area or the child; the public record withholds the area
    assert "Kingston" not in subject and "Child T" not in subject and "Kingston" not in anonymous["file"]
    assert anonymous["public_record"]["areas"].startswith("Withheld")
    # no deposit for the legacy SCRs; the SAR only once its 12 months are over
    assert sorted(r["title"] for r in sent.values()) == sorted(
        ["Child T", "Joint review: Mother and Child M"] + ["Joint review: Young person J"] * sar_due
    )

    def chased_the_chair() -> bool:
        deposits()  # a relay, as the beat would send
        return any(
            m["To"] == chair
            and " ".join(m["Subject"].split()).startswith(
                "Overdue: Notify the Child Safeguarding Practice Review Panel"
            )
            for m in mailbox.messages
        )

    assert wait_for(chased_the_chair, timeout=60, every=1), [
        (m["To"], m["Subject"]) for m in mailbox.messages
    ]

    html = page_text(app, SLUG)
    assert "Published 2016 · Child K" in html and "Published 2018 · Sibling group R" in html
    assert "Joint review: Mother and Child M" not in html
    assert "Child T" not in html


def test_a_closure_day_its_admin_adds_in_the_app_moves_a_local_target_and_no_statutory_deadline(
    on_path, app, client
):
    monday = dt.date(2027, 2, 15)

    def due_dates(reference: str) -> tuple[dt.date, dt.date]:
        """A case in Richmond whose LA became aware on Monday 15 February 2027, and a request sent that day."""
        with app.app_context(), get_db().session_scope() as session:
            row = partnerships.get(session, SLUG)
            with acting_for(session, row.id):
                policy = app.extensions["cspr.plugins"].policy(SLUG)
                ctx = Context(session, row, policy, actor="test", today=monday)
                incident = incidents.record(
                    ctx,
                    pseudonym="Child V",
                    la_case_reference=reference,
                    la_area="Richmond upon Thames",
                    age_band="5_9",
                    harm="serious_harm",
                    incident_on=monday,
                    aware_on=monday,
                )
                request = returns.send(
                    ctx, incident=incident, agency="krft", asked="Your trust's involvement"
                )
                notify = session.scalar(
                    select(Deadline).where(
                        Deadline.kind == "notify_panel", Deadline.incident_id == incident.id
                    )
                )
                return notify.due_on, request.due_on

    admin = signed_in(app, client, SLUG, Role.ADMIN)
    assert due_dates("RUT-1") == (dt.date(2027, 2, 22), dt.date(2027, 2, 22))
    saved = admin.submit(
        f"/app/{SLUG}/settings/closure-days", {"closure_days": "2027-02-17\n2027-02-18"}, follow=True
    )
    assert "Closure days saved." in saved.get_data(as_text=True)
    statutory, local = due_dates("RUT-2")
    assert statutory == dt.date(2027, 2, 22)  # notifying the Panel counts England's bank holidays alone
    assert local == dt.date(2027, 2, 24)  # the information request skips the two days the office closes
