"""The OAuth2/OIDC machinery of the local provider, on authlib's server components.

Grants: authorization code (+PKCE, +OpenID id_token), resource-owner password,
client credentials, refresh token (rotating). Access tokens are RS256 JWTs with
Keycloak's claim shapes; signing is done by joserfc, never by hand.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from authlib.oidc.core import AuthorizationCodeMixin
from authlib.oidc.core.grants import OpenIDCode
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from casework_local.idp.claims import mapped_claims, scope_claim
from casework_local.idp.realm import Client, Realm, User

CODE_LIFESPAN_S = 60
REFRESH_LIFESPAN_S = 1800


def load_or_create_key(path: Path) -> RSAKey:
    """The realm's RS256 signing key, kept in the state dir so tokens survive a restart."""
    if path.exists():
        key = RSAKey.import_key(path.read_bytes())
    else:
        key = RSAKey.generate_key(2048, private=True)
        path.write_bytes(key.as_pem(private=True))
        path.chmod(0o600)
    key.ensure_kid()
    return key


@dataclass
class Session:
    """A login session (Keycloak's ``sid``)."""

    sid: str
    user: User
    auth_time: int

    @property
    def notes(self) -> dict[str, str]:
        """Keycloak's user-session notes that mappers read (AUTH_TIME for auth_time, acr)."""
        return {"AUTH_TIME": str(self.auth_time), "acr": "1"}


@dataclass
class SessionUser:
    """What authlib passes around as "the user": a user within a session."""

    user: User
    session: Session
    client_id: str = ""  # the client the session was opened for (code flow: used for the id_token)

    def get_user_id(self) -> str:
        return self.user.id


