"""`cspr plugins check` fails, and says why, when no partnership plugin loads at all."""

from __future__ import annotations

from tests.helpers import cspr, embedded_env


def test_plugins_check_fails_when_no_partnership_plugin_is_loaded(tmp_path):
    env = embedded_env(tmp_path, CSPR_PLUGINS_DENY="doncaster,plymouth,southampton,york")
    result = cspr("plugins", "check", env=env)
    assert result.returncode == 1
    assert "No partnership plugin is loaded" in result.stderr
    assert "installed but not allowed here: doncaster, plymouth, southampton, york" in result.stderr
    assert "ok " not in result.stdout
