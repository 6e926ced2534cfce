"""Archival by each partnership's rule: deposit packages, kept reports, verification, the daily job."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from cspr.archive import services as archive
from cspr.archive.models import ArchiveDeposit
from cspr.audit.models import AuditEvent
from cspr.db import get_db
from cspr.db.tenancy import across_partnerships, acting_for
from cspr.partnerships import demo
from cspr.partnerships import services as partnerships
from cspr.reviews.models import Review
from cspr.tasks import clock
from tests.helpers import cspr

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def loaded(app):
    with app.app_context(), get_db().session_scope() as session:
        demo.load(session, app.extensions["cspr.plugins"])
    return app


def run(app, today=TODAY):
    with app.app_context(), get_db().sessionmaker() as session:
        return archive.run(session, app.extensions["cspr.plugins"], today,
                           Path(app.config["ARCHIVE_DIR"]), Path(app.config["DOCUMENTS_DIR"]))


def reviews_of(app, slug):
    with app.app_context(), get_db().sessionmaker() as session:
        row = partnerships.get(session, slug)
        with acting_for(session, row.id):
            return {r.title: (r.archived_on, r.archive_outcome) for r in session.scalars(select(Review))}


def test_each_partnership_archives_by_its_own_rule(loaded):
    result = run(loaded)
    assert result.problems == []
    doncaster = reviews_of(loaded, "doncaster")
    assert doncaster["Child Cameron"][1].value == "nspcc"
    southampton = reviews_of(loaded, "southampton")  # its rule takes its legacy SCR too ("legacy")
    assert {outcome.value for _, outcome in southampton.values()} == {"on_request"}
    york = reviews_of(loaded, "york")
    assert all(archived_on is None for archived_on, _ in york.values())  # York keeps them listed
    plymouth = reviews_of(loaded, "plymouth")
    assert plymouth["Young Person A"][1].value == "nspcc"  # its CSPR goes; its five SCRs stay
    assert all(plymouth[t] == (None, None) for t in ("Child WR", "Child A & B", "Harry", "Baby F", "Child G"))
    # York's are kept by their rule; Plymouth's SCRs, their date not given (stored as the day they were
    # recorded), have not reached theirs yet, and would be kept on the page by it
    assert result.kept == len(york)


def test_nothing_leaves_the_page_before_its_twelve_months(loaded):
    run(loaded, today=dt.date(2024, 1, 30))  # Child Cameron was published in January 2023 (kept as its last day)
    assert reviews_of(loaded, "doncaster")["Child Cameron"] == (None, None)
    run(loaded, today=dt.date(2024, 1, 31))
    assert reviews_of(loaded, "doncaster")["Child Cameron"][0] == dt.date(2024, 1, 31)


def test_the_deposit_package_carries_the_catalogue_record_and_a_manifest(loaded):
    run(loaded)
    with loaded.app_context(), get_db().sessionmaker() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            deposit = session.scalars(select(ArchiveDeposit)).one()
            events = session.scalars(select(AuditEvent.action)).all()
    data = (Path(loaded.config["ARCHIVE_DIR"]) / deposit.path).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        record = json.loads(package.read("metadata.json"))
        manifest = package.read("manifest-sha256.txt").decode()
    assert record["title"] == "Child Cameron" and record["year"] == 2023
    assert record["partnership"]["short_name"] == "DSCP" and record["kind"] == "local_cspr"
    assert record["published_on"] == "2023-01" and record["archived_on"] == "2026-11-23"  # as precise as known
    assert "metadata.json" in manifest
    assert "review.archived" in events and "archive.deposited" in events


def test_archival_runs_once_and_a_second_run_changes_nothing(loaded):
    first = run(loaded)
    second = run(loaded)
    assert first.archived and second.archived == []
    with loaded.app_context(), get_db().sessionmaker() as session:
        with across_partnerships(session, "test"):
            assert len(session.scalars(select(ArchiveDeposit)).all()) == len(first.archived)


def test_verify_finds_a_changed_or_missing_package(loaded, tmp_path):
    run(loaded)
    with loaded.app_context(), get_db().sessionmaker() as session:
        count, problems = archive.verify(session, Path(loaded.config["ARCHIVE_DIR"]))
        assert count > 0 and problems == []
        with across_partnerships(session, "test"):
            deposits = session.scalars(select(ArchiveDeposit).order_by(ArchiveDeposit.id)).all()
        first, second = (Path(loaded.config["ARCHIVE_DIR"]) / d.path for d in deposits[:2])
        first.write_bytes(first.read_bytes() + b"tampered")
        second.unlink()
        _, problems = archive.verify(session, Path(loaded.config["ARCHIVE_DIR"]))
    assert any("checksum does not match" in p for p in problems)
    assert any("missing" in p for p in problems)


def test_the_daily_job_archives(loaded):
    with loaded.app_context(), get_db().sessionmaker() as session:
        assert "archive" in clock.run_daily(session, now=dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC))
        assert clock.run_daily(session, now=dt.datetime(2026, 11, 23, 18, tzinfo=dt.UTC)) == []
    assert reviews_of(loaded, "doncaster")["Child Cameron"][1].value == "nspcc"


def test_plymouth_keeps_its_serious_case_reviews_while_its_cspr_goes_to_the_nspcc(loaded, client):
    before = client.get("/plymouth/").get_data(as_text=True)
    assert "Young Person A" in before
    with loaded.app_context(), get_db().sessionmaker() as session:
        assert "archive" in clock.run_daily(session, now=dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC))
    plymouth = reviews_of(loaded, "plymouth")
    assert plymouth["Young Person A"][1].value == "nspcc"  # a CSPR past its 12 months
    scrs = ("Child WR", "Child A &amp; B", "Harry", "Baby F", "Child G")
    assert all(plymouth[t.replace("&amp;", "&")] == (None, None) for t in scrs)
    page = client.get("/plymouth/").get_data(as_text=True)
    assert 'data-cspr-title="Young Person A"' not in page  # its report is off the page
    assert "Young Person A: Learning on a Page" in page  # its learning stays readable
    assert all(title in page for title in scrs)
    assert "Serious case reviews stay listed on this page." in page


def test_a_rule_for_new_reviews_does_not_archive_an_imported_legacy_review(loaded, client):
    from cspr.reviews.models import PublicationForm, ReviewKind

    with loaded.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "doncaster")  # 12 months, then the NSPCC; nothing about legacy
        with acting_for(session, row.id):
            session.add(Review(kind=ReviewKind.LOCAL_CSPR, title="Child Imported", legacy=True,
                               stage="published", published_on=dt.date(2016, 3, 1),
                               publication_form=PublicationForm.FULL))
    result = run(loaded)
    doncaster = reviews_of(loaded, "doncaster")
    assert doncaster["Child Cameron"][1].value == "nspcc"
    assert doncaster["Child Imported"] == (None, None)
    assert "doncaster" not in " ".join(p for p in result.problems)
    assert "Child Imported" in client.get("/doncaster/").get_data(as_text=True)


def test_archive_commands(tmp_path, upgraded_env):
    env = upgraded_env  # as `cspr db upgrade` leaves it
    assert cspr("demo", "--no-cases", "--no-accounts", env=env).returncode == 0
    ran = cspr("archive", "run", "--date", "2026-11-23", env=env)
    assert ran.returncode == 0, ran.stderr
    assert " archived, " in ran.stdout and "(s)" not in ran.stdout
    # with no NSPCC address set, the run says why nothing was e-mailed
    assert "CSPR_NSPCC_DEPOSIT_ADDRESS is not set" in ran.stdout
    ok = cspr("archive", "verify", env=env)
    assert ok.returncode == 0 and "verified" in ok.stdout
    package = next((tmp_path / "instance" / "archive").rglob("*.zip"))
    package.write_bytes(b"not a zip any more")
    bad = cspr("archive", "verify", env=env)
    assert bad.returncode == 1 and "does not match" in bad.stderr


def test_an_archived_report_can_be_requested_from_the_public_page(loaded, client, mailbox):
    from cspr.messaging import relay as outbox_service
    from cspr.messaging.tasks import channel_for
    from tests.web_kit import Browser

    run(loaded)
    page = client.get("/southampton/").get_data(as_text=True)
    assert "Reports available on request" in page and "Willow (2023)" in page
    assert client.get("/doncaster/request-a-report").status_code == 404  # Doncaster sends to the NSPCC
    browser = Browser(client)
    form = browser.get("/southampton/request-a-report").get_data(as_text=True)
    import re

    willow = re.search(r'<option value="(\d+)">Willow \(2023\)', form).group(1)
    refused = browser.submit("/southampton/request-a-report", {"review": willow, "name": "", "email": "x"})
    assert refused.status_code == 400 and "Enter your name" in refused.get_data(as_text=True)
    sent = browser.submit("/southampton/request-a-report", {
        "review": willow, "name": "A Practitioner", "email": "practitioner@example.org",
        "reason": "Team learning session"})
    assert "Request sent" in sent.get_data(as_text=True)
    with loaded.app_context(), get_db().sessionmaker() as session:
        outbox_service.relay(session, channel_for, loaded.config)
    (message,) = mailbox.wait_for(1)
    assert message["To"] == "safeguarding.partnershipsteam@southampton.gov.uk"
    assert "practitioner@example.org" in message.get_payload(decode=True).decode()
