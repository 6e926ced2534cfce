"""A case's multi-agency chronology: its entries, the spreadsheet import, the template and the exports."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response
from flask.views import MethodView

from cspr.accounts.api import commit, ctx, requires
from cspr.accounts.permissions import Permission
from cspr.chronology import inputs as i
from cspr.chronology import outputs as o
from cspr.chronology import services, spreadsheets
from cspr.chronology.models import ChronologyEntry
from cspr.services.errors import InputError
from cspr.web.api.resource import refuses, scoped_blueprint

blp = scoped_blueprint("chronology", "The multi-agency chronology of a case: entries, import, exports.")


def case_first(view: Callable) -> Callable:
    """Look the case up before the body is read: another partnership's case is 404 whatever is sent.

    So is, for an agency contributor, a case their agency was not asked about.
    """
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        c = ctx()
        services.may_add_to(c, services.get_incident(c, kwargs["incident_id"]))
        return view(*args, **kwargs)
    return wrapper


def _download(body: bytes | str, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/incidents/<int:incident_id>/chronology")
class Chronology(MethodView):
    """A case's chronology."""

    @requires(Permission.READ_CHRONOLOGY)
    @refuses(blp, 403, 422)
    @blp.arguments(i.ChronologyQuery, location="query")
    @blp.response(200, o.EntryOut(many=True))
    def get(self, query: dict, incident_id: int) -> list[ChronologyEntry]:
        """Every agency's entries by date (month-only ones at the start of their month); or one agency's."""
        c = ctx()
        agency = query.get("agency")
        if agency and agency not in services.agency_names(c):
            raise InputError({"agency": "Select one of this partnership's agencies"})
        return services.merged(c, services.get_incident(c, incident_id), agency)

    @requires(Permission.ADD_CHRONOLOGY_ENTRY)
    @refuses(blp, 400, 403, 422)
    @case_first
    @blp.arguments(i.EntryIn)
    @blp.response(201, o.EntryOut)
    def post(self, data: dict, incident_id: int) -> ChronologyEntry:
        """Add an entry (a contributor: for their own agency only)."""
        c = ctx()
        entry = services.add_entry(c, services.get_incident(c, incident_id), **data)
        commit()
        return entry


@blp.route("/incidents/<int:incident_id>/chronology/import")
class ChronologyImport(MethodView):
    """Importing a filled-in template."""

    @requires(Permission.IMPORT_CHRONOLOGY)
    @refuses(blp, 400, 403, 422)
    @case_first
    @blp.arguments(i.ImportIn)
    @blp.response(201, o.ImportOut)
    def post(self, data: dict, incident_id: int) -> dict:
        """Import an XLSX or CSV file (base64): every row, or none; errors name the row and the column.

        An agency contributor imports only their own agency's rows, into a case their agency was asked about.
        """
        c = ctx()
        entries = spreadsheets.import_file(c, services.get_incident(c, incident_id), data["file"].content)
        commit()
        return {"imported": len(entries), "entries": entries}


@blp.route("/chronology-entries/<int:entry_id>")
class ChronologyEntryDetail(MethodView):
    """One entry."""

    @requires(Permission.READ_CHRONOLOGY)
    @refuses(blp, 403)
    @blp.response(200, o.EntryOut)
    def get(self, entry_id: int) -> ChronologyEntry:
        """An entry of a chronology."""
        return services.get_entry(ctx(), entry_id)

    @requires(Permission.EDIT_CHRONOLOGY)
    @refuses(blp, 403)
    @blp.response(204)
    def delete(self, entry_id: int) -> None:
        """Remove an entry entered by mistake (audited)."""
        c = ctx()
        services.delete_entry(c, services.get_entry(c, entry_id))
        commit()


@blp.route("/incidents/<int:incident_id>/chronology.docx")
@requires(Permission.EXPORT_CHRONOLOGY)
@refuses(blp, 403)
@blp.response(200, content_type=spreadsheets.DOCX)
def chronology_docx(incident_id: int) -> Response:
    """The merged chronology as a Word document, key practice episodes marked."""
    c = ctx()
    return _download(*spreadsheets.export(c, services.get_incident(c, incident_id), "docx"))


@blp.route("/incidents/<int:incident_id>/chronology.xlsx")
@requires(Permission.EXPORT_CHRONOLOGY)
@refuses(blp, 403)
@blp.response(200, content_type=spreadsheets.XLSX)
def chronology_xlsx(incident_id: int) -> Response:
    """The merged chronology as an Excel workbook, dates as real dates."""
    c = ctx()
    return _download(*spreadsheets.export(c, services.get_incident(c, incident_id), "xlsx"))


@blp.route("/chronology/template.xlsx")
@requires(Permission.ADD_CHRONOLOGY_ENTRY)
@refuses(blp, 403)
@blp.response(200, content_type=spreadsheets.XLSX)
def template_xlsx() -> Response:
    """The chronology template, with the partnership's agencies to choose from."""
    c = ctx()
    return _download(spreadsheets.template_xlsx(c), spreadsheets.XLSX,
                     f"{c.policy.slug}-chronology-template.xlsx")


@blp.route("/chronology/template.csv")
@requires(Permission.ADD_CHRONOLOGY_ENTRY)
@refuses(blp, 403)
@blp.response(200, content_type="text/csv")
def template_csv() -> Response:
    """The chronology template as CSV (its headings)."""
    c = ctx()
    return _download(spreadsheets.template_csv(c), "text/csv", f"{c.policy.slug}-chronology-template.csv")
