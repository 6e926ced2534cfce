"""The going-live page: download the templates, check a filled-in one (a dry run), then import it."""

from __future__ import annotations

import re
import time
from pathlib import Path

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from cspr.accounts.permissions import Permission
from cspr.imports import inputs as i
from cspr.imports import services, sheets
from cspr.web.forms import ConfirmForm, form_for
from cspr.web.staff.pages import bp, ctx, roles
from cspr.web.staff.steps import status_of

CheckForm = form_for(i.GoingLiveIn, submit="Check the file")
DIGEST = re.compile(r"^[0-9a-f]{64}$")
HELD_FOR = 24 * 3600  # seconds a checked file waits for the word to import it


def _download(body: bytes | str, mimetype: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def _held(digest: str) -> Path:
    """Where a checked file waits for the word to import it: the partnership's own folder, by its checksum."""
    folder = Path(current_app.instance_path) / "imports" / str(ctx().partnership.id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{digest}.upload"


def _page(form, outcome=None, status: int = 200) -> ResponseReturnValue:  # noqa: ANN001
    c = ctx()
    return render_template(
        "staff/going_live.html",
        form=form,
        outcome=outcome,
        confirm=ConfirmForm(),
        sheets=sheets.SHEETS,
        lists=sheets.choices_of(c),
    ), status


@bp.route("/going-live", methods=["GET", "POST"])
@roles(Permission.IMPORT_RECORDS)
def going_live() -> ResponseReturnValue:
    """The templates, and a filled-in one checked row by row: nothing is imported yet."""
    c = ctx()
    form = CheckForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _page(form, status=status_of(form) if request.method == "POST" else 200)
    content = form.loaded["file"].content
    name = getattr(form.loaded["file"], "filename", "") or "the file"
    try:
        outcome = services.run(c, content, dry_run=True, file_name=name)
    except services.ImportFailed as failed:
        outcome = failed.outcome
    if outcome.problems:
        form.file.errors = ["The file has problems: nothing was imported. Correct them and check it again"]
        return _page(form, outcome, 400)
    held = _held(outcome.digest)
    _prune(held.parent)
    held.write_bytes(content)
    return _page(CheckForm(formdata=None), outcome)


def _prune(folder: Path) -> None:
    """Checked files never imported go after a day: they hold case details, kept no longer than needed."""
    cutoff = time.time() - HELD_FOR
    for old in folder.glob("*.upload"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:  # another request removed it first
            continue


@bp.route("/going-live/import", methods=["POST"])
@roles(Permission.IMPORT_RECORDS)
def going_live_import() -> ResponseReturnValue:
    """Import the file checked a moment ago: everything at once, or nothing."""
    c = ctx()
    digest = request.form.get("checked", "")
    if not ConfirmForm().validate_on_submit() or not DIGEST.match(digest):
        abort(400)
    held = _held(digest)
    if not held.exists():
        flash("Check the file again before importing it: the checked copy is no longer here.", "error")
        return redirect(url_for("staff.going_live"))
    try:
        outcome = services.run(
            c, held.read_bytes(), dry_run=False, file_name=request.form.get("name", "")[:100]
        )
    except services.ImportFailed as failed:  # something changed since the check (a case recorded meanwhile)
        return _page(CheckForm(formdata=None), failed.outcome, 400)
    c.session.commit()
    held.unlink(missing_ok=True)
    flash(
        f"Imported: {', '.join(outcome.summary())}. Every record is in the audit trail as imported.",
        "success",
    )
    return redirect(url_for("staff.going_live"))


@bp.route("/going-live/template.xlsx")
@roles(Permission.IMPORT_RECORDS)
def going_live_template_xlsx() -> Response:
    """The going-live workbook: a sheet per kind of record, how to fill it in, the lists."""
    return _download(
        sheets.template_xlsx(ctx()), sheets.XLSX, f"{ctx().policy.slug}-going-live-template.xlsx"
    )


@bp.route("/going-live/<sheet>.csv")
@roles(Permission.IMPORT_RECORDS)
def going_live_template_csv(sheet: str) -> Response:
    """One sheet of the template as CSV."""
    found = sheets.BY_KEY.get(sheet)
    if found is None:
        abort(404)
    return _download(sheets.template_csv(found), "text/csv", f"{ctx().policy.slug}-going-live-{sheet}.csv")
