"""The board's view of the action plans (staff pages): overdue first, by agency, as XLSX and Word."""

from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from cspr.accounts.permissions import Permission
from cspr.accounts.views.sign_in import fresh_required
from cspr.actions import board
from cspr.services.errors import InputError
from cspr.web.staff.pages import bp, ctx, roles


@bp.route("/action-plans")
@roles(Permission.READ_ACTION_PLAN)
def board_page() -> ResponseReturnValue:
    """Every review's recommendations and actions, overdue first; filtered by owning agency."""
    c = ctx()
    agency = request.args.get("agency") or None
    errors = []
    try:
        plans = board.board_plan(c, agency)
    except InputError as exc:
        errors = [{"text": message, "href": f"#{name}"} for name, message in exc.errors.items()]
        agency, plans = None, board.board_plan(c)
    return render_template("staff/board.html", plans=plans, agencies=board.agencies(c), agency=agency,
                           errors=errors)


@bp.route("/action-plans.<any(xlsx, docx):fmt>")
@roles(Permission.EXPORT_ACTION_PLAN)
@fresh_required
def board_file(fmt: str) -> ResponseReturnValue:
    """The board's view as an Excel workbook or a Word section (audited)."""
    c = ctx()
    agency = request.args.get("agency") or None
    try:
        plans = board.board_plan(c, agency)
    except InputError:  # the page says what is wrong with the agency
        return redirect(url_for("staff.board_page", **request.args))
    c.audit("export.downloaded", what="action plans", format=fmt, agency=agency)
    c.session.commit()
    names = board.agencies(c)
    if fmt == "xlsx":
        body, mimetype = board.plan_xlsx(plans, c.policy.name, c.today), board.XLSX
    else:
        body, mimetype = board.plan_docx(plans, c.policy.name, c.today, names.get(agency or "")), board.DOCX
    name = f"{c.policy.slug}-action-plans{'-' + agency if agency else ''}-{c.today.isoformat()}.{fmt}"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
