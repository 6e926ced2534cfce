"""One handler for every lifecycle step's form: show it, run the service, map its errors back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm

from cspr.accounts.permissions import Permission, allowed
from cspr.services.errors import InputError, StepError
from cspr.web.staff.pages import apply_errors, ctx


@dataclass(frozen=True)
class Step:
    """A step of a case or review as a page with one form."""

    title: str
    form: type[FlaskForm]
    run: Callable[..., Any]  # run(ctx, record, data)
    action: Permission  # who may take the step
    done: str  # the confirmation shown after it
    prepare: Callable[[FlaskForm, Any], None] | None = None
    hint: str = ""


def form_data(form: FlaskForm) -> dict[str, Any]:
    """The form's values without the button and the CSRF token."""
    return {k: v for k, v in form.data.items() if k not in ("submit", "csrf_token")}


def submit(form: FlaskForm, run: Callable[[dict[str, Any]], Any]) -> Any:
    """Run a valid form's service: commit and return its result, or put its errors on the form.

    A step out of order is flashed and re-raised for the caller to redirect.
    """
    c = ctx()
    if not form.validate_on_submit():
        return None
    try:
        result = run(form_data(form))
    except InputError as error:
        c.session.rollback()
        apply_errors(form, error)
        return None
    except StepError as error:
        c.session.rollback()
        flash(str(error), "error")
        raise
    c.session.commit()
    return result


def status_of(form: FlaskForm) -> int:
    """400 when the form has errors, else 200."""
    return 400 if form.errors or form.form_errors else 200


def handle(step: Step, record: Any, back: str, caption: str) -> Any:
    """GET shows the form; a valid POST runs the step and returns to the record's page."""
    c = ctx()
    if not allowed(c.role, step.action):
        abort(403)
    form = step.form()
    if step.prepare:
        step.prepare(form, record)
    try:
        done = submit(form, lambda data: step.run(c, record, data) or True)
    except StepError:
        return redirect(back)
    if done:
        flash(step.done, "success")
        return redirect(back)
    return render_template("staff/step.html", form=form, step=step, back=back, caption=caption), \
        status_of(form)


def back_to(endpoint: str, **values: Any) -> str:
    """A URL in the staff app."""
    return url_for(endpoint, **values)
