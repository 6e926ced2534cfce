"""The chronology's staff pages: the merged view, adding an entry, the template, the import, exports."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from cspr.accounts.permissions import Permission, allowed
from cspr.accounts.views.sign_in import fresh_required
from cspr.chronology import inputs as i
from cspr.chronology import services, spreadsheets
from cspr.chronology.spreadsheets import ImportRefused
from cspr.services.errors import NotFound
from cspr.web.forms import ConfirmForm, form_for
from cspr.web.staff.pages import bp, ctx, roles
from cspr.web.staff.steps import status_of, submit

EntryForm = form_for(i.EntryIn, submit="Add the entry")
ImportForm = form_for(i.ImportIn, submit="Import the spreadsheet")


def _incident(incident_id: int):  # noqa: ANN202
    try:
        return services.get_incident(ctx(), incident_id)
    except NotFound:
        abort(404)


def _addable(incident_id: int):  # noqa: ANN202
    """The case to add entries to; a contributor's only if their agency was asked about it (else 404)."""
    try:
        incident = services.get_incident(ctx(), incident_id)
        services.may_add_to(ctx(), incident)
    except NotFound:
        abort(404)
    return incident


def _after_adding(incident_id: int) -> str:
    """Where someone goes once their entries are in: the chronology; a contributor, their requests."""
    if allowed(ctx().role, Permission.READ_CHRONOLOGY):
        return url_for("staff.chronology", incident_id=incident_id)
    return url_for("staff.information_requests")


def _back(incident_id: int) -> dict[str, str]:
    """The back link: to the chronology for the staff, to their requests for a contributor."""
    if allowed(ctx().role, Permission.READ_CHRONOLOGY):
        return {"href": url_for("staff.chronology", incident_id=incident_id),
                "text": "Back to the chronology"}
    return {"href": url_for("staff.information_requests"), "text": "Back to your information requests"}


def _download(body: bytes | str, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "X-Content-Type-Options": "nosniff"})


@bp.route("/incidents/<int:incident_id>/chronology")
@roles(Permission.READ_CHRONOLOGY)
def chronology(incident_id: int) -> ResponseReturnValue:
    """The case's multi-agency chronology, every agency's entries by date; filter by agency."""
    c = ctx()
    incident = _incident(incident_id)
    names = services.agency_names(c)
    agency = request.args.get("agency", "")
    agency = agency if agency in names else ""
    entries = services.merged(c, incident, agency or None)
    return render_template("staff/chronology.html", incident=incident, entries=entries, names=names,
                           agency=agency, date_of=services.date_of,
                           may_add=allowed(c.role, Permission.ADD_CHRONOLOGY_ENTRY),
                           may_edit=allowed(c.role, Permission.EDIT_CHRONOLOGY),
                           may_import=allowed(c.role, Permission.IMPORT_CHRONOLOGY),
                           delete_form=ConfirmForm())


@bp.route("/incidents/<int:incident_id>/chronology/new", methods=["GET", "POST"])
@roles(Permission.ADD_CHRONOLOGY_ENTRY)
def chronology_new(incident_id: int) -> ResponseReturnValue:
    """Add an entry to the chronology (a contributor: for their own agency only)."""
    c = ctx()
    incident = _addable(incident_id)
    form = EntryForm()
    entry = submit(form, lambda data: services.add_entry(c, incident, **data))
    if entry:
        flash(f"The entry for {services.date_of(entry).shown()} is added to the chronology.", "success")
        if allowed(c.role, Permission.READ_CHRONOLOGY):
            return redirect(url_for("staff.chronology", incident_id=incident.id))
        return redirect(url_for("staff.chronology_new", incident_id=incident.id))
    return render_template("staff/chronology_new.html", incident=incident, form=form, back=_back(incident.id),
                           may_import=allowed(c.role, Permission.IMPORT_CHRONOLOGY)), status_of(form)


@bp.route("/incidents/<int:incident_id>/chronology/import", methods=["GET", "POST"])
@roles(Permission.IMPORT_CHRONOLOGY)
def chronology_import(incident_id: int) -> ResponseReturnValue:
    """Import a filled-in template: every row checked, and nothing imported unless all are right."""
    c = ctx()
    incident = _addable(incident_id)
    form = ImportForm()
    problems: list[str] = []
    entries = None
    if form.validate_on_submit():
        try:
            entries = spreadsheets.import_file(c, incident, form.loaded["file"].content)
        except ImportRefused as refused:
            c.session.rollback()
            problems = refused.messages
            form.file.errors = [*problems]
        else:
            c.session.commit()
    if entries:
        flash(f"{len(entries):,} entries are imported into the chronology.", "success")
        return redirect(_after_adding(incident.id))
    return render_template("staff/chronology_import.html", incident=incident, form=form, problems=problems,
                           names=dict(services.agencies_for(c)), back=_back(incident.id)), status_of(form)


@bp.route("/chronology/entries/<int:entry_id>/delete", methods=["POST"])
@roles(Permission.EDIT_CHRONOLOGY)
def chronology_delete(entry_id: int) -> ResponseReturnValue:
    """Remove an entry entered by mistake."""
    c = ctx()
    try:
        entry = services.get_entry(c, entry_id)
    except NotFound:
        abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    incident_id = entry.incident_id
    services.delete_entry(c, entry)
    c.session.commit()
    flash("The entry is removed from the chronology.", "success")
    return redirect(url_for("staff.chronology", incident_id=incident_id))


@bp.route("/incidents/<int:incident_id>/chronology.docx")
@roles(Permission.EXPORT_CHRONOLOGY)
@fresh_required
def chronology_docx(incident_id: int) -> Response:
    """The merged chronology as a Word document."""
    download = spreadsheets.export(ctx(), _incident(incident_id), "docx")
    return _download(*download)


@bp.route("/incidents/<int:incident_id>/chronology.xlsx")
@roles(Permission.EXPORT_CHRONOLOGY)
@fresh_required
def chronology_xlsx(incident_id: int) -> Response:
    """The merged chronology as an Excel workbook, with real dates."""
    download = spreadsheets.export(ctx(), _incident(incident_id), "xlsx")
    return _download(*download)


@bp.route("/chronology/template.xlsx")
@roles(Permission.ADD_CHRONOLOGY_ENTRY)
def chronology_template_xlsx() -> Response:
    """The chronology template as a workbook, with the partnership's agencies to choose from."""
    return _download(spreadsheets.template_xlsx(ctx()), spreadsheets.XLSX,
                     f"{ctx().policy.slug}-chronology-template.xlsx")


@bp.route("/chronology/template.csv")
@roles(Permission.ADD_CHRONOLOGY_ENTRY)
def chronology_template_csv() -> Response:
    """The chronology template as CSV (its headings)."""
    return _download(spreadsheets.template_csv(ctx()), "text/csv",
                     f"{ctx().policy.slug}-chronology-template.csv")
