"""Exports: the case tracker as CSV or XLSX, and the deadlines as an iCalendar feed."""

from __future__ import annotations

from flask import Response

from cspr.accounts.api import ctx, requires
from cspr.accounts.permissions import Permission
from cspr.deadlines import calendar_feed
from cspr.reporting import exports
from cspr.web.api.resource import refuses, scoped_blueprint

blp = scoped_blueprint("exports", "The case tracker and the deadlines calendar.")

def _file(fmt: str) -> Response:
    download = exports.tracker_download(ctx(), fmt)
    return Response(download.body, mimetype=download.mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{download.filename}"'})


@blp.route("/tracker.csv")
@requires(Permission.EXPORT_TRACKER)
@refuses(blp, 403)
@blp.response(200, content_type="text/csv")
def tracker_csv() -> Response:
    """The case tracker: stage, dates and working days late, one row per case."""
    return _file("csv")


@blp.route("/tracker.xlsx")
@requires(Permission.EXPORT_TRACKER)
@refuses(blp, 403)
@blp.response(200, content_type=exports.XLSX)
def tracker_xlsx() -> Response:
    """The case tracker as an Excel workbook."""
    return _file("xlsx")


@blp.route("/deadlines.ics")
@requires(Permission.EXPORT_DEADLINES)
@refuses(blp, 403)
@blp.response(200, content_type="text/calendar")
def deadlines_ics() -> Response:
    """Open deadlines as an iCalendar feed (for Outlook, subscribe to /feeds/<token>/deadlines.ics)."""
    return Response(calendar_feed.deadlines_ics(ctx()), mimetype="text/calendar")
