"""Single sign-on through OpenID Connect, set up per partnership by its plugin (``cspr_single_sign_on``)."""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from flask import Blueprint, Flask, abort, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from cspr.accounts.models import Membership, User
from cspr.accounts.views.sign_in import complete_sign_in
from cspr.audit import events as audit
from cspr.db import get_session
from cspr.db.tenancy import acting_for
from cspr.partnerships import services as partnerships
from cspr.partnerships.models import Partnership
from cspr.plugins import get_registry

log = logging.getLogger(__name__)
bp = Blueprint("sso", __name__)
_register_lock = threading.Lock()
TIMEOUT = 10  # seconds for each call to the identity provider


class Refusal(Exception):
    """Why a single sign-on attempt is refused: a code for the audit trail and words for the user."""

    def __init__(self, reason: str, message: str, status: int = 403, *, email: str | None = None,
                 user_id: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message
        self.status = status
        self.email = email
        self.user_id = user_id


def _oauth(app: Flask) -> Any:
    """The app's authlib registry. authlib and requests are imported on first use, not at start-up:
    they add 0.15 s to every ``cspr`` command, and most deployments never sign in this way.
    """
    from authlib.integrations.flask_client import OAuth

    oauth = app.extensions.get("authlib.integrations.flask_client")
    if oauth is None:
        with _register_lock:
            oauth = app.extensions.get("authlib.integrations.flask_client") or OAuth(app)
    return oauth


def _client(slug: str, config: dict[str, Any]) -> Any:
    """The partnership's OpenID Connect client, registered on first use from its policy."""
    app = current_app._get_current_object()
    oauth = _oauth(app)
    name = "sso_" + slug.replace("-", "_")
    client = oauth.create_client(name)
    if client is None:
        with _register_lock:
            client = oauth.create_client(name) or oauth.register(
                name,
                client_id=config["client_id"],
                server_metadata_url=config["issuer"].rstrip("/") + "/.well-known/openid-configuration",
                client_kwargs={"scope": " ".join(config["scopes"]), "code_challenge_method": "S256",
                               "default_timeout": TIMEOUT},
            )
    secret = os.environ.get(config["client_secret_env"], "")
    if not secret:
        log.error("single sign-on: the environment variable %s is not set", config["client_secret_env"],
                  extra={"partnership": slug})
        raise Refusal("not_configured", "Signing in with this account is not fully set up yet. Sign in with "
                      "your email address and password, and tell your partnership's team.", 503)
    client.client_secret = secret  # read each time, so a rotated secret takes effect without a restart
    return client


def _partnership(slug: str) -> tuple[Partnership, dict[str, Any], str]:
    """The enabled partnership with single sign-on, its settings and its name; 404 otherwise."""
    registry = get_registry()
    row = partnerships.get(get_session(), slug)
    policy = registry.policies.get(slug)
    if row is None or not row.enabled or policy is None or policy.single_sign_on is None:
        abort(404)
    return row, policy.single_sign_on, policy.name


def _refused(row: Partnership, config: dict[str, Any], name: str, refusal: Refusal) -> tuple[str, int]:
    """Record the refusal in the partnership's audit trail and show it to the person."""
    session = get_session()
    session.rollback()
    with acting_for(session, row.id):
        audit.record(session, "sign_in.sso_refused", actor=f"oidc:{row.slug}", actor_user_id=refusal.user_id,
                     detail={"reason": refusal.reason, "email": refusal.email},
                     remote_addr=request.remote_addr)
    session.commit()
    log.warning("single sign-on refused: %s", refusal.reason, extra={"partnership": row.slug})
    return render_template("staff/sso_refused.html", refusal=refusal, display_name=config["display_name"],
                           partnership_name=name), refusal.status


def _provider_unreachable(exc: Exception) -> Refusal:
    log.warning("single sign-on: the identity provider failed: %s", exc)
    return Refusal("provider_unreachable", "The sign-in service of your organisation could not be reached "
                   "just now. Try again later, or sign in with your email address and password.", 502)


@bp.get("/sign-in/<slug>/sso")
def start(slug: str) -> ResponseReturnValue:
    """Send the person to their organisation's sign-in page (state, nonce and PKCE S256)."""
    import requests

    row, config, name = _partnership(slug)
    try:
        client = _client(slug, config)
        return client.authorize_redirect(url_for("sso.callback", slug=slug, _external=True))
    except Refusal as refusal:
        return _refused(row, config, name, refusal)
    except (requests.RequestException, ValueError, RuntimeError) as exc:  # discovery failed
        return _refused(row, config, name, _provider_unreachable(exc))


def _identity(client: Any, config: dict[str, Any]) -> tuple[str, list[str]]:
    """The verified e-mail address and the ``amr`` claim of the id token the provider sent back."""
    import requests
    from authlib.common.errors import AuthlibBaseError
    from joserfc.errors import JoseError

    if request.args.get("error"):
        said = request.args.get("error_description") or request.args["error"]
        raise Refusal("provider_error",
                      f"Your organisation's sign-in service did not sign you in: {said[:200]}", 400)
    claims_options = {
        "iss": {"essential": True, "value": config["issuer"]},
        "aud": {"essential": True, "value": config["client_id"]},
        "exp": {"essential": True},
    }
    try:
        token = client.authorize_access_token(claims_options=claims_options)
    except AuthlibBaseError as exc:
        if exc.error == "mismatching_state":
            raise Refusal("bad_state", "The sign-in could not be matched to this browser: it may have "
                          "expired or come from another window. Start again.", 400) from exc
        raise Refusal("token_refused", "Your organisation's sign-in service did not confirm who you are. "
                      "Start again.", 400) from exc
    except JoseError as exc:
        raise Refusal("invalid_id_token", "The answer from your organisation's sign-in service could not be "
                      f"trusted ({exc.error}). Start again.", 400) from exc
    except (requests.RequestException, ValueError, RuntimeError) as exc:
        raise _provider_unreachable(exc) from exc
    claims = token.get("userinfo")
    if not claims:
        raise Refusal("invalid_id_token", "Your organisation's sign-in service sent no identity token.", 400)
    email = claims.get(config["email_claim"])
    if not isinstance(email, str) or "@" not in email:
        raise Refusal("no_email", "Your organisation's sign-in service did not give an email address "
                      f"(claim {config['email_claim']!r}).", 400)
    email = email.strip().lower()
    if claims.get("email_verified") is False:
        raise Refusal("email_unverified", f"Your organisation has not verified the address {email}.",
                      email=email)
    amr = claims.get("amr") or []
    return email, [str(a) for a in amr] if isinstance(amr, list) else []


def _member(row: Partnership, config: dict[str, Any], name: str, email: str) -> User:
    """The active user with this address who is a member of this partnership."""
    domain = email.rsplit("@", 1)[1]
    if domain not in config["allowed_domains"]:
        raise Refusal("domain_not_allowed", f"Addresses ending @{domain} cannot sign in to {name} this way.",
                      email=email)
    session = get_session()
    user = session.scalar(select(User).where(User.email == email))
    if user is None or not user.active:
        raise Refusal("unknown_user" if user is None else "inactive_user",
                      f"There is no account for {email} with {name}. Ask your partnership's team to add you.",
                      email=email, user_id=None if user is None else user.id)
    with acting_for(session, row.id):
        membership = session.scalar(select(Membership.id).where(Membership.user_id == user.id))
    if membership is None:
        raise Refusal("not_member", f"There is no account for {email} with {name}. "
                      "Ask your partnership's team to add you.", email=email, user_id=user.id)
    return user


@bp.get("/sign-in/<slug>/sso/callback")
def callback(slug: str) -> ResponseReturnValue:
    """Check the provider's answer and sign the member in (or say clearly why not)."""
    row, config, name = _partnership(slug)
    try:
        email, amr = _identity(_client(slug, config), config)
        user = _member(row, config, name, email)
    except Refusal as refusal:
        return _refused(row, config, name, refusal)
    return complete_sign_in(user, method=f"oidc:{slug}",
                            second_factor=bool(config["mfa_by_provider"]) or "mfa" in amr)


@bp.app_context_processor
def _sign_in_choices() -> dict[str, Any]:
    def sso_choices() -> list[dict[str, str]]:
        """The enabled partnerships that offer single sign-on, for the sign-in page."""
        return [
            {"href": url_for("sso.start", slug=row.slug),
             "display_name": policy.single_sign_on["display_name"], "partnership": policy.name}
            for row, policy in partnerships.active(get_session(), get_registry())
            if policy.single_sign_on is not None
        ]
    return {"sso_choices": sso_choices}
