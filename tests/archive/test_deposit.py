"""The NSPCC deposit end to end: e-mailed through the outbox, followed to delivery, acknowledged, catalogued.

Real parts: PostgreSQL under row-level security, the outbox relay (in `cspr worker` on a real Redis
for the first test), a real SMTP server. The package is read back from the message received.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from cspr.accounts.models import Role
from cspr.archive import links
from cspr.archive.models import DepositStatus
from cspr.audit.models import AuditEvent
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.messaging import relay as outbox
from cspr.messaging.tasks import channel_for
from cspr.partnerships import services as partnerships
from cspr.services.context import london_today
from tests.archive.deposit_kit import (
    NSPCC,
    REPORT,
    anonymous_review,
    deposit_of,
    load_demo,
    review_id,
    run_archive,
)
from tests.web_kit import date, signed_in
from tests.worker_kit import broker, procs, wait_for  # noqa: F401 (fixtures: the Redis, the processes)

ARCHIVE = "/app/doncaster/archive"


def config_with(app, **settings) -> dict:
    app.config.update(NSPCC_DEPOSIT_ADDRESS=NSPCC, **settings)
    return app.config


def attachments(message) -> dict[str, bytes]:
    return {
        part.get_filename(): part.get_payload(decode=True) for part in message.walk() if part.get_filename()
    }


def text_of(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            return part.get_payload(decode=True).decode()
    raise AssertionError("no text part")


def events(app, action: str, slug: str = "doncaster") -> list[AuditEvent]:
    with app.app_context(), get_db().sessionmaker() as session:
        with acting_for(session, partnerships.get(session, slug).id):
            found = list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
            session.expunge_all()
            return found


def relay(app) -> outbox.RelayResult:
    with app.app_context(), get_db().sessionmaker() as session:
        return outbox.relay(session, channel_for, app.config)


@pytest.mark.slow
@pytest.mark.commits
def test_a_deposit_goes_through_the_worker_to_the_nspcc_is_acknowledged_and_catalogued(app, procs, mailbox):  # noqa: F811
    load_demo(app)
    rid = anonymous_review(app)
    result = run_archive(app, config_with(app))
    assert result.problems == []
    deposit = deposit_of(app, rid)
    assert deposit.status == DepositStatus.PREPARED and deposit.outbox_id is not None  # queued, not sent
    procs.start("worker", "--concurrency", "1")
    procs.start("beat")  # the relay runs every second

    def to_nspcc():
        return [m for m in list(mailbox.messages) if m["To"] == NSPCC]

    def anonymous_one():
        return next((m for m in to_nspcc() if "anonymously" in m["Subject"]), None)

    assert wait_for(lambda: anonymous_one() is not None, timeout=90), [m["To"] for m in mailbox.messages]
    anonymous = anonymous_one()
    assert "Child Rowan" not in anonymous["Subject"] and "Doncaster" not in anonymous["Subject"]
    ((name, data),) = attachments(anonymous).items()
    assert name == f"nspcc-deposit-{deposit.id}.zip"  # nothing naming the area or its case
    package = (Path(app.config["ARCHIVE_DIR"]) / deposit.path).read_bytes()
    assert data == package and hashlib.sha256(data).hexdigest() == deposit.sha256
    with zipfile.ZipFile(io.BytesIO(data)) as unzipped:
        assert unzipped.read("documents/report.pdf") == REPORT  # the report that was never public
        record = json.loads(unzipped.read("metadata.json"))
    assert record["case"] == {
        "age": "1 to 4",
        "sex": "Female",
        "incident": "The child died",
        "abuse": ["Neglect"],
        "incident_month": "2025-02",
    }
    assert record["authors"] == ["Dr A Reviewer"] and record["themes"] == ["Neglect", "Information sharing"]
    public = json.dumps(record["public_record"])
    assert "Doncaster" not in public and "Rowan" not in public and "LA-ROWAN" not in public
    assert "LA-ROWAN" not in json.dumps(record) and 'Child Rowan"' not in json.dumps(record["case"])
    assert anonymous["Message-ID"] == outbox.message_id(anonymous["X-CSPR-Idempotency-Key"])

    # sent once the outbox delivered it, recorded by the worker's relay
    assert wait_for(lambda: deposit_of(app, rid).status == DepositStatus.SENT, timeout=30)
    assert deposit_of(app, rid).sent_at is not None
    assert {e.object_id for e in events(app, "archive.sent")} >= {str(deposit.id)}
    procs.stop_all()

    # staff record the copy number: empty and invalid ones are named, a good one is kept
    admin = signed_in(app, app.test_client(), "doncaster", Role.ADMIN)
    url = f"{ARCHIVE}/{deposit.id}/acknowledge"
    today = date(london_today().isoformat())
    empty = admin.submit(url, {"copy_number": "", "acknowledged_on": today})
    assert empty.status_code == 400
    assert "Enter the copy number the NSPCC gave the deposit" in empty.get_data(as_text=True)
    bad = admin.submit(url, {"copy_number": "=HYPERLINK(1)", "acknowledged_on": ["", "", ""]})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Copy number must be the NSPCC&#39;s number" in page
    assert "Enter the date the NSPCC acknowledged the deposit" in page
    done = admin.submit(url, {"copy_number": "NSPCC-2026-0412", "acknowledged_on": today})
    assert done.status_code == 302
    assert deposit_of(app, rid).status == DepositStatus.ACKNOWLEDGED
    assert deposit_of(app, rid).copy_number == "NSPCC-2026-0412"
    (ack,) = events(app, "archive.acknowledged")
    assert ack.detail["copy_number"] == "NSPCC-2026-0412"
    listing = admin.get(ARCHIVE).get_data(as_text=True)
    assert "NSPCC-2026-0412" in listing and "Acknowledged by the NSPCC" in listing

    # the catalogue export has it, in words
    exported = admin.get(f"{ARCHIVE}/catalogue.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = {r["Title"]: r for r in csv.DictReader(io.StringIO(exported.get_data(as_text=True)))}
    assert set(rows) == {"Child Rowan", "Child Cameron"}
    rowan = rows["Child Rowan"]
    assert (
        rowan["NSPCC copy number"] == "NSPCC-2026-0412"
        and rowan["Deposit status"] == "Acknowledged by the NSPCC"
    )
    assert rowan["Child's age"] == "1 to 4" and rowan["Child's sex"] == "Female"
    assert rowan["What happened"] == "The child died" and rowan["Month of the incident"] == "February 2025"
    assert rowan["Published anonymously through the NSPCC"] == "Yes"
    assert rowan["Authors"] == "Dr A Reviewer" and rowan["Date of publication"] == "10 June 2026"
    assert rowan["Recommendations"] == "1. Share health visiting records."
    assert rows["Child Cameron"]["Deposit status"] == "Sent to the NSPCC"
    assert rows["Child Cameron"]["Kind of review"] == "Local child safeguarding practice review"
    assert "local_cspr" not in exported.get_data(as_text=True)


def test_an_oversized_package_is_sent_as_a_link_that_works_until_it_expires(
    app, client, mailbox, monkeypatch
):
    load_demo(app)
    run_archive(
        app, config_with(app, NSPCC_DEPOSIT_ATTACH_MAX_BYTES=100, BASE_URL="https://cspr.example.org")
    )
    assert relay(app).sent == 2  # Doncaster's Child Cameron and Plymouth's Young Person A
    (message,) = [m for m in mailbox.wait_for(2) if "Child Cameron" in m["Subject"]]
    assert attachments(message) == {}
    body = text_of(message)
    link = re.search(r"https://cspr\.example\.org(/nspcc-deposits/\S+)", body)
    assert link, body  # from BASE_URL, never the request's host
    cameron = deposit_of(app, review_id(app, "Child Cameron"))
    assert cameron.status == DepositStatus.SENT and cameron.delivery.value == "link"
    assert f"{cameron.link_expires_at:%-d %B %Y}" in body

    got = client.get(link.group(1))
    assert got.status_code == 200 and got.mimetype == "application/zip"
    assert got.data == (Path(app.config["ARCHIVE_DIR"]) / cameron.path).read_bytes()
    assert client.get(link.group(1)[:-3] + "abc").status_code == 404  # a changed token is no link
    assert [e.detail["by"] for e in events(app, "archive.downloaded")] == ["the e-mailed link"]

    later = cameron.link_expires_at + dt.timedelta(seconds=1)
    monkeypatch.setattr(links, "now", lambda: later)
    expired = client.get(link.group(1))
    page = expired.get_data(as_text=True)
    assert expired.status_code == 410 and "This download link has expired" in page
    assert "ask the partnership to send the deposit again" in page and "PK" not in page


def test_a_deposit_is_not_sent_until_the_outbox_delivers_it(app, mailbox):
    load_demo(app)
    run_archive(app, config_with(app))
    mailbox.refuse = 2  # the server says "try again later" to both (Doncaster's and Plymouth's)
    assert relay(app).retrying == 2
    cameron = review_id(app, "Child Cameron")
    assert deposit_of(app, cameron).status == DepositStatus.PREPARED
    assert events(app, "archive.sent") == []


def test_a_deposit_cannot_be_acknowledged_before_it_is_sent(app):
    load_demo(app)
    run_archive(app)  # no NSPCC address set: nothing is e-mailed
    deposit = deposit_of(app, review_id(app, "Child Cameron"))
    admin = signed_in(app, app.test_client(), "doncaster", Role.ADMIN)
    refused = admin.get(f"{ARCHIVE}/{deposit.id}/acknowledge", follow_redirects=True)
    assert "once its e-mail to the NSPCC has been delivered" in refused.get_data(as_text=True)
    page = admin.get(ARCHIVE).get_data(as_text=True)
    assert "No address is set for deposits with the NSPCC" in page and "Prepared" in page


def test_sending_from_the_archive_page_queues_the_email_in_the_outbox(app, mailbox):
    load_demo(app)
    run_archive(app)  # before the operator set the address
    deposit = deposit_of(app, review_id(app, "Child Cameron"))
    config_with(app)
    admin = signed_in(app, app.test_client(), "doncaster", Role.ADMIN)
    page = admin.get(ARCHIVE).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    queued = admin.client.post(
        f"{ARCHIVE}/{deposit.id}/send", data={"csrf_token": token}, follow_redirects=True
    )
    assert "will be e-mailed to the NSPCC" in queued.get_data(as_text=True)
    assert "Waiting to be e-mailed" in queued.get_data(as_text=True)
    again = admin.client.post(
        f"{ARCHIVE}/{deposit.id}/send", data={"csrf_token": token}, follow_redirects=True
    )
    assert "already waiting in the outbox" in again.get_data(as_text=True)
    assert relay(app).sent == 1
    (message,) = mailbox.wait_for(1)
    assert message["To"] == NSPCC and "Child Cameron" in message["Subject"]
    assert deposit_of(app, deposit.review_id).status == DepositStatus.SENT


def test_verify_on_the_archive_page_finds_a_changed_package(app):
    load_demo(app)
    run_archive(app)
    deposit = deposit_of(app, review_id(app, "Child Cameron"))
    viewer = signed_in(app, app.test_client(), "doncaster", Role.VIEWER)
    page = viewer.get(ARCHIVE).get_data(as_text=True)
    assert "Child Cameron" in page and "E-mail to the NSPCC" not in page  # a viewer reads, never sends
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    whole = viewer.client.post(
        f"{ARCHIVE}/{deposit.id}/verify", data={"csrf_token": token}, follow_redirects=True
    )
    assert "every file matches the manifest" in whole.get_data(as_text=True)
    path = Path(app.config["ARCHIVE_DIR"]) / deposit.path
    path.write_bytes(path.read_bytes() + b"changed")
    broken = viewer.client.post(
        f"{ARCHIVE}/{deposit.id}/verify", data={"csrf_token": token}, follow_redirects=True
    )
    assert "is not whole: the package&#39;s checksum does not match the record" in broken.get_data(
        as_text=True
    )
    package = viewer.get(f"{ARCHIVE}/{deposit.id}/package")
    assert package.status_code == 200 and package.data == path.read_bytes()
    assert len(events(app, "archive.verified")) == 2


def test_another_partnerships_staff_never_see_a_deposit_or_its_package(app):
    load_demo(app)
    run_archive(app)
    deposit = deposit_of(app, review_id(app, "Child Cameron"))
    other = signed_in(app, app.test_client(), "southampton", Role.ADMIN)
    own = other.get("/app/southampton/archive").get_data(as_text=True)
    assert "Child Cameron" not in own and "Willow" in own  # its own deposits only
    for url in (
        f"/app/southampton/archive/{deposit.id}/package",
        f"/app/southampton/archive/{deposit.id}/acknowledge",
        f"/app/doncaster/archive/{deposit.id}/package",
        "/app/doncaster/archive",
    ):
        assert other.get(url).status_code == 404, url
    token = re.search(r'name="csrf_token" value="([^"]+)"', own).group(1)
    for action in ("verify", "send"):
        assert (
            other.client.post(
                f"/app/southampton/archive/{deposit.id}/{action}", data={"csrf_token": token}
            ).status_code
            == 404
        )
    csv_rows = list(
        csv.DictReader(
            io.StringIO(other.get("/app/southampton/archive/catalogue.csv").get_data(as_text=True))
        )
    )
    assert all(r["Partnership"] != "Doncaster Safeguarding Children Partnership" for r in csv_rows)


def test_the_catalogue_is_in_the_api_for_staff_and_refused_to_an_agency_contributor(app):
    from tests.api_kit import Api, make_member

    load_demo(app)
    run_archive(app)
    viewer = Api(app.test_client(), make_member(app, "doncaster", Role.VIEWER))
    got = viewer.get("/archive/catalogue.csv")
    assert got.status_code == 200 and got.mimetype == "text/csv"
    (row,) = csv.DictReader(io.StringIO(got.get_data(as_text=True)))
    assert row["Title"] == "Child Cameron" and row["Deposit status"] == "Prepared"
    assert row["Date of publication"] == "January 2023" and row["Child's age"] == "Not recorded"
    contributor = Api(app.test_client(), make_member(app, "doncaster", Role.CONTRIBUTOR, agency="sy-police"))
    assert contributor.get("/archive/catalogue.csv").status_code == 403


def test_a_deposit_whose_email_failed_for_good_says_so_and_can_be_sent_again(app, mailbox):
    load_demo(app)
    run_archive(app, config_with(app))
    mailbox.reject = True  # 550: failed for good
    assert relay(app).failed == 2
    deposit = deposit_of(app, review_id(app, "Child Cameron"))
    assert deposit.status == DepositStatus.PREPARED
    admin = signed_in(app, app.test_client(), "doncaster", Role.ADMIN)
    page = admin.get(ARCHIVE).get_data(as_text=True)
    assert "the e-mail to the NSPCC could not be delivered" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    mailbox.reject = False
    admin.client.post(f"{ARCHIVE}/{deposit.id}/send", data={"csrf_token": token})
    assert relay(app).sent == 1
    (message,) = mailbox.wait_for(1)
    assert message["X-CSPR-Idempotency-Key"] == f"nspcc-deposit:{deposit.id}:2"  # a new message, not a replay
    assert deposit_of(app, deposit.review_id).status == DepositStatus.SENT


def test_the_acknowledgement_form_names_a_date_in_the_future_and_a_copy_number_too_long(app, mailbox):
    load_demo(app)
    run_archive(app, config_with(app))
    assert relay(app).sent == 2
    deposit = deposit_of(app, review_id(app, "Child Cameron"))
    admin = signed_in(app, app.test_client(), "doncaster", Role.ADMIN)
    url = f"{ARCHIVE}/{deposit.id}/acknowledge"
    future = date((london_today() + dt.timedelta(days=3)).isoformat())
    refused = admin.submit(url, {"copy_number": "N" * 41, "acknowledged_on": future})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Copy number must be 40 characters or fewer" in page
    refused = admin.submit(url, {"copy_number": "NSPCC-1", "acknowledged_on": future})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Date the NSPCC acknowledged the deposit must be today or in the past" in page
    assert deposit_of(app, deposit.review_id).status == DepositStatus.SENT  # nothing recorded


def test_the_daily_job_queues_each_new_nspcc_deposit_in_the_outbox(app):
    from cspr.messaging.models import OutboxMessage
    from cspr.tasks import clock

    load_demo(app)
    config_with(app)
    with app.app_context(), get_db().sessionmaker() as session:
        assert "archive" in clock.run_daily(session, now=dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC))
    deposit = deposit_of(app, review_id(app, "Child Cameron"))
    with app.app_context(), get_db().sessionmaker() as session:
        with acting_for(session, partnerships.get(session, "doncaster").id):
            message = session.get(OutboxMessage, deposit.outbox_id)
            assert message.recipient == NSPCC and message.attachment_count == 1
            assert message.attachments[0].sha256 == deposit.sha256
    (queued,) = events(app, "archive.queued")
    assert queued.detail["delivery"] == "attached" and queued.detail["recipient"] == NSPCC


def test_a_package_built_before_deposits_kept_their_record_is_sent_with_one(app, mailbox):
    from cspr.archive.models import ArchiveDeposit

    load_demo(app)
    run_archive(app)
    deposit = deposit_of(app, review_id(app, "Child Cameron"))
    with app.app_context(), get_db().sessionmaker() as session:
        with acting_for(session, partnerships.get(session, "doncaster").id):
            session.get(ArchiveDeposit, deposit.id).catalogue = {}  # as migration 0024 leaves older ones
            session.commit()
    config_with(app)
    admin = signed_in(app, app.test_client(), "doncaster", Role.ADMIN)
    token = re.search(r'name="csrf_token" value="([^"]+)"', admin.get(ARCHIVE).get_data(as_text=True)).group(
        1
    )
    admin.client.post(f"{ARCHIVE}/{deposit.id}/send", data={"csrf_token": token})
    assert relay(app).sent == 1
    (message,) = mailbox.wait_for(1)
    body = text_of(message)
    assert "Title: Child Cameron" in body and "Date of publication: January 2023" in body
    assert "None" not in body
