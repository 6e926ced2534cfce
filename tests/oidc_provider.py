"""A real, local OpenID Connect provider for the tests, built on Authlib's server side.

It serves discovery, a JWKS, an authorization endpoint that approves at once as the
identity the test chose (no login page), and a token endpoint that checks the client
secret and PKCE and signs an RS256 id token. It runs in a thread on a free port.
Tests can also make it misbehave the way a forged or mixed-up answer would.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Error, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.models import AuthorizationCodeMixin
from flask import Flask, jsonify, request
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server


@dataclass
class Client(ClientMixin):
    """The platform, as registered with the provider."""

    client_id: str
    client_secret: str
    redirect_uris: list[str]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in scope.split() if s in {"openid", "email", "profile"})

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "client_secret_basic"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):
    """An authorization code, kept in memory until it is spent."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    identity: dict[str, Any]
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_amr(self) -> list[str] | None:
        return self.identity.get("amr")


class Provider:
    """The provider: start it, choose who signs in, point a plugin at ``issuer``."""

    def __init__(self, client_id: str = "cspr-test-client",
                 client_secret: str = "s3cret-for-tests",  # test-only, not a secret
                 host: str = "127.0.0.1") -> None:
        self.host = host  # the issuer's host name ("localhost" puts it on another site than 127.0.0.1)
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"})
        #: The key id tokens are signed with (set to another key to forge a token).
        self.signing_key = self.key
        #: Who the next sign-in is: the claims put in the id token (``amr`` too).
        self.identity: dict[str, Any] = {}
        #: Claims forced into the next id tokens, whatever the request said (e.g. a wrong nonce).
        self.override: dict[str, Any] = {}
        #: A function applied to each id token after signing (to tamper with it), or None.
        self.mangle: Callable[[str], str] | None = None
        self.redirect_uris: list[str] = []
        self.codes: dict[str, Code] = {}
        self.requests: list[str] = []
        self._server = None
        self._thread: threading.Thread | None = None
        self.issuer = ""

    # -- who signs in ---------------------------------------------------------
    def sign_in_as(self, email: str, *, amr: list[str] | None = None, **claims: Any) -> None:
        """The identity the provider approves next."""
        self.identity = {"sub": f"sub-{email}", "email": email, "amr": amr or ["pwd"], **claims}

    # -- the server -----------------------------------------------------------
    def start(self) -> Provider:
        app = self._app()
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.issuer = f"http://{self.host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)

    def _app(self) -> Flask:
        provider = self
        app = Flask("oidc-provider")

        def query_client(client_id: str) -> Client | None:
            if client_id != provider.client_id:
                return None
            return Client(provider.client_id, provider.client_secret, provider.redirect_uris)

        server = AuthorizationServer(app, query_client=query_client, save_token=lambda token, req: None)

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]

            def save_authorization_code(self, code: str, req: Any) -> None:
                data = req.payload.data
                provider.codes[code] = Code(
                    code=code, client_id=req.client.client_id, redirect_uri=req.payload.redirect_uri,
                    scope=req.scope, nonce=data.get("nonce"), code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"), identity=dict(req.user),
                )

            def query_authorization_code(self, code: str, client: Client) -> Code | None:
                item = provider.codes.get(code)
                return item if item is not None and item.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code: Code) -> None:
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: Code) -> dict[str, Any]:
                return authorization_code.identity

        class IdToken(OpenIDCode):
            def exists_nonce(self, nonce: str, req: Any) -> bool:
                return any(code.nonce == nonce for code in provider.codes.values())

            def resolve_client_private_key(self, client: Client) -> RSAKey:
                return provider.signing_key

            def get_client_algorithm(self, client: Client) -> str:
                return "RS256"

            def get_encode_header(self, client: Client) -> dict[str, str]:
                return {"alg": "RS256", "kid": provider.signing_key.kid}

            def get_client_claims(self, client: Client) -> dict[str, Any]:
                return {"iss": provider.issuer, "aud": [client.client_id]}

            def generate_user_info(self, user: dict[str, Any], scope: str) -> UserInfo:
                claims = {k: v for k, v in user.items() if k != "amr"}
                return UserInfo({**claims, **provider.override})

        server.register_grant(CodeGrant, [IdToken(require_nonce=True), CodeChallenge(required=True)])

        @app.before_request
        def _log() -> None:
            provider.requests.append(request.path)

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify({
                "issuer": provider.issuer,
                "authorization_endpoint": f"{provider.issuer}/authorize",
                "token_endpoint": f"{provider.issuer}/token",
                "jwks_uri": f"{provider.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                "scopes_supported": ["openid", "email", "profile"],
            })

        @app.get("/jwks")
        def jwks():
            return jsonify({"keys": [provider.key.as_dict(private=False)]})

        @app.get("/authorize")
        def authorize():
            # No login page: the person the test chose has just signed in and consented.
            user = dict(provider.identity)
            try:
                grant = server.get_consent_grant(end_user=user)
            except OAuth2Error as error:
                return jsonify(error=error.error, error_description=error.description), 400
            return server.create_authorization_response(grant_user=user, grant=grant)

        @app.post("/token")
        def token():
            response = server.create_token_response()
            body = response.get_json(silent=True) or {}
            if provider.mangle is not None and "id_token" in body:
                body["id_token"] = provider.mangle(body["id_token"])
                response.set_data(json.dumps(body))
            return response

        return app