class OAuthClient(ClientMixin):
    def __init__(self, model: Client) -> None:
        self.model = model
        self.client_id = model.client_id

    def get_client_id(self) -> str:
        return self.model.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None  # Keycloak requires redirect_uri on every authorization request

    def get_allowed_scope(self, scope: str | None) -> str:
        known = {"openid", *self.model.default_scopes, *self.model.optional_scopes}
        return " ".join(s for s in (scope or "").split() if s in known)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return self.model.redirect_allowed(redirect_uri)

    def check_client_secret(self, client_secret: str) -> bool:
        return bool(self.model.secret) and hmac.compare_digest(self.model.secret.encode(), client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.model.public:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and self.model.standard_flow

    def check_grant_type(self, grant_type: str) -> bool:
        allowed = {
            "authorization_code": self.model.standard_flow,
            "refresh_token": self.model.standard_flow or self.model.direct_access,
            "password": self.model.direct_access,
            "client_credentials": self.model.service_accounts,
        }
        return allowed.get(grant_type, False)


@dataclass
class AuthCode(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    session: Session
    expires_at: float

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.session.auth_time


@dataclass
class RefreshToken(TokenMixin):
    token: str
    client_id: str
    scope: str
    session: Session
    expires_at: float
    revoked: bool = False

    def check_client(self, client: OAuthClient) -> bool:
        return self.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return int(self.expires_at - time.time())

    def is_expired(self) -> bool:
        return time.time() > self.expires_at

    def is_revoked(self) -> bool:
        return self.revoked


@dataclass
class Store:
    """In-memory codes, sessions and refresh tokens (lost on restart, like a Keycloak node's cache)."""

    codes: dict[str, AuthCode] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def new_session(self, user: User) -> Session:
        session = Session(sid=str(uuid.uuid4()), user=user, auth_time=int(time.time()))
        with self.lock:
            self.sessions[session.sid] = session
        return session

    def end_sessions_of(self, user: User) -> None:
        """Log a user out everywhere (Keycloak does so when an admin disables the account)."""
        with self.lock:
            sids = [sid for sid, session in self.sessions.items() if session.user is user]
        for sid in sids:
            self.end_session(sid)

    def end_session(self, sid: str) -> None:
        with self.lock:
            self.sessions.pop(sid, None)
            for token in self.refresh_tokens.values():
                if token.session.sid == sid:
                    token.revoked = True


class Provider:
    """Everything the Flask views need: realm, key, store and the authlib server."""

    def __init__(self, realm: Realm, key: RSAKey, issuer: str) -> None:
        self.realm = realm
        self.key = key
        self.issuer = issuer.rstrip("/")
        self.store = Store()
        self.server = AuthorizationServer(query_client=self.query_client, save_token=self.save_token)

    # -- authlib hooks -------------------------------------------------------

    def query_client(self, client_id: str) -> OAuthClient | None:
        model = self.realm.clients.get(client_id)
        return OAuthClient(model) if model else None

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        refresh = token.get("refresh_token")
        if not refresh:
            return
        session = request.user.session if isinstance(request.user, SessionUser) else None
        if session is None:
            return
        with self.store.lock:
            self.store.refresh_tokens[refresh] = RefreshToken(
                token=refresh,
                client_id=request.client.get_client_id(),
                scope=token.get("scope", ""),
                session=session,
                expires_at=time.time() + REFRESH_LIFESPAN_S,
            )

    # -- helpers for views and grants ----------------------------------------

    def authenticate(self, username: str, password: str) -> User | None:
        user = self.realm.users.get(username) or next(
            (u for u in self.realm.users.values() if u.email and u.email == username), None
        )
        if user is None or not user.enabled or user.password is None or user.service_account_client:
            return None
        if not hmac.compare_digest(user.password.encode(), password.encode()):
            return None
        return user

    @staticmethod
    def account_ready(user: User) -> bool:
        """False while required actions (verify email, set password, configure OTP...) are pending.

        Keycloak then walks the person through those actions in the browser and refuses the password
        grant ("Account is not fully set up"); the local provider has no pages for them, so both refuse.
        """
        return not user.required_actions

    def jwks(self) -> dict[str, Any]:
        return KeySet([self.key]).as_dict(private=False)

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode({"alg": "RS256", "typ": "JWT", "kid": self.key.kid}, claims, self.key, algorithms=["RS256"])

    def decode_access_token(self, token: str) -> dict[str, Any] | None:
        """Claims of a token this provider issued and that is still valid, else None."""
        try:
            decoded = jwt.decode(token, self.key, algorithms=["RS256"])
        except Exception:  # noqa: BLE001 - any failure means "not a valid token of ours"
            return None
        claims = decoded.claims
        if claims.get("iss") != self.issuer or claims.get("exp", 0) < time.time():
            return None
        return dict(claims)

    def user_claims(
        self, client: Client, user: User, token: str, scope: str | None = None, notes: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """Claims the realm's protocol mappers give ``user`` in ``token`` for ``client`` and ``scope``."""
        return mapped_claims(self.realm, client, user, token, scope, notes)


def build_server(provider: Provider) -> AuthorizationServer:
    """Register grants and the Keycloak-shaped JWT token generator on the authlib server."""
    store = provider.store

    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

        def save_authorization_code(self, code: str, request: Any) -> None:
            data = request.payload.data
            with store.lock:
                store.codes[code] = AuthCode(
                    code=code,
                    client_id=request.client.get_client_id(),
                    redirect_uri=request.payload.redirect_uri,
                    scope=request.payload.scope or "",
                    nonce=data.get("nonce"),
                    code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"),
                    session=request.user.session,
                    expires_at=time.time() + CODE_LIFESPAN_S,
                )

        def query_authorization_code(self, code: str, client: OAuthClient) -> AuthCode | None:
            with store.lock:
                item = store.codes.get(code)
            if item and item.client_id == client.get_client_id() and time.time() < item.expires_at:
                return item
            return None

        def delete_authorization_code(self, authorization_code: AuthCode) -> None:
            with store.lock:
                store.codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code: AuthCode) -> SessionUser | None:
            if authorization_code.session.sid not in store.sessions:
                return None  # logged out in between
            return SessionUser(
                authorization_code.session.user, authorization_code.session, authorization_code.client_id
            )

    class PasswordGrant(grants.ResourceOwnerPasswordCredentialsGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

        def authenticate_user(self, username: str, password: str) -> SessionUser | None:
            user = provider.authenticate(username, password)
            if user is None:
                return None
            if not provider.account_ready(user):
                raise InvalidGrantError("Account is not fully set up")
            return SessionUser(user, store.new_session(user))

    class RefreshGrant(grants.RefreshTokenGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
        INCLUDE_NEW_REFRESH_TOKEN = True

        def authenticate_refresh_token(self, refresh_token: str) -> RefreshToken | None:
            with store.lock:
                item = store.refresh_tokens.get(refresh_token)
            if item and not item.is_revoked() and not item.is_expired() and item.session.sid in store.sessions:
                return item
            return None

        def authenticate_user(self, refresh_token: RefreshToken) -> SessionUser:
            return SessionUser(refresh_token.session.user, refresh_token.session, refresh_token.client_id)

        def revoke_old_credential(self, refresh_token: RefreshToken) -> None:
            refresh_token.revoked = True

    class KeycloakCodeChallenge(CodeChallenge):
        """PKCE, mandatory for clients whose realm entry sets pkce.code.challenge.method."""

        def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
            method = grant.request.client.model.pkce_method
            if method and not grant.request.payload.data.get("code_challenge"):
                raise InvalidRequestError("Missing parameter: code_challenge")
            if method and grant.request.payload.data.get("code_challenge_method") != method:
                raise InvalidRequestError("Invalid parameter: code challenge method is not matching the configured one")
            super().validate_code_challenge(grant, redirect_uri)

    class IdToken(OpenIDCode):
        def exists_nonce(self, nonce: str, request: Any) -> bool:
            return False

        def resolve_client_private_key(self, client: OAuthClient) -> RSAKey:
            return provider.key

        def get_client_algorithm(self, client: OAuthClient) -> str:
            return "RS256"

        def get_client_claims(self, client: OAuthClient) -> dict[str, Any]:
            now = int(time.time())
            return {
                "iss": provider.issuer,
                "aud": [client.get_client_id()],
                "exp": now + 300,
                "typ": "ID",
                "azp": client.get_client_id(),
            }

        def get_encode_header(self, client: OAuthClient) -> dict[str, str]:
            return {"alg": "RS256", "typ": "JWT", "kid": provider.key.kid}

        def generate_user_info(self, user: SessionUser, scope: str) -> dict[str, Any]:
            client = provider.realm.clients[user.client_id]
            claims = provider.user_claims(client, user.user, "id", scope, user.session.notes)
            claims.pop("aud", None)  # an ID token's audience is the client (get_client_claims)
            # OpenID Connect requires sub in the ID token: Keycloak sets it there without a mapper.
            return {**claims, "sub": user.user.id, "sid": user.session.sid}

    class KeycloakTokens(JWTBearerTokenGenerator):
        """Access tokens with Keycloak's claims: realm_access, resource_access, azp, sid, typ…"""

        def get_jwks(self) -> KeySet:
            return KeySet([provider.key])

        def access_token_generator(self, client: OAuthClient, grant_type: str, user: Any, scope: str) -> str:
            model = client.model
            if isinstance(user, SessionUser):
                subject, sid, notes = user.user, user.session.sid, user.session.notes
            else:  # client credentials: the client's service-account user, in a transient session
                subject = provider.realm.service_account(model.client_id)
                if subject is None:
                    raise InvalidRequestError("Client has no service account")
                sid = None
                notes = {"client_id": model.client_id, "clientHost": "127.0.0.1", "clientAddress": "127.0.0.1"}
            now = int(time.time())
            # Only protocol claims here; everything about the user comes from the realm's mappers.
            token: dict[str, Any] = {
                "exp": now + self._get_expires_in(client, grant_type),
                "iat": now,
                "jti": str(uuid.uuid4()),
                "iss": provider.issuer,
                "typ": "Bearer",
                "azp": model.client_id,
                **({"sid": sid} if sid else {}),
                "scope": scope_claim(provider.realm, model, scope),
                **provider.user_claims(model, subject, "access", scope, notes),
            }
            return provider.sign(token)

    class ServiceAccountGrant(grants.ClientCredentialsGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def expires_in(client: OAuthClient, grant_type: str) -> int:
        return client.model.access_token_lifespan or provider.realm.access_token_lifespan

    server = provider.server
    server.register_grant(CodeGrant, [KeycloakCodeChallenge(required=True), IdToken(require_nonce=False)])
    server.register_grant(PasswordGrant)
    server.register_grant(ServiceAccountGrant)
    server.register_grant(RefreshGrant)
    generator = KeycloakTokens(
        issuer=provider.issuer,
        refresh_token_generator=lambda **_: secrets.token_urlsafe(48),
        expires_generator=expires_in,
    )
    server.register_token_generator("default", generator)
    return server
