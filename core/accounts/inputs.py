"""What signing in and managing members take: email and password, codes, a new password, a member, a role."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, validates_schema

from cspr.accounts.models import Role
from cspr.services.inputs import choice, email, one_of, text
from cspr.services.inputs import password as secret

ROLE_LABELS = {"admin": "Partnership admin", "partner": "Safeguarding partner representative",
               "reviewer": "Independent reviewer", "viewer": "Viewer",
               "agency contributor": "Agency contributor", "scrutineer": "Independent scrutineer"}
CODE_MAX = 40  # a 6-digit code, or a recovery code with its dashes and spaces


def _role() -> Any:
    return choice(Role, "Role", labels=ROLE_LABELS, message="Select a role")


def agencies(ctx: Any) -> list[tuple[str, str]]:
    """The agencies a contributor may answer for: the partnership's partners and relevant agencies."""
    return [("", "Not an agency contributor")] + [(a["key"], a["name"]) for a in ctx.policy.agencies]


def _agency() -> Any:
    return text("Agency", max_length=64, required=False, widget="select",
                hint="Only for an agency contributor: the agency whose information requests they answer.",
                meta={**one_of("agencies"), "choices": agencies})


class SignInIn(Schema):
    """Sign in: the email address and password (the second factor comes next)."""

    email = text("Email address", max_length=254, widget="email", single_line=False,
                 message="Enter your email address")
    password = secret("Password", message="Enter your password")


class ResetRequestIn(Schema):
    """Ask for a password reset link."""

    email = email("Email address", message="Enter your email address")


class CodeIn(Schema):
    """The second factor: a code from the authenticator app, or a recovery code."""

    code = text("Code", max_length=CODE_MAX, single_line=False,
                message="Enter the code from your authenticator app",
                hint="The 6-digit code your authenticator app shows now, or one of your recovery codes.")


class ReauthIn(Schema):
    """Confirm who you are before a sensitive action (the page says which of the two it needs)."""

    password = secret("Password", required=False)
    code = text("Code from your authenticator app", max_length=CODE_MAX, required=False, single_line=False,
                hint="Or one of your recovery codes.")


class NewPasswordIn(Schema):
    """Choose a new password (the deny-list and context words are checked by cspr.accounts.users)."""

    password = secret(
        "New password", min_length=12, message="Enter a new password",
        hint="At least 12 characters. A few unrelated words make a good one. Common passwords, "
             "and ones made of the service's, a partnership's or your own name, are refused.")
    confirm = secret("Confirm the new password", message="Confirm your new password")

    @validates_schema
    def _same(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("confirm") != data.get("password"):
            raise ValidationError("The passwords do not match", "confirm")


class MemberIn(Schema):
    """Add a member to the partnership."""

    email = email("Email address", message="Enter their email address")
    name = text("Full name", max_length=200)
    role = _role()
    agency = _agency()


class RoleIn(Schema):
    """Change a member's role."""

    role = _role()
    agency = _agency()
