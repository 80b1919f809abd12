"""The local OpenID Connect provider keeps Keycloak's contract: URL layout, grants, token shapes."""

from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from harness import Platform

pytestmark = pytest.mark.stack


def discovery(platform: Platform) -> dict[str, Any]:
    return requests.get(f"{platform.config.issuer}/.well-known/openid-configuration", timeout=5).json()


def verify(platform: Platform, token: str, audience: str) -> dict[str, Any]:
    keys = jwt.PyJWKClient(discovery(platform)["jwks_uri"])
    return jwt.decode(
        token,
        keys.get_signing_key_from_jwt(token).key,
        algorithms=["RS256"],
        audience=audience,
        issuer=platform.config.issuer,
    )


def browser_login(
    platform: Platform, username: str, password: str | None = None, **auth_params: str
) -> requests.Response:
    """Follow the authorization endpoint's login form like a browser; return the final redirect."""
    browser = requests.Session()
    form = browser.get(discovery(platform)["authorization_endpoint"], params=auth_params, timeout=5)
    if form.status_code != 200 or "<form" not in form.text:
        return form
    action = re.search(r'action="([^"]+)"', form.text).group(1).replace("&amp;", "&")
    return browser.post(
        platform.url("idp") + action,
        allow_redirects=False,
        timeout=5,
        data={"username": username, "password": password or platform.config.secrets.demo_password},
    )


def test_discovery_serves_keycloaks_layout(platform: Platform) -> None:
    doc = discovery(platform)
    base = f"{platform.config.issuer}/protocol/openid-connect"
    assert doc["issuer"] == platform.config.issuer and doc["issuer"].endswith("/realms/casework")
    assert doc["token_endpoint"] == f"{base}/token"
    assert doc["jwks_uri"] == f"{base}/certs"
    assert doc["authorization_endpoint"] == f"{base}/auth"
    assert doc["end_session_endpoint"] == f"{base}/logout"
    assert {"openid", "basic", "roles", "profile", "email", "casework-api"} <= set(doc["scopes_supported"])
    keys = requests.get(doc["jwks_uri"], timeout=5).json()["keys"]
    assert keys and all(k["kty"] == "RSA" and "d" not in k and k.get("kid") for k in keys)


def test_password_grant_gives_keycloak_shaped_rs256_tokens(platform: Platform) -> None:
    token = platform.token("rachel")
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    claims = verify(platform, token, "casework-api")
    assert claims["preferred_username"] == "rachel"
    assert "rep" in claims["realm_access"]["roles"]
    assert claims["branch"] == "north-london" and claims["region"] == "london"
    assert claims["azp"] == "casework-dev" and claims["typ"] == "Bearer" and claims["sub"]
    assert claims["email"] == "rachel@union.example.org"
    member = verify(platform, platform.token("maria"), "casework-api")
    assert member["membership_number"] == "M100001" and "member" in member["realm_access"]["roles"]


def test_wrong_password_is_refused(platform: Platform) -> None:
    response = requests.post(
        f"{platform.config.issuer}/protocol/openid-connect/token",
        data={"grant_type": "password", "client_id": "casework-dev", "username": "rachel", "password": "wrong"},
        timeout=5,
    )
    assert response.status_code == 400 and "access_token" not in response.text
    wrong_client = requests.post(
        f"{platform.config.issuer}/protocol/openid-connect/token",
        data={"grant_type": "password", "username": "rachel", "password": platform.config.secrets.demo_password},
        auth=("casework-portal", "not-the-secret"),
        timeout=5,
    )
    assert wrong_client.status_code == 401


def test_the_portal_client_refuses_the_password_grant(platform: Platform) -> None:
    """Production's portal client signs people in through the browser only (code + PKCE)."""
    response = requests.post(
        f"{platform.config.issuer}/protocol/openid-connect/token",
        data={"grant_type": "password", "username": "rachel", "password": platform.config.secrets.demo_password},
        auth=("casework-portal", platform.config.secrets.portal_client_secret),
        timeout=5,
    )
    assert response.status_code in (400, 401) and response.json()["error"] == "unauthorized_client"


def test_client_credentials_give_a_service_account_token(platform: Platform) -> None:
    claims = verify(platform, platform.service_token(), "casework-api")
    assert claims["preferred_username"] == "service-account-casework-services"
    assert "service" in claims["realm_access"]["roles"]
    assert claims["resource_access"]["realm-management"]["roles"] == ["view-users"]
    assert claims["client_id"] == "casework-services" and "sid" not in claims


