"""'Check your answers' (the GOV.UK pattern) before a step records anything that matters.

A step with ``check`` set shows its form; a valid answer shows every answer in a summary list, each
with a "Change" link back to its question (the answers kept), and a button that records them. Until
that confirm nothing is recorded: the answers wait in an :class:`~cspr.accounts.models.AnswerDraft`
row of the person's session (an upload in a staged file beside the documents), and the confirm runs
the step's service with them. Answers marked ``not_kept`` in the schema (the names that identify a
child, which are never stored) ride in the confirm form itself and are asked again after a change.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
from pathlib import Path
from typing import Any

from flask import current_app, flash, g, redirect, render_template, request
from markupsafe import Markup, escape
from sqlalchemy import delete, select
from werkzeug.datastructures import FileStorage, MultiDict

from cspr.accounts.models import AnswerDraft, UserSession
from cspr.db.base import utcnow
from cspr.services import words
from cspr.services.errors import StepError
from cspr.web.forms import SchemaForm
from cspr.web.staff.pages import ctx

CONFIRM = "_confirm"  # the confirm button's form field
NOT_GIVEN = "Not given"
STALE = dt.timedelta(days=1)  # answers left unchecked longer than this are dropped
_SKIP = ("csrf_token", "submit", CONFIRM)


def _session_id() -> str | None:
    row = g.get("user_session")
    return row.id if row is not None else None


def _staged_dir() -> Path:
    folder = Path(current_app.config["DOCUMENTS_DIR"]) / "staged"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def not_kept(form: SchemaForm | type[SchemaForm]) -> set[str]:
    """The form's fields whose answers are never stored, not even until the confirm."""
    return {form_name for form_name, name in form.names.items()
            if form.schema._declared_fields[name].metadata.get("not_kept")}


def load_draft(path: str | None = None) -> AnswerDraft | None:
    """The answers waiting for their check on this form's page, or None."""
    session_id = _session_id()
    if session_id is None:
        return None
    return ctx().session.scalar(select(AnswerDraft).where(AnswerDraft.session_id == session_id,
                                                          AnswerDraft.path == (path or request.path)))


def drop_staged(file_key: str | None) -> None:
    """Remove an upload kept for a confirm (once recorded, or forgotten)."""
    if file_key:
        (_staged_dir() / file_key).unlink(missing_ok=True)


def start_afresh() -> None:
    """A form opened anew (not by a Change link) forgets answers left unchecked on it."""
    draft = load_draft()
    if draft is not None:
        file_key = draft.file_key
        ctx().session.delete(draft)
        ctx().session.commit()
        drop_staged(file_key)


def keep_draft(form: SchemaForm) -> AnswerDraft:
    """Keep the answers just posted (and any upload) until the confirm; committed here."""
    session = ctx().session
    session_id = _session_id()
    if session_id is None:
        raise StepError("Sign in again to record this.")
    gone = _forgotten(session)
    draft = load_draft()
    skip = set(_SKIP) | not_kept(form)
    answers = {key: request.form.getlist(key) for key in request.form if key not in skip}
    if draft is None:
        draft = AnswerDraft(session_id=session_id, path=request.path, answers=answers)
        session.add(draft)
    draft.answers, draft.created_at = answers, utcnow()
    for form_name in form.names:
        upload = request.files.get(form_name)
        if isinstance(upload, FileStorage) and upload.filename:
            if draft.file_key:
                (_staged_dir() / draft.file_key).unlink(missing_ok=True)
            key = secrets.token_urlsafe(24)
            upload.stream.seek(0)
            (_staged_dir() / key).write_bytes(upload.stream.read())
            draft.file_key, draft.file_name = key, upload.filename[:255]
    session.commit()
    for file_key in gone:
        drop_staged(file_key)
    return draft


def _forgotten(session: Any) -> list[str | None]:
    """Remove everyone's answers left unchecked too long or by a session that has ended (its uploads go
    after the commit); answers the uploads' keys.
    """
    unreachable = (AnswerDraft.created_at < utcnow() - STALE) | AnswerDraft.session_id.in_(
        select(UserSession.id).where(UserSession.ended_at.is_not(None)))
    keys = list(session.scalars(select(AnswerDraft.file_key).where(unreachable)))
    session.execute(delete(AnswerDraft).where(unreachable))
    return keys


