"""A local OpenID Connect provider with Keycloak's URL layout and token shapes.

Keycloak cannot be installed on the one-machine stack, so this serves the same realm
(deploy/keycloak/casework-realm.json) for development, CI and pilots. Services treat
it exactly like Keycloak: discovery, JWKS, RS256 access tokens.
"""
