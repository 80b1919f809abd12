"""Bearer-token validation against a JWKS served over real HTTP by the test."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from casework_common import auth
from casework_common.auth import AuthError, Principal, TokenValidator, bearer_token

KID = "test-key"


@pytest.fixture(scope="module")
def keys() -> tuple[Any, Any]:
    return (
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
    )


@pytest.fixture(scope="module")
def issuer(keys: tuple[Any, Any]) -> Iterator[str]:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(keys[0].public_key()))
    documents: dict[str, Any] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(documents[self.path]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_port}/realms/casework"
    documents["/realms/casework/.well-known/openid-configuration"] = {"issuer": base, "jwks_uri": f"{base}/certs"}
    documents["/realms/casework/certs"] = {"keys": [{**public, "kid": KID, "alg": "RS256", "use": "sig"}]}
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield base
    server.shutdown()


def claims(issuer: str, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": issuer,
        "sub": "u1",
        "aud": "casework-api",
        "exp": now + 300,
        "iat": now,
        "preferred_username": "rachel",
        "realm_access": {"roles": ["rep", "offline_access"]},
        "branch": "north-london",
        "region": "london",
    }
    base.update(changes)
    return base


def sign(key: Any, payload: dict[str, Any], alg: str = "RS256") -> str:
    return jwt.encode(payload, key, algorithm=alg, headers={"kid": KID})


def test_a_valid_token_yields_its_principal(keys: tuple[Any, Any], issuer: str) -> None:
    caller = TokenValidator(issuer, "casework-api").validate(sign(keys[0], claims(issuer)))
    assert caller.username == "rachel" and caller.branch == "north-london"
    assert caller.has("rep") and not caller.has("member") and caller.primary_role == "rep"


@pytest.mark.parametrize(
    "label,changes",
    [
        ("expired", {"exp": 1_700_000_000}),
        ("wrong audience", {"aud": "account"}),
        ("wrong issuer", {"iss": "https://evil.example.org/realms/casework"}),
    ],
)
def test_bad_claims_are_refused(keys: tuple[Any, Any], issuer: str, label: str, changes: dict[str, Any]) -> None:
    with pytest.raises(AuthError):
        TokenValidator(issuer, "casework-api").validate(sign(keys[0], claims(issuer, **changes)))


def test_signature_must_come_from_the_realm_key(keys: tuple[Any, Any], issuer: str) -> None:
    validator = TokenValidator(issuer, "casework-api")
    with pytest.raises(AuthError):
        validator.validate(sign(keys[1], claims(issuer)))
    with pytest.raises(AuthError):  # symmetric algorithms are never accepted
        validator.validate(
            jwt.encode(claims(issuer), "secret-long-enough-for-hs256-tests!!", algorithm="HS256", headers={"kid": KID})
        )
    with pytest.raises(AuthError):
        validator.validate("")


def test_service_role_and_bearer_parsing() -> None:
    service = Principal.from_claims({"sub": "s", "realm_access": {"roles": ["service"]}})
    assert service.is_service and service.username == "s"
    assert bearer_token("Bearer abc") == "abc" and bearer_token("Basic abc") == "" and bearer_token(None) == ""


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tokens PyJWT decodes (verifies), in order."""
    seen: list[str] = []
    real_decode = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda token, *a, **kw: seen.append(token) or real_decode(token, *a, **kw))
    return seen


def test_a_token_is_verified_once_while_remembered(keys: tuple[Any, Any], issuer: str, decoded: list[str]) -> None:
    validator = TokenValidator(issuer, "casework-api")
    token, other = sign(keys[0], claims(issuer)), sign(keys[0], claims(issuer, sub="u2"))
    assert validator.validate(token) == validator.validate(token)
    assert validator.validate(other).subject == "u2"
    assert decoded == [token, other]
    with pytest.raises(AuthError):  # a remembered token's principal is not lent to a forged one
        validator.validate(sign(keys[1], claims(issuer)))


def test_a_remembered_token_is_refused_once_it_expires(keys: tuple[Any, Any], issuer: str) -> None:
    validator = TokenValidator(issuer, "casework-api")
    token = sign(keys[0], claims(issuer, exp=int(time.time()) + 2))
    assert validator.validate(token).username == "rachel"
    time.sleep(3)
    with pytest.raises(AuthError, match="expired"):
        validator.validate(token)


def test_tokens_are_remembered_only_so_long_and_so_many(
    keys: tuple[Any, Any], issuer: str, decoded: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = sign(keys[0], claims(issuer)), sign(keys[0], claims(issuer, sub="u2"))
    monkeypatch.setattr(auth, "REMEMBERED_TOKENS", 1)
    validator = TokenValidator(issuer, "casework-api")
    validator.validate(first), validator.validate(second), validator.validate(first)
    assert decoded == [first, second, first]  # the second pushed the first out
    monkeypatch.setattr(auth, "REMEMBER_FOR_S", 0.0)
    decoded.clear()
    validator.validate(second), validator.validate(second)
    assert decoded == [second, second]  # remembered for no time at all