def draft_formdata(form_class: type[SchemaForm], draft: AnswerDraft,
                   extra: MultiDict | None = None) -> MultiDict:
    """The kept answers as a form's posted data (with the kept upload, and what ``extra`` adds)."""
    data = MultiDict()
    for key, values in draft.answers.items():
        for value in values:
            data.add(key, value)
    if draft.file_key:
        path = _staged_dir() / draft.file_key
        if path.exists():
            for form_name, name in form_class.names.items():
                if form_class.schema._declared_fields[name].metadata.get("widget") == "file":
                    kept = FileStorage(stream=io.BytesIO(path.read_bytes()), filename=draft.file_name,
                                       content_type="application/pdf")
                    data.setlist(form_name, [kept])
    for key in extra or ():
        if key not in data:
            data.setlist(key, extra.getlist(key))
    return data


def posted(form_class: type[SchemaForm], draft: AnswerDraft | None) -> MultiDict:
    """What was posted, with the upload kept from before a Change when no new file was chosen."""
    data = MultiDict(request.form)
    for key in request.files:
        data.setlist(key, request.files.getlist(key))
    if draft is not None and draft.file_key:
        kept = draft_formdata(form_class, draft)
        for form_name, name in form_class.names.items():
            fresh = [f for f in data.getlist(form_name) if getattr(f, "filename", None)]
            if form_class.schema._declared_fields[name].metadata.get("widget") == "file" and not fresh \
                    and form_name in kept:
                data.setlist(form_name, kept.getlist(form_name))
    return data


def _choice_words(field: Any, value: Any) -> str:
    labels = {str(v): label for v, label in (field.choices or [])}
    return labels.get(str(value), words.value(value))


def _date_words(value: Any) -> str:
    if isinstance(value, dt.date):
        return f"{value:%-d %B %Y}"
    text = str(value)
    if len(text) == 7:  # a month and year
        return f"{dt.date.fromisoformat(text + '-01'):%B %Y}"
    if len(text) == 4:  # a year alone
        return text
    return words.value(text)


def answer_words(field: Any, hidden: set[str]) -> str:
    """What a person answered to one question, in words (dates the GOV.UK way, choices by their labels)."""
    data = field.data
    if field.name in hidden:
        lines = [line for line in (data or "").splitlines() if line.strip()]
        return (words.counted(len(lines), "line") + " given. They are not kept: if you change an answer, "
                "you will be asked for them again.") if lines else NOT_GIVEN
    kind = field.type
    if kind in ("GovDateField", "GovPartialDateField", "GovPublicationDateField"):
        return _date_words(data) if data else NOT_GIVEN
    if kind == "BooleanField":
        return "Yes" if data else "No"
    if kind == "SelectMultipleField":
        return ", ".join(_choice_words(field, v) for v in data) if data else "None"
    if kind in ("RadioField", "SelectField"):
        return _choice_words(field, data) if data not in (None, "") else NOT_GIVEN
    if kind == "FileField":
        return getattr(data, "filename", None) or NOT_GIVEN
    text = (data or "").strip() if isinstance(data, str) else data
    return str(text) if text not in (None, "") else NOT_GIVEN


def rows(form: SchemaForm, change_url: str, kept_file: str | None = None) -> list[dict[str, Any]]:
    """Params for govukSummaryList: every question with its answer and a link to change it."""
    hidden = not_kept(form)
    out = []
    for field in form:
        if field.name in _SKIP:
            continue
        answer = answer_words(field, hidden)
        if field.type == "FileField" and answer == NOT_GIVEN and kept_file:
            answer = kept_file
        anchor = f"{field.id}-day" if field.type.startswith("Gov") and "Date" in field.type else field.id
        label = field.label.text
        out.append({
            "key": {"text": label},
            "value": {"html": Markup("<br>").join(escape(line) for line in str(answer).splitlines() or [""])},
            "actions": {"items": [{"href": f"{change_url}?change=1#{anchor}", "text": "Change",
                                   "visuallyHiddenText": label[0].lower() + label[1:]}]},
        })
    return out


def check_page(form: SchemaForm, draft: AnswerDraft, *, title: str, caption: str, confirm: str,
               back: str) -> Any:
    """The 'Check your answers' page for a valid form: its answers, and the button that records them."""
    hidden = [(f.name, f.data or "") for f in form if f.name in not_kept(form)]
    kept_file = draft.file_name if draft.file_key else None
    return render_template("staff/check_answers.html", title=title, caption=caption, confirm=confirm,
                           back=back, rows=rows(form, request.path, kept_file), hidden=hidden,
                           csrf_token=form.csrf_token, confirm_field=CONFIRM)


def confirming() -> bool:
    """Whether this request is the check page's confirm."""
    return request.method == "POST" and CONFIRM in request.form


def lost(url: str) -> Any:
    """The confirm came with no answers kept (another tab confirmed them, or they went stale)."""
    flash("Your answers were not kept (they may have been recorded in another tab, or left too long). "
          "Check the record, then give them again if they are still needed.", "error")
    return redirect(url)
