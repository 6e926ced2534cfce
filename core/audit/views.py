"""The partnership's audit trail for its admins: filter it, page through it, download it as CSV."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from typing import Any

from flask import Response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import Select, func, select

from cspr.accounts.models import User
from cspr.accounts.permissions import Permission
from cspr.accounts.views.sign_in import fresh_required
from cspr.audit import events as audit
from cspr.audit.inputs import AuditFilterIn
from cspr.audit.models import AuditEvent
from cspr.db import Database, get_db
from cspr.db.tenancy import acting_for
from cspr.services import words
from cspr.services.worksheets import formula_safe
from cspr.web.forms import SchemaForm, form_for
from cspr.web.staff.pages import bp, ctx, roles

PAGE_SIZE = 50
AuditFilterForm = form_for(AuditFilterIn, submit="Filter", csrf=False)

CSV_COLUMNS = ["partnership_id", "seq", "occurred_at", "actor", "actor_user_id", "user_name",
               "user_email", "action", "object_type", "object_id", "detail", "remote_addr", "prev_hash",
               "hash", "canonical", "what"]


def _filters() -> tuple[SchemaForm, dict[str, Any] | None]:
    """The filter form from the query string, and the filters (None if the form has errors)."""
    c = ctx()
    people = c.session.execute(
        select(User.id, User.name, User.email).where(User.id.in_(
            select(AuditEvent.actor_user_id).where(AuditEvent.partnership_id == c.partnership.id,
                                                   AuditEvent.actor_user_id.is_not(None)).distinct()))
        .order_by(User.name, User.id)).all()
    form = AuditFilterForm(formdata=request.args if request.args else None)
    form.user.choices = [("", "Anyone")] + [(str(i), f"{name} ({email})") for i, name, email in people]
    if request.args and not form.validate():
        return form, None
    data = form.loaded or AuditFilterIn().load({})
    return form, {"action_prefix": (data["action"] or "").strip(),
                  "user_id": int(data["user"]) if data["user"] else None,
                  "since": data["since"], "until": data["until"]}


def _with_people(query: Select) -> Select:
    return query.add_columns(User.name, User.email).outerjoin(User, User.id == AuditEvent.actor_user_id)


def _page_url(page: int) -> str:
    args = {k: v for k, v in request.args.lists() if k != "page"}
    return url_for("staff.audit_trail", page=page, **args)


@bp.route("/audit")
@roles(Permission.READ_AUDIT_TRAIL)
def audit_trail() -> ResponseReturnValue:
    """Every audit event of the partnership, newest first, 50 to a page."""
    form, filters = _filters()
    if filters is None:
        return render_template("staff/audit.html", form=form, rows=[], total=0, pagination=None), 400
    session = ctx().session
    query = audit.trail(**filters)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    rows = session.execute(_with_people(query).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    pagination = None
    if pages > 1:
        pagination = {"items": [{"number": n, "href": _page_url(n), "current": n == page}
                                for n in range(max(1, page - 3), min(pages, page + 3) + 1)]}
        if page > 1:
            pagination["previous"] = {"href": _page_url(page - 1)}
        if page < pages:
            pagination["next"] = {"href": _page_url(page + 1)}
    csv_args = {k: v for k, v in request.args.lists() if k not in ("page", "submit")}
    return render_template("staff/audit.html", form=form, rows=rows, total=total, page=page, pages=pages,
                           first=(page - 1) * PAGE_SIZE + 1, pagination=pagination,
                           csv_url=url_for("staff.audit_csv", **csv_args), describe=_describer())


#: Detail fields whose value is one of the partnership's agency keys.
_AGENCY_FIELDS = frozenset({"agency", "partner", "owner_agency", "signed_off_by"})


def _describer() -> Any:
    """A detail's value in words: an agency's key as its name, codes spelt out, dates as dates."""
    names = {a["key"]: a["name"] for a in ctx().policy.agencies}

    def describe(key: str, raw: Any) -> str:
        if key in _AGENCY_FIELDS or key == "agencies" or key == "partners_missing":
            if isinstance(raw, list):
                return ", ".join(names.get(v, words.value(v)) for v in raw) or "none"
            if raw in names:
                return names[raw]
        return words.value(raw)
    return describe


def csv_lines(db: Database, partnership_id: int, filters: dict[str, Any]) -> Iterator[str]:
    """The filtered events as CSV text, oldest first, with what checking their hashes needs.

    It reads in a session of its own, closed when the download ends or is abandoned.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield flush()
    ordered = _with_people(audit.trail(**filters).order_by(None).order_by(AuditEvent.seq))
    with db.sessionmaker() as session, acting_for(session, partnership_id):
        for event, name, email in session.execute(ordered.execution_options(yield_per=500)):
            writer.writerow([
                event.partnership_id, event.seq, audit.utc_iso(event.occurred_at), event.actor,
                "" if event.actor_user_id is None else event.actor_user_id, formula_safe(name or ""),
                formula_safe(email or ""), event.action, event.object_type or "", event.object_id or "",
                json.dumps(event.detail, sort_keys=True, separators=(",", ":")), event.remote_addr or "",
                event.prev_hash, event.hash, audit.canonical(event), words.event(event.action),
            ])
            yield flush()


@bp.route("/audit.csv")
@roles(Permission.READ_AUDIT_TRAIL)
@fresh_required
def audit_csv() -> ResponseReturnValue:
    """The filtered events as CSV, with seq, prev_hash and hash so they can be checked elsewhere."""
    c = ctx()
    form, filters = _filters()
    if filters is None:
        return render_template("staff/audit.html", form=form, rows=[], total=0, pagination=None), 400
    plain = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in filters.items() if v}
    c.audit("audit.exported", format="csv", filters=plain)
    c.session.commit()
    name = f"{c.policy.slug}-audit-{c.today.isoformat()}.csv"
    return Response(csv_lines(get_db(), c.partnership.id, filters), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
