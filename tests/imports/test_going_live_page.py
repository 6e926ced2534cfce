"""The going-live page as an admin uses it: the templates, a file checked (problems listed), then imported."""

from __future__ import annotations

import html
import io
import re

from openpyxl import load_workbook
from sqlalchemy import func, select

from cspr.accounts.models import Role
from cspr.audit.models import AuditEvent
from cspr.cases.models import Incident
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.partnerships import services as partnerships
from cspr.services.context import Context
from tests.imports import kit
from tests.imports.test_going_live import BAD
from tests.web_kit import csrf_of, signed_in


def _files(app):
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            ctx = Context(session, row, app.extensions["cspr.plugins"].policy("doncaster"), actor="kit")
            return kit.workbook(ctx, BAD), kit.workbook(ctx, kit.GOOD)


def _rows(app, slug, model, action=None):
    with app.app_context(), get_db().sessionmaker() as session:
        row = partnerships.get(session, slug)
        with acting_for(session, row.id):
            query = select(func.count()).select_from(model)
            if action:
                query = query.where(AuditEvent.action == action)
            return session.scalar(query)


def _upload(client, body: bytes, name: str):
    page = client.get("/app/doncaster/going-live").get_data(as_text=True)
    return client.post(
        "/app/doncaster/going-live",
        content_type="multipart/form-data",
        data={"csrf_token": csrf_of(page), "file": (io.BytesIO(body), name)},
    )


def test_an_admin_downloads_the_template_checks_a_file_sees_its_problems_then_imports_the_corrected_one(
    app, client
):
    admin = signed_in(app, client, "doncaster", Role.ADMIN)
    page = admin.get("/app/doncaster/going-live")
    assert page.status_code == 200 and "Going live" in page.get_data(as_text=True)
    template = admin.get("/app/doncaster/going-live/template.xlsx")
    assert (
        template.headers["Content-Disposition"] == 'attachment; filename="doncaster-going-live-template.xlsx"'
    )
    assert "Incidents" in load_workbook(io.BytesIO(template.data)).sheetnames
    csv = admin.get("/app/doncaster/going-live/incidents.csv").get_data(as_text=True)
    assert csv.startswith("Pseudonym,Local authority case reference,")
    bad, good = _files(app)

    checked = _upload(client, bad, "ours.xlsx")
    text = html.unescape(checked.get_data(as_text=True))
    assert checked.status_code == 400 and "There is a problem" in text and "Nothing was imported" in text
    assert (
        "Incidents, row 3, Date the local authority became aware: enter a real date, like 27/03/2025" in text
    )
    assert "Action plans, row 4, Due date: enter a real date, like 27/03/2025" in text
    assert "Import the records" not in text
    assert _rows(app, "doncaster", Incident) == 0

    checked = _upload(client, good, "ours.xlsx")
    text = html.unescape(checked.get_data(as_text=True))
    assert checked.status_code == 200 and "Every row is right" in text
    assert "2 incidents, 2 reviews under way, 1 published review, 2 actions" in text
    assert _rows(app, "doncaster", Incident) == 0  # checked, not imported
    digest = re.search(r'name="checked" value="([0-9a-f]{64})"', text).group(1)
    done = client.post(
        "/app/doncaster/going-live/import",
        data={"csrf_token": csrf_of(text), "checked": digest, "name": "ours.xlsx"},
    )
    assert done.status_code == 302
    after = html.unescape(client.get(done.location).get_data(as_text=True))
    assert "Imported: 2 incidents, 2 reviews under way, 1 published review, 2 actions" in after
    assert _rows(app, "doncaster", Incident) == 2 and _rows(app, "york", Incident) == 0
    assert _rows(app, "doncaster", AuditEvent, "record.imported") == 8
    tracker = html.unescape(admin.get("/app/doncaster/").get_data(as_text=True))
    assert "Child K" in tracker
    again = client.post(
        "/app/doncaster/going-live/import",
        data={"csrf_token": csrf_of(text), "checked": digest, "name": "ours.xlsx"},
    )
    assert (
        again.status_code == 302 and _rows(app, "doncaster", Incident) == 2
    )  # the checked copy is used once


def test_only_an_admin_imports_and_only_into_their_own_partnership(app, client):
    partner = signed_in(app, client, "doncaster", Role.PARTNER)
    assert partner.get("/app/doncaster/going-live").status_code == 403
    assert partner.get("/app/doncaster/going-live/template.xlsx").status_code == 403
    partner.sign_out()
    york_admin = signed_in(app, client, "york", Role.ADMIN)
    assert york_admin.get("/app/doncaster/going-live").status_code == 404  # not a member there
    assert york_admin.get("/app/york/going-live").status_code == 200
