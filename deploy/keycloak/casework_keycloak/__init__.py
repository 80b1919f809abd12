"""The casework realm as code.

``realmfile`` reads deploy/keycloak/casework-realm.json (+ the dev overlay, for the local stack
and tests only), resolving ``${VAR}`` placeholders as Keycloak's import does. ``apply`` brings a
running Keycloak in line with that file; ``provision`` creates, moves and disables people from a
membership export. Both talk to Keycloak only through python-keycloak's admin API, so the same
code runs against Keycloak and against the local provider.
"""
