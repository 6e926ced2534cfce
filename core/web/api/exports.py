"""Exports: the case tracker as CSV or XLSX, and the deadlines as an iCalendar feed."""

from __future__ import annotations

from flask import Response

from cspr import exports
from cspr.models import Role
from cspr.web.api import scoped_blueprint
from cspr.web.api.auth import ctx, requires

blp = scoped_blueprint("exports", "The case tracker and the deadlines calendar.")

TRACKER_READERS = (Role.ADMIN, Role.PARTNER, Role.VIEWER)


def _filename(ext: str) -> str:
    return f"{ctx().policy.slug}-tracker-{ctx().today.isoformat()}.{ext}"


@blp.route("/tracker.csv")
@requires(*TRACKER_READERS)
@blp.response(200, content_type="text/csv")
def tracker_csv() -> Response:
    """The case tracker: stage, dates and working days late, one row per case."""
    ctx().audit("tracker.exported", format="csv")
    ctx().session.commit()
    body = exports.tracker_csv(exports.tracker_rows(ctx()))
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{_filename("csv")}"'})


@blp.route("/tracker.xlsx")
@requires(*TRACKER_READERS)
@blp.response(200, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
def tracker_xlsx() -> Response:
    """The case tracker as an Excel workbook."""
    ctx().audit("tracker.exported", format="xlsx")
    ctx().session.commit()
    body = exports.tracker_xlsx(exports.tracker_rows(ctx()), ctx().policy.name)
    return Response(
        body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{_filename("xlsx")}"'})


@blp.route("/deadlines.ics")
@requires(*TRACKER_READERS)
@blp.response(200, content_type="text/calendar")
def deadlines_ics() -> Response:
    """Open deadlines as an iCalendar feed (for Outlook, subscribe to /feeds/<token>/deadlines.ics)."""
    return Response(exports.deadlines_ics(ctx()), mimetype="text/calendar")
