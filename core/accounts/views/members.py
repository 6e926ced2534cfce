"""Partnership admins manage who is a member and in which role."""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from cspr.accounts.inputs import ROLE_LABELS, MemberIn, RoleIn
from cspr.accounts.models import Membership, Role, User
from cspr.accounts.permissions import Permission
from cspr.accounts.users import UserError, agency_problem, create_user
from cspr.accounts.views.sign_in import fresh_required, reset_token
from cspr.audit import events as audit
from cspr.db import get_session
from cspr.messaging import mail
from cspr.web.forms import ConfirmForm, form_for
from cspr.web.links import external_url
from cspr.web.staff.pages import bp, ctx, roles

log = logging.getLogger(__name__)


MemberForm = form_for(MemberIn, submit="Add the member")
RoleForm = form_for(RoleIn, submit="Change the role")

@bp.route("/members")
@roles(Permission.MANAGE_MEMBERS)
def members() -> ResponseReturnValue:
    """The partnership's members and their roles."""
    rows = ctx().session.execute(select(Membership, User).join(User, Membership.user_id == User.id)
                                 .order_by(User.name)).all()
    return render_template("staff/members.html", rows=rows, labels=ROLE_LABELS,
                           agency_names={a["key"]: a["name"] for a in ctx().policy.agencies})


@bp.route("/members/new", methods=["GET", "POST"])
@roles(Permission.MANAGE_MEMBERS)
@fresh_required
def add_member() -> ResponseReturnValue:
    """Add someone (a new account gets an e-mail to set its password)."""
    c = ctx()
    form = MemberForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        role = Role(form.role.data)
        agency = form.agency.data or None
        problem = agency_problem(c.policy, role, agency)
        if problem:
            form.agency.errors = [problem]
            return render_template("staff/member_new.html", form=form), 400
        user = get_session().scalar(select(User).where(User.email == email))
        if user is None:
            try:
                user = create_user(c.session, email, form.name.data, None,
                                   memberships=[(c.partnership, role, agency)], actor=c.actor)
            except UserError as exc:
                form.email.errors = [str(exc)]
                return render_template("staff/member_new.html", form=form), 400
            link = external_url("auth.reset_password", token=reset_token(user))
            message = mail.build(email, f"You have been added to {c.policy.name}",
                                 f"{c.policy.name} has given you an account on the Child Safeguarding "
                                 f"Practice Reviews platform.\n\nSet your password within an hour:\n{link}")
            try:
                mail.send(message)
            except mail.MailError:
                log.exception("invitation mail failed")
                flash("The account is made, but the email could not be sent. "
                      "They can use 'Forgotten your password?' to set one.", "error")
        elif c.session.scalar(select(Membership).where(Membership.user_id == user.id)):
            form.email.errors = [f"{email} is already a member"]
            return render_template("staff/member_new.html", form=form), 400
        else:
            c.session.add(Membership(user_id=user.id, role=role, agency=agency))
            c.session.flush()
            c.audit("membership.created", user, role=role, agency=agency)
        c.session.commit()
        flash(f"{email} is now a member as {ROLE_LABELS[role.value].lower()}.", "success")
        return redirect(url_for("staff.members"))
    return render_template("staff/member_new.html", form=form), 400 if form.errors else 200


def _membership(membership_id: int) -> tuple[Membership, User]:
    row = ctx().session.execute(select(Membership, User).join(User, Membership.user_id == User.id)
                                .where(Membership.id == membership_id)).first()
    if row is None:
        abort(404)
    return row[0], row[1]


def _last_admin(membership: Membership) -> bool:
    admins = ctx().session.scalar(select(func.count()).select_from(Membership)
                                  .where(Membership.role == Role.ADMIN))
    return membership.role == Role.ADMIN and admins <= 1


@bp.route("/members/<int:membership_id>", methods=["GET", "POST"])
@roles(Permission.MANAGE_MEMBERS)
@fresh_required
def change_role(membership_id: int) -> ResponseReturnValue:
    """Change a member's role."""
    c = ctx()
    membership, user = _membership(membership_id)
    form = RoleForm(data={"role": membership.role.value, "agency": membership.agency or ""})
    if form.validate_on_submit():
        role = Role(form.role.data)
        agency = form.agency.data or None
        problem = agency_problem(c.policy, role, agency)
        if role != Role.ADMIN and _last_admin(membership):
            form.role.errors = ["The partnership needs at least one admin"]
        elif problem:
            form.agency.errors = [problem]
        else:
            was, membership.role, membership.agency = membership.role, role, agency
            c.audit("membership.role_changed", user, was=was, now=role, agency=agency)
            c.session.commit()
            flash(f"{user.email} is now {ROLE_LABELS[role.value].lower()}.", "success")
            return redirect(url_for("staff.members"))
    return render_template("staff/member_role.html", form=form, user=user), 400 if form.errors else 200


@bp.route("/members/<int:membership_id>/remove", methods=["GET", "POST"])
@roles(Permission.MANAGE_MEMBERS)
@fresh_required
def remove_member(membership_id: int) -> ResponseReturnValue:
    """Remove someone from the partnership (their account stays for their other partnerships)."""
    c = ctx()
    membership, user = _membership(membership_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        if _last_admin(membership):
            flash("The partnership needs at least one admin.", "error")
            return redirect(url_for("staff.members"))
        c.session.delete(membership)
        c.audit("membership.removed", user, role=membership.role)
        c.session.commit()
        flash(f"{user.email} is no longer a member.", "success")
        return redirect(url_for("staff.members"))
    return render_template("staff/member_remove.html", form=form, user=user, membership=membership)


__all__ = ["audit"]
