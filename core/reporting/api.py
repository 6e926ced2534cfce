"""Reporting in the API: the yearly figures, the case tracker as CSV or XLSX, the deadlines as iCalendar,
and the catalogue of the NSPCC deposits as CSV.
"""

from __future__ import annotations

from flask import Response

from cspr.accounts.api import ctx, requires
from cspr.accounts.permissions import Permission, allowed
from cspr.archive import services as archive
from cspr.deadlines import calendar_feed
from cspr.reporting import exports, figure_files, figures
from cspr.reporting import inputs as i
from cspr.reporting import outputs as o
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


@blp.route("/archive/catalogue.csv")
@requires(Permission.READ_ARCHIVE)
@refuses(blp, 403)
@blp.response(200, content_type="text/csv")
def archive_catalogue_csv() -> Response:
    """Everything deposited with the NSPCC: each one's catalogue record in words, status and copy number."""
    body, filename = archive.catalogue_download(ctx())
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/deadlines.ics")
@requires(Permission.EXPORT_DEADLINES)
@refuses(blp, 403)
@blp.response(200, content_type="text/calendar")
def deadlines_ics() -> Response:
    """Open deadlines as an iCalendar feed (for Outlook, subscribe to /feeds/<token>/deadlines.ics)."""
    return Response(calendar_feed.deadlines_ics(ctx()), mimetype="text/calendar")


figures_blp = scoped_blueprint("figures", "The yearly figures: notifications, rapid reviews, decisions, "
                                          "local reviews, their lateness and why, actions and themes.")


@figures_blp.route("/figures")
@requires(Permission.READ_FIGURES)
@refuses(figures_blp, 403, 422)
@figures_blp.arguments(i.FiguresQuery, location="query")
@figures_blp.response(200, o.FiguresOut)
def yearly_figures(query: dict) -> dict:
    """One reporting year's figures (April to March unless the plugin says), with the cases behind each."""
    c = ctx()
    year = figures.reporting_year(c, query.get("year"))
    return o.figures_dict(figures.yearly_figures(c, year, query.get("area")), figures.areas(c),
                          with_cases=allowed(c.role, Permission.READ_CASES))


def _figures_file(query: dict, fmt: str) -> Response:
    c = ctx()
    year = figures.reporting_year(c, query.get("year"))
    download = figure_files.figures_download(c, year, query.get("area"), fmt,
                                             allowed(c.role, Permission.READ_CASES))
    return Response(download.body, mimetype=download.mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{download.filename}"'})


@figures_blp.route("/figures.xlsx")
@requires(Permission.EXPORT_FIGURES)
@refuses(figures_blp, 403, 422)
@figures_blp.arguments(i.FiguresQuery, location="query")
@figures_blp.response(200, content_type=exports.XLSX)
def figures_xlsx(query: dict) -> Response:
    """The year's figures as an Excel workbook: a sheet and a native bar chart per table, and the cases."""
    return _figures_file(query, "xlsx")


@figures_blp.route("/figures.docx")
@requires(Permission.EXPORT_FIGURES)
@refuses(figures_blp, 403, 422)
@figures_blp.arguments(i.FiguresQuery, location="query")
@figures_blp.response(200, content_type=figure_files.DOCX)
def figures_docx(query: dict) -> Response:
    """The year's figures as a Word section: each table with its chart, for the yearly report."""
    return _figures_file(query, "docx")
