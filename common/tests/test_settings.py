"""Settings come from CASEWORK_* environment variables, typed and validated."""

import pytest
from pydantic import ValidationError

from casework_common.settings import DatabaseSettings, OidcSettings


def test_values_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEWORK_OIDC_ISSUER", "https://id.example.org/realms/casework")
    monkeypatch.setenv("CASEWORK_OIDC_CLIENT_SECRET", "s3cret")
    settings = OidcSettings(service_name="x")
    assert settings.discovery_url == "https://id.example.org/realms/casework/.well-known/openid-configuration"
    assert "s3cret" not in repr(settings)


def test_missing_required_values_fail_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASEWORK_DATABASE_URL", raising=False)
    with pytest.raises(ValidationError):
        DatabaseSettings(service_name="x", database_schema="x")
