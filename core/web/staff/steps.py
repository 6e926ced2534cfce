"""One handler for every lifecycle step: show the form, load its schema, run the service, map errors.

A step with ``check`` shows 'Check your answers' before it records anything (cspr.web.staff.checking).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from cspr.accounts.permissions import Permission, allowed
from cspr.services import stored_files
from cspr.services.errors import InputError, KeptRefusal, StepError
from cspr.web.forms import SchemaForm, apply_errors
from cspr.web.staff import checking
from cspr.web.staff.pages import ctx


@dataclass(frozen=True)
class Step:
    """A step of a case or review as a page with one form (built from the step's schema)."""

    title: str
    form: type[SchemaForm]
    run: Callable[..., Any]  # run(ctx, record, loaded): the service, given what the schema loaded
    action: Permission  # who may take the step
    done: str  # the confirmation shown after it
    prefill: Callable[[Any], Any] | None = None  # the object whose values a correction form starts from
    hint: str = ""
    omit: Callable[[Any], tuple[str, ...]] | None = None  # the questions that do not apply to the record
    # what the page shows beside the form: aside(record) -> (template, its values), e.g. recurring themes
    aside: Callable[[Any], tuple[str, dict[str, Any]]] | None = None
    check: bool = False  # 'Check your answers' (with Change links) before anything is recorded
    confirm: str = "Confirm"  # the check page's button, which records the answers
    template: str = "staff/step.html"  # the form's page
    # where to go once recorded, given what the service returned: after(result) -> (message, URL)
    after: Callable[[Any], tuple[str, str]] | None = None
    # before the check page, run the service in a savepoint that is rolled back, so its own checks
    # (a date before another, a name found in a report) are on the form, not after the confirm
    rehearse: bool = False


class _Rehearsal(Exception):
    """Raised inside a rehearsal's savepoint so that everything it did is rolled back."""


def _rehearse(step: Step, record: Any, form: SchemaForm) -> bool:
    """Run the step on the answers and roll it all back: True if the service took them.

    Files the service wrote go with the rollback; a refusal that keeps its own record (a publication
    a proceeding restricts) is recorded for real, as it would be without the check.
    """
    c = ctx()
    files = list(c.session.info.get(stored_files.WRITTEN, []))
    replaced = list(c.session.info.get(stored_files.REPLACED, []))
    try:
        with c.session.begin_nested():
            step.run(c, record, dict(form.loaded))
            raise _Rehearsal
    except _Rehearsal:
        return True
    except InputError as error:
        apply_errors(form, error)
        return False
    except KeptRefusal:
        c.session.rollback()
        try:
            step.run(c, record, dict(form.loaded))
        except KeptRefusal:
            c.session.commit()
        raise
    finally:
        written = c.session.info.get(stored_files.WRITTEN, [])
        for path in written[len(files):]:
            path.unlink(missing_ok=True)
        c.session.info[stored_files.WRITTEN] = files
        c.session.info[stored_files.REPLACED] = replaced  # nothing rehearsed is replaced for real


def changed(record: Any, loaded: dict[str, Any], drop: tuple[str, ...] = ("reason",)) -> dict[str, Any]:
    """What a prefilled correction form changes: the loaded values that differ from ``record``'s."""
    return {name: value for name, value in loaded.items()
            if name not in drop and (record is None or getattr(record, name, None) != value)}


def submit(form: SchemaForm, run: Callable[[dict[str, Any]], Any]) -> Any:
    """Run a valid form's service with what its schema loaded: commit and return the result, or put the
    service's errors on the form's fields.

    A step out of order is flashed and re-raised for the caller to redirect.
    """
    c = ctx()
    if not form.validate_on_submit():
        return None
    try:
        result = run(form.loaded)
    except InputError as error:
        c.session.rollback()
        apply_errors(form, error)
        return None
    except StepError as error:
        if isinstance(error, KeptRefusal):  # the refusal's own record is kept
            c.session.commit()
        else:
            c.session.rollback()
        flash(str(error), "error")
        raise
    c.session.commit()
    return result


def status_of(form: Any) -> int:
    """400 when the form has errors, else 200."""
    return 400 if form.errors or form.form_errors else 200


def handle(step: Step, record: Any, back: str, caption: str) -> Any:
    """GET shows the form; a valid POST runs the step and returns to the record's page."""
    c = ctx()
    if not allowed(c.role, step.action):
        abort(403)
    if step.check:
        return _handle_checked(step, record, back, caption)
    start = step.prefill(record) if step.prefill and request.method == "GET" else None
    form = step.form(obj=start)
    if step.omit is not None:
        form.omit(*step.omit(record))
    try:
        done = submit(form, lambda data: step.run(c, record, data) or True)
    except StepError:
        return redirect(back)
    if done:
        flash(step.done, "success")
        return redirect(back)
    aside = step.aside(record) if step.aside else None
    return render_template("staff/step.html", form=form, step=step, back=back, caption=caption,
                           aside=aside), status_of(form)


def _handle_checked(step: Step, record: Any, back: str, caption: str) -> Any:
    """The form, then 'Check your answers' with Change links, then the confirm that records them."""
    c = ctx()

    def build(**kw: Any) -> SchemaForm:
        form = step.form(**kw)
        if step.omit is not None:
            form.omit(*step.omit(record))
        return form

    def page(form: SchemaForm, draft: Any = None) -> Any:
        aside = step.aside(record) if step.aside else None
        kept = draft.file_name if draft is not None and draft.file_key else None
        return render_template(step.template, form=form, step=step, back=back, caption=caption, aside=aside,
                               kept_file=kept), status_of(form)

    if checking.confirming():
        draft = checking.load_draft()
        if draft is None:
            return checking.lost(request.path)
        extra = MultiDict([(key, value) for key in ("csrf_token", *checking.not_kept(step.form))
                           for value in request.form.getlist(key)])
        form = build(formdata=checking.draft_formdata(step.form, draft, extra))
        file_key = draft.file_key

        def run(data: dict[str, Any]) -> Any:
            result = step.run(c, record, data)
            c.session.delete(draft)  # in the same commit as what it records
            return result if result is not None else True

        try:
            result = submit(form, run)
        except StepError:
            return redirect(back)
        if result:
            checking.drop_staged(file_key)
            message, url = step.after(result) if step.after else (step.done, back)
            flash(message, "success")
            return redirect(url)
        return page(form, checking.load_draft())
    if request.method == "POST":
        form = build(formdata=checking.posted(step.form, checking.load_draft()))
        if form.validate_on_submit():
            try:
                if step.rehearse and not _rehearse(step, record, form):
                    c.session.rollback()
                    return page(form, checking.load_draft())
                draft = checking.keep_draft(form)
            except StepError as error:
                if not isinstance(error, KeptRefusal):
                    c.session.rollback()
                flash(str(error), "error")
                return redirect(back)
            title = "Check your answers before you " + step.title[0].lower() + step.title[1:]
            return checking.check_page(form, draft, title=title, caption=caption, confirm=step.confirm,
                                       back=request.path)
        return page(form, checking.load_draft())
    draft = checking.load_draft() if "change" in request.args else None
    if draft is not None:
        return page(build(formdata=checking.draft_formdata(step.form, draft)), draft)
    checking.start_afresh()
    return page(build(obj=step.prefill(record) if step.prefill else None))


def back_to(endpoint: str, **values: Any) -> str:
    """A URL in the staff app."""
    return url_for(endpoint, **values)
