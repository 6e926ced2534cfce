"""One handler for every lifecycle step: show the form, load its schema, run the service, map errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from cspr.accounts.permissions import Permission, allowed
from cspr.services.errors import InputError, KeptRefusal, StepError
from cspr.web.forms import SchemaForm, apply_errors
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


def back_to(endpoint: str, **values: Any) -> str:
    """A URL in the staff app."""
    return url_for(endpoint, **values)
