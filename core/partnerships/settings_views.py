"""Local settings pages: a partnership admin edits closure days, contact, a statement and the page text."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from cspr.accounts.permissions import Permission
from cspr.partnerships import inputs as i
from cspr.partnerships import settings
from cspr.web.forms import ConfirmForm, form_for
from cspr.web.staff.pages import bp, ctx, roles
from cspr.web.staff.steps import status_of, submit

FORMS = {
    "closure_days": form_for(i.ClosureDaysIn, submit="Save the closure days"),
    "contact": form_for(i.ContactIn, submit="Save the contact details"),
    "statement": form_for(i.StatementIn, submit="Save the statement"),
    "page_text": form_for(i.PageTextIn, submit="Save the opening text"),
    "reminder_recipients": form_for(i.ReminderRecipientsIn, submit="Save the reminder recipients"),
}
HINTS = {
    "closure_days": "Days the partnership's office is closed, such as between Christmas and New Year, "
                    "added to the plugin's. They move the partnership's own local targets (and agencies' "
                    "information requests) only: a statutory deadline counts England and Wales bank "
                    "holidays alone.",
    "contact": "Shown on the public page, and where escalations go when no chair's e-mail is set.",
    "statement": "A statement on the public page, such as the chair's on a new publication.",
    "page_text": "The text under \u201cWhat a review is\u201d on the public page.",
    "reminder_recipients": "Who receives each stage of the deadline reminders, among the roles and addresses "
                           "the plugin allows. The stages and their days are the plugin's and the law's.",
}


@bp.route("/settings")
@roles(Permission.MANAGE_SETTINGS)
def settings_page() -> ResponseReturnValue:
    """Every local setting: the plugin's value or the partnership's own, who changed it and when."""
    c = ctx()
    return render_template("staff/settings.html", rows=settings.listed(c.session, c.policy), hints=HINTS,
                           plugin_value=lambda key: settings.plugin_value(c.policy, key, c.today),
                           form=ConfirmForm())


def _prefill(key: str) -> dict:
    c = ctx()
    current = c.policy.local_settings.get(key)
    if key == "closure_days":
        days = current if current is not None else []
        return {"closure_days": "\n".join(days)}
    if key == "contact":
        return dict(current or c.policy.identity["contact"])
    if key == "statement":
        if not current:
            return {}
        return {**current, "since": dt.date.fromisoformat(current["since"]) if current.get("since") else None,
                "until": dt.date.fromisoformat(current["until"]) if current.get("until") else None}
    if key == "reminder_recipients":
        chosen = current or settings.plugin_value(c.policy, key, c.today)
        lines = [f"{stage}: {', '.join(people)}" for stage, people in chosen.items()]
        return {"reminder_recipients": "\n".join(lines)}
    return {"page_text": current or settings.default_page_text(c.policy)}


def _edit(key: str) -> ResponseReturnValue:
    form = FORMS[key](data=_prefill(key)) if request.method == "GET" else FORMS[key]()
    value_of = {"closure_days": lambda d: d.get("closure_days", ""), "page_text": lambda d: d["page_text"],
                "reminder_recipients": lambda d: d["reminder_recipients"]}
    done = submit(form, lambda data: settings.change(ctx(), key, value_of.get(key, lambda d: d)(data)))
    if done is not None:
        flash(f"{settings.SETTINGS[key]} saved.", "success")
        return redirect(url_for("staff.settings_page"))
    return render_template("staff/setting_form.html", form=form, name=settings.SETTINGS[key],
                           hint=HINTS[key]), status_of(form)


@bp.route("/settings/closure-days", methods=["GET", "POST"])
@roles(Permission.MANAGE_SETTINGS)
def settings_closure_days() -> ResponseReturnValue:
    """Add closure days to the plugin's (local targets only)."""
    return _edit("closure_days")


@bp.route("/settings/contact", methods=["GET", "POST"])
@roles(Permission.MANAGE_SETTINGS)
def settings_contact() -> ResponseReturnValue:
    """The team's contact details on the public page."""
    return _edit("contact")


@bp.route("/settings/statement", methods=["GET", "POST"])
@roles(Permission.MANAGE_SETTINGS)
def settings_statement() -> ResponseReturnValue:
    """A statement on the public page."""
    return _edit("statement")


@bp.route("/settings/page-text", methods=["GET", "POST"])
@roles(Permission.MANAGE_SETTINGS)
def settings_page_text() -> ResponseReturnValue:
    """The public page's opening text."""
    return _edit("page_text")


@bp.route("/settings/reminder-recipients", methods=["GET", "POST"])
@roles(Permission.MANAGE_SETTINGS)
def settings_reminder_recipients() -> ResponseReturnValue:
    """Who receives each stage of the reminders (among the recipients the plugin allows)."""
    return _edit("reminder_recipients")


@bp.route("/settings/reset", methods=["POST"])
@roles(Permission.MANAGE_SETTINGS)
def settings_reset() -> ResponseReturnValue:
    """Back to the plugin's value, in one click."""
    form = ConfirmForm()
    key = request.form.get("setting", "")
    if not form.validate_on_submit() or key not in settings.SETTINGS:
        abort(400)
    c = ctx()
    settings.reset(c, key)
    c.session.commit()
    flash(f"{settings.SETTINGS[key]}: back to the plugin's value.", "success")
    return redirect(url_for("staff.settings_page"))
