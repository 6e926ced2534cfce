"""Configuration: defaults, a TOML file, then CSPR_* variables, with clear errors."""

from __future__ import annotations

import pytest

from cspr.config import ConfigError, load


def test_environment_overrides_file_and_defaults(tmp_path):
    file = tmp_path / "cspr.toml"
    file.write_text('database_url = "postgresql+psycopg://db/cspr"\nsweep_interval = 120\n')
    settings = load(environ={
        "CSPR_CONFIG": str(file), "CSPR_SWEEP_INTERVAL": "60",
        "CSPR_PLUGINS_DENY": "york, plymouth", "CSPR_PLUGINS_STRICT": "yes",
    })
    assert settings["DATABASE_URL"] == "postgresql+psycopg://db/cspr"
    assert settings["SWEEP_INTERVAL"] == 60
    assert settings["PLUGINS_DENY"] == ["york", "plymouth"]
    assert settings["PLUGINS_STRICT"] is True


@pytest.mark.parametrize("environ, message", [
    ({"CSPR_PLUGINS_STRICT": "perhaps"}, "CSPR_PLUGINS_STRICT: expected true or false"),
    ({"CSPR_SWEEP_INTERVAL": "often"}, "CSPR_SWEEP_INTERVAL"),
    ({"CSPR_CONFIG": "/nonexistent/cspr.toml"}, "not a file"),
])
def test_bad_settings_are_refused_with_the_reason(environ, message):
    with pytest.raises(ConfigError, match=message):
        load(environ=environ)


def test_a_malformed_file_is_refused(tmp_path):
    file = tmp_path / "bad.toml"
    file.write_text("database_url = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load(environ={"CSPR_CONFIG": str(file)})
