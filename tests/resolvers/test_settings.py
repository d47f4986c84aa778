"""Settings read from the environment: the operator knobs of issue 9's limits."""

import pytest

from resolvers.settings import Settings, SettingsError


def test_per_ip_limits_and_socket_ttl_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "VOCALIA_AUTH_IP_LIMIT": "20/30",
            "VOCALIA_REGISTER_IP_LIMIT": " 3/600 ",
            "VOCALIA_AUTH_FAILURE_IP_LIMIT": "100/60",
            "VOCALIA_SOCKET_SLOT_TTL": "90",
        }
    )
    assert settings.auth_ip_limit == (20, 30)
    assert settings.register_ip_limit == (3, 600)
    assert settings.auth_failure_ip_limit == (100, 60)
    assert settings.socket_slot_ttl == 90.0


def test_defaults_hold_without_the_variables() -> None:
    settings = Settings.from_env({})
    assert settings.auth_ip_limit == Settings.auth_ip_limit
    assert settings.auth_failure_ip_limit == (30, 60)


@pytest.mark.parametrize("raw", ["10", "ten/60", "0/60", "10/0", "-1/60", "10/60/2", "10/"])
def test_a_malformed_limit_is_a_clear_error(raw: str) -> None:
    with pytest.raises(
        SettingsError, match="VOCALIA_AUTH_FAILURE_IP_LIMIT must be requests/seconds"
    ):
        Settings.from_env({"VOCALIA_AUTH_FAILURE_IP_LIMIT": raw})