def test_authorization_code_with_pkce_refresh_and_logout(platform: Platform) -> None:
    redirect_uri = f"{platform.url('portal')}/auth/callback"
    verifier, nonce, state = generate_token(48), secrets.token_hex(8), secrets.token_hex(8)
    redirect = browser_login(
        platform,
        "maria",
        response_type="code",
        client_id="casework-portal",
        redirect_uri=redirect_uri,
        scope="openid profile email",
        state=state,
        nonce=nonce,
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
    )
    assert redirect.status_code == 302
    params = parse_qs(urlparse(redirect.headers["Location"]).query)
    assert params["state"] == [state]
    client = OAuth2Session("casework-portal", platform.config.secrets.portal_client_secret)
    token_endpoint = discovery(platform)["token_endpoint"]

    # A wrong verifier does not redeem the code.
    with pytest.raises(Exception, match=r"invalid_grant|challenge"):
        client.fetch_token(
            token_endpoint,
            grant_type="authorization_code",
            code=params["code"][0],
            redirect_uri=redirect_uri,
            code_verifier=generate_token(48),
        )
    token = client.fetch_token(
        token_endpoint,
        grant_type="authorization_code",
        code=params["code"][0],
        redirect_uri=redirect_uri,
        code_verifier=verifier,
    )
    id_token = verify(platform, token["id_token"], "casework-portal")
    assert id_token["nonce"] == nonce and id_token["preferred_username"] == "maria"
    assert id_token["sub"] == verify(platform, token["access_token"], "casework-api")["sub"]
    assert token["scope"].split()[0] == "openid"
    userinfo = requests.get(
        discovery(platform)["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=5,
    ).json()
    assert userinfo["sub"] == id_token["sub"] and userinfo["branch"] == "north-london"
    assert "realm_access" not in userinfo  # the roles mappers write to the access token only
    assert verify(platform, token["access_token"], "casework-api")["sid"] == id_token["sid"]

    # Refresh rotates: the new refresh token works, the old one no longer does.
    refreshed = client.fetch_token(token_endpoint, grant_type="refresh_token", refresh_token=token["refresh_token"])
    assert verify(platform, refreshed["access_token"], "casework-api")["preferred_username"] == "maria"
    with pytest.raises(Exception, match="invalid_grant"):
        client.fetch_token(token_endpoint, grant_type="refresh_token", refresh_token=token["refresh_token"])

    # Logout ends the session at the provider: its refresh tokens die with it.
    logout = requests.get(
        discovery(platform)["end_session_endpoint"],
        allow_redirects=False,
        timeout=5,
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": f"{platform.url('portal')}/",
            "client_id": "casework-portal",
        },
    )
    assert logout.status_code == 302 and logout.headers["Location"] == f"{platform.url('portal')}/"
    with pytest.raises(Exception, match="invalid_grant"):
        client.fetch_token(token_endpoint, grant_type="refresh_token", refresh_token=refreshed["refresh_token"])


def test_pkce_is_required_and_redirects_are_checked(platform: Platform) -> None:
    base = {"response_type": "code", "client_id": "casework-portal", "scope": "openid"}
    no_pkce = requests.get(
        discovery(platform)["authorization_endpoint"],
        timeout=5,
        params={**base, "redirect_uri": f"{platform.url('portal')}/auth/callback"},
    )
    assert no_pkce.status_code == 400 and "code_challenge" in no_pkce.text
    elsewhere = requests.get(
        discovery(platform)["authorization_endpoint"],
        timeout=5,
        params={
            **base,
            "redirect_uri": "https://evil.example.org/cb",
            "code_challenge": "x" * 43,
            "code_challenge_method": "S256",
        },
    )
    assert elsewhere.status_code == 400
    bad_password = browser_login(
        platform,
        "maria",
        password="wrong",
        **base,
        redirect_uri=f"{platform.url('portal')}/auth/callback",
        code_challenge=create_s256_code_challenge(generate_token(48)),
        code_challenge_method="S256",
    )
    assert bad_password.status_code == 401 and "Location" not in bad_password.headers


def test_admin_user_lookup_needs_the_view_users_role(platform: Platform) -> None:
    url = f"{platform.url('idp')}/admin/realms/casework/users"
    found = requests.get(
        url,
        params={"username": "rachel", "exact": "true"},
        timeout=5,
        headers={"Authorization": f"Bearer {platform.service_token()}"},
    )
    assert found.status_code == 200
    assert [u["email"] for u in found.json()] == ["rachel@union.example.org"]
    assert (
        requests.get(url, timeout=5, headers={"Authorization": f"Bearer {platform.token('rachel')}"}).status_code == 403
    )
    assert requests.get(url, timeout=5).status_code == 401
