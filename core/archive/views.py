"""The staff Archive page: every deposit, its package, its checks, its sending and the NSPCC's copy number.

Also the download link an oversized deposit is e-mailed with (no sign-in: the signed token is the key,
and it expires).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from cspr.accounts.permissions import Permission, allowed
from cspr.archive import links, sending
from cspr.archive import services as archive
from cspr.archive.inputs import AcknowledgeIn
from cspr.archive.models import ArchiveDeposit, DepositStatus
from cspr.audit import events as audit
from cspr.db import get_session
from cspr.db.tenancy import across_partnerships, acting_for
from cspr.messaging.models import OutboxStatus
from cspr.reviews.models import Review
from cspr.services import words
from cspr.services.errors import InputError, StepError
from cspr.tasks.after_commit import send_after_commit
from cspr.web.forms import ConfirmForm, apply_errors, form_for
from cspr.web.staff.pages import bp, ctx, roles

AcknowledgeForm = form_for(AcknowledgeIn, submit="Record the copy number")

public_bp = Blueprint("deposits", __name__)


def _archive_dir() -> Path:
    return Path(current_app.config["ARCHIVE_DIR"])


def _deposit(deposit_id: int) -> tuple[ArchiveDeposit, Review]:
    """The deposit of this partnership (another's is not found: row-level security and the scope)."""
    c = ctx()
    deposit = c.session.get(ArchiveDeposit, deposit_id)
    if deposit is None:
        abort(404)
    return deposit, c.session.get(Review, deposit.review_id)


def listing() -> list[tuple[ArchiveDeposit, Review]]:
    """Every deposit of the partnership with its review, newest first."""
    rows = ctx().session.execute(
        select(ArchiveDeposit, Review)
        .join(Review, Review.id == ArchiveDeposit.review_id)
        .order_by(ArchiveDeposit.created_at.desc(), ArchiveDeposit.id.desc())
    )
    return [(d, r) for d, r in rows]


@bp.route("/archive")
@roles(Permission.READ_ARCHIVE)
def archive_page() -> ResponseReturnValue:
    """Every deposit with its status, dates, copy number, package and checks."""
    c = ctx()
    rows = listing()
    mail = sending.message_states(c.session, [d for d, _ in rows])
    waiting = {d.id for d, _ in rows if mail.get(d.id) == OutboxStatus.PENDING}
    return render_template(
        "staff/archive.html",
        rows=rows,
        waiting=waiting,
        failed={
            d.id
            for d, _ in rows
            if d.status == DepositStatus.PREPARED and mail.get(d.id) == OutboxStatus.FAILED
        },
        form=ConfirmForm(),
        statuses=words.DEPOSIT_STATUSES,
        manage=allowed(c.role, Permission.MANAGE_ARCHIVE),
        configured=sending.configured(current_app.config),
    )


@bp.route("/archive/<int:deposit_id>/package")
@roles(Permission.READ_ARCHIVE)
def deposit_package(deposit_id: int) -> ResponseReturnValue:
    """The deposit's zip, as it is on disk (audited)."""
    c = ctx()
    deposit, review = _deposit(deposit_id)
    path = _archive_dir() / deposit.path
    if not path.is_file():
        flash(
            f"The package of {review.title} is missing from the archive folder. Tell the service's operator.",
            "error",
        )
        return redirect(url_for("staff.archive_page"))
    c.audit("archive.downloaded", deposit, review_id=deposit.review_id)
    c.session.commit()
    return Response(
        path.read_bytes(),
        mimetype=sending.ZIP,
        headers={"Content-Disposition": f'attachment; filename="{sending.filename(deposit, review)}"'},
    )


@bp.route("/archive/<int:deposit_id>/verify", methods=["POST"])
@roles(Permission.READ_ARCHIVE)
def verify_deposit(deposit_id: int) -> ResponseReturnValue:
    """Check the package against its checksum and every file against the manifest."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    c = ctx()
    deposit, review = _deposit(deposit_id)
    problems = archive.verify_one(deposit, _archive_dir())
    c.audit("archive.verified", deposit, review_id=deposit.review_id, problems=problems)
    c.session.commit()
    if problems:
        flash(f"The package of {review.title} is not whole: {'; '.join(problems)}.", "error")
    else:
        flash(f"The package of {review.title} is whole: every file matches the manifest.", "success")
    return redirect(url_for("staff.archive_page"))


@bp.route("/archive/<int:deposit_id>/send", methods=["POST"])
@roles(Permission.MANAGE_ARCHIVE)
def send_deposit(deposit_id: int) -> ResponseReturnValue:
    """E-mail the deposit to the NSPCC through the outbox (again, after a failed delivery)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    c = ctx()
    deposit, review = _deposit(deposit_id)
    try:
        sending.queue(c, deposit, current_app.config, _archive_dir())
    except StepError as exc:
        c.session.rollback()
        flash(str(exc), "error")
    else:
        send_after_commit(c.session, "cspr.tasks.outbox.relay")
        c.session.commit()
        flash(
            f"The deposit of {review.title} will be e-mailed to the NSPCC. It shows as sent once the e-mail "
            "has been delivered.",
            "success",
        )
    return redirect(url_for("staff.archive_page"))


@bp.route("/archive/<int:deposit_id>/acknowledge", methods=["GET", "POST"])
@roles(Permission.MANAGE_ARCHIVE)
def acknowledge_deposit(deposit_id: int) -> ResponseReturnValue:
    """Record the copy number the NSPCC gave the deposit."""
    c = ctx()
    deposit, review = _deposit(deposit_id)
    if deposit.status != DepositStatus.SENT:
        flash(
            "This deposit was already acknowledged."
            if deposit.status == DepositStatus.ACKNOWLEDGED
            else "This deposit can be acknowledged once its e-mail to the NSPCC has been delivered.",
            "error",
        )
        return redirect(url_for("staff.archive_page"))
    form = AcknowledgeForm()
    if form.validate_on_submit():
        try:
            sending.acknowledge(
                c, deposit, form.loaded["copy_number"].strip(), form.loaded["acknowledged_on"]
            )
        except InputError as exc:
            apply_errors(form, exc)
        except StepError as exc:
            form.form_errors.append(str(exc))
        else:
            c.session.commit()
            flash(f"Copy number {deposit.copy_number} recorded for {review.title}.", "success")
            return redirect(url_for("staff.archive_page"))
    failed = bool(form.errors or form.form_errors)
    return render_template(
        "staff/deposit_acknowledge.html", form=form, deposit=deposit, review=review
    ), 400 if failed else 200


@bp.route("/archive/catalogue.csv")
@roles(Permission.READ_ARCHIVE)
def catalogue_csv() -> ResponseReturnValue:
    """Everything deposited with the NSPCC, one row each: the catalogue record in words."""
    download = archive.catalogue_download(ctx())
    return Response(
        download[0],
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{download[1]}"'},
    )


@public_bp.route("/nspcc-deposits/<token>")
def download(token: str) -> ResponseReturnValue:
    """The package an e-mail to the NSPCC links to: while the link lasts; plainly refused after."""
    config = current_app.config
    try:
        claims = links.read(config["SECRET_KEY"], token)
    except links.LinkExpired as exc:
        return render_template("archive/link_expired.html", expired_at=exc.args[0]), 410
    except links.LinkInvalid:
        abort(404)
    session = get_session()
    with across_partnerships(session, "NSPCC deposit download link", actor="system:deposit-link"):
        found = session.execute(
            select(ArchiveDeposit.partnership_id, ArchiveDeposit.path, ArchiveDeposit.sha256).where(
                ArchiveDeposit.id == claims.deposit_id
            )
        ).first()
    if found is None or not found.sha256.startswith(claims.sha256):
        abort(404)
    path = Path(config["ARCHIVE_DIR"]) / found.path
    if not path.is_file():
        abort(404)
    with acting_for(session, found.partnership_id):
        deposit = session.get(ArchiveDeposit, claims.deposit_id)
        audit.record(
            session,
            "archive.downloaded",
            actor="link:nspcc",
            object_type="archive_deposits",
            object_id=deposit.id,
            detail={
                "review_id": deposit.review_id,
                "by": "the e-mailed link",
                "link_expires_at": claims.expires_at.isoformat(),
            },
        )
        name = sending.filename(deposit, session.get(Review, deposit.review_id))
        session.commit()
    return Response(
        path.read_bytes(),
        mimetype=sending.ZIP,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
