"""``cspr users create|disable|enable|reset-two-factor|rotate-totp-key``: accounts."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from cspr.cli.common import require_schema
from cspr.db import get_db
from cspr.services.words import counted


@click.group()
def users() -> None:
    """Manage accounts."""


@users.command("create")
@click.option("--email", required=True, help="The person's e-mail address (their sign-in).")
@click.option("--name", required=True, help="The person's name.")
@click.option("--partnership", "memberships", multiple=True, metavar="SLUG:ROLE[:AGENCY]",
              help="A membership, e.g. doncaster:admin (roles: admin, partner, reviewer, viewer), or an "
                   "agency contributor with their agency's key, e.g. doncaster:contributor:police.")
@click.option("--operator", is_flag=True, help="A platform operator (manages, reads no cases).")
@click.option("--password", default=None,
              help="At least 12 characters; common passwords are refused. Asked for (twice, hidden) "
                   "when left out in a terminal.")
@with_appcontext
def users_create(email: str, name: str, memberships: tuple[str, ...], operator: bool,
                 password: str | None) -> None:
    """Create an account with its memberships."""
    import sys

    from cspr.accounts.models import Role

    if password is None:
        if not sys.stdin.isatty():
            raise click.UsageError("no --password was given, and this shell is not interactive, so it "
                                   "cannot be asked for: give --password, or run the command in a terminal")
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    from cspr.accounts.users import UserError, agency_problem, create_user
    from cspr.partnerships import services as partnerships
    from cspr.plugins import get_registry

    database = get_db()
    require_schema(database)
    with database.session_scope() as session:
        pairs = []
        for item in memberships:
            slug, _, rest = item.partition(":")
            role, _, agency = rest.partition(":")
            row = partnerships.get(session, slug)
            if row is None:
                raise click.BadParameter(f"no partnership '{slug}'", param_hint="--partnership")
            try:
                member_role = Role.CONTRIBUTOR if role == "contributor" else Role(role or "viewer")
            except ValueError:
                raise click.BadParameter(
                    f"unknown role '{role}': use admin, partner, reviewer, viewer or contributor",
                    param_hint="--partnership",
                ) from None
            problem = agency_problem(get_registry().policy(slug), member_role, agency or None)
            if problem:
                raise click.BadParameter(f"{slug}:{rest}: {problem}", param_hint="--partnership")
            pairs.append((row, member_role, agency or None))
        if not pairs and not operator:
            raise click.UsageError("give at least one --partnership SLUG:ROLE, or --operator")
        try:
            user = create_user(session, email, name, password, memberships=pairs,
                               is_operator=operator)
        except UserError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Created {user.email}" + "".join(f", {r.slug}:{role}" for r, role, _ in pairs))


def _account(session, email: str):  # noqa: ANN001, ANN202
    from sqlalchemy import select

    from cspr.accounts.models import User

    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"there is no account for {email}")
    return user


@users.command("disable")
@click.argument("email")
@with_appcontext
def users_disable(email: str) -> None:
    """Disable an account: it cannot sign in, and every session of it ends now."""
    from cspr.accounts.users import set_active

    database = get_db()
    require_schema(database)
    with database.session_scope() as session:
        user = _account(session, email)
        ended = set_active(session, user, False, actor="cli")
        click.echo(f"Disabled {user.email}; {counted(ended, 'session')} ended")


@users.command("enable")
@click.argument("email")
@with_appcontext
def users_enable(email: str) -> None:
    """Enable a disabled account again."""
    from cspr.accounts.users import set_active

    database = get_db()
    require_schema(database)
    with database.session_scope() as session:
        user = _account(session, email)
        set_active(session, user, True, actor="cli")
        click.echo(f"Enabled {user.email}")


@users.command("reset-two-factor")
@click.argument("email")
@with_appcontext
def users_reset_two_factor(email: str) -> None:
    """Forget an account's authenticator app (a lost phone): it sets one up at its next sign-in."""
    from cspr.accounts.users import reset_two_factor

    database = get_db()
    require_schema(database)
    with database.session_scope() as session:
        user = _account(session, email)
        reset_two_factor(session, user, actor="cli")
        click.echo(f"{user.email} will set up an authenticator app at the next sign-in")


@users.command("rotate-totp-key")
@with_appcontext
def users_rotate_totp_key() -> None:
    """Re-encrypt every authenticator secret with the first of CSPR_TOTP_ENCRYPTION_KEYS.

    Also encrypts the secrets still stored in clear (set up before secrets were encrypted).
    Run it after putting a new key first; then the old key can be removed.
    """
    from cspr.accounts.users import rotate_totp_secrets

    database = get_db()
    require_schema(database)
    session = database.sessionmaker()
    try:
        resealed, moved, unreadable = rotate_totp_secrets(session)
        if unreadable:
            session.rollback()
            more = len(unreadable) - 10
            shown = ", ".join(unreadable[:10]) + (f" and {more} more" if more > 0 else "")
            raise click.ClickException(
                f"{counted(len(unreadable), 'secret')} cannot be decrypted with "
                f"CSPR_TOTP_ENCRYPTION_KEYS ({shown}): "
                "put the key they were encrypted with back in the list (after the new one) and run this "
                "again, or reset those accounts' two factors. Nothing was changed")
        session.commit()
    finally:
        session.close()
    click.echo(f"{counted(resealed, 'secret')} re-encrypted with the first key, {moved} encrypted from clear")
