"""A plugin whose cspr_register_tasks raises is quarantined and reported; the other partnerships serve."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from cspr import cli as cli_module
from cspr import create_app, hookimpl
from cspr.cli import cli
from cspr.db import get_db, migrate
from cspr.partnerships import services as partnerships
from cspr.plugins import PluginsFailed
from tests.plugin_kit import Minimal, plugin_with


def breaks_while_registering(celery):
    @celery.task(name="riverside.digest", shared=False)
    def digest():
        return "digest"

    celery.conf.beat_schedule["riverside-digest"] = {"task": "riverside.digest", "schedule": 60.0}
    raise RuntimeError("the digest queue is not configured")


def registers(celery):
    @celery.task(name="lakeside.count", shared=False)
    def count():
        return "counted"

    celery.conf.beat_schedule["lakeside-count"] = {"task": "lakeside.count", "schedule": 60.0}


def plugins() -> list:
    return [("riverside", plugin_with(cspr_register_tasks=breaks_while_registering)),
            ("lakeside", plugin_with(Minimal("lakeside", "Lakeside Safeguarding Partnership"),
                                     cspr_register_tasks=registers))]


def settings(tmp_path, **more) -> dict:
    return {"INSTANCE_PATH": str(tmp_path / "instance"), "EXTRA_PLUGINS": plugins(), **more}


def test_a_plugin_raising_in_register_tasks_is_reported_and_the_others_serve(tmp_path):
    app = create_app(settings(tmp_path))  # start-up goes on
    registry = app.extensions["cspr.plugins"]
    assert "riverside" not in registry.policies
    assert {"lakeside", "york", "doncaster", "plymouth", "southampton"} <= set(registry.policies)
    (error,) = registry.errors
    assert str(error) == ("plugin 'riverside': cspr_register_tasks raised RuntimeError: "
                          "the digest queue is not configured")

    celery = app.extensions["celery"]
    assert "riverside-digest" not in celery.conf.beat_schedule  # the clock never fires its tasks
    assert "lakeside-count" in celery.conf.beat_schedule
    assert celery.tasks["lakeside.count"].apply().get() == "counted"
    assert "cspr.tasks.clock.sweep" in celery.tasks

    with app.app_context():
        database = get_db()
        migrate.upgrade(database.engine)
        with database.session_scope() as session:
            partnerships.sync(session, registry)
    client = app.test_client()
    assert client.get("/lakeside/").status_code == 200
    assert client.get("/york/").status_code == 200
    assert client.get("/riverside/").status_code == 404

    health = client.get("/healthz").get_json()["checks"]["plugins"]
    assert health["ok"] is False
    assert health["broken"] == [str(error)]
    assert "lakeside" in health["loaded"] and "riverside" not in health["loaded"]

    def run(*args: str):
        return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))

    listed = run("plugins")
    assert listed.exit_code == 0, listed.output
    assert "riverside -  partnership=-  status=broken" in listed.output
    assert "error: cspr_register_tasks raised RuntimeError: the digest queue is not configured" \
        in listed.output
    assert "lakeside -  partnership=lakeside  status=loaded" in listed.output
    infos = {i["name"]: i for i in json.loads(run("plugins", "--json").output)}
    assert infos["riverside"]["status"] == "broken"
    assert infos["riverside"]["partnership"] is None
    assert "cspr_register_tasks raised RuntimeError" in infos["riverside"]["error"]
    assert infos["lakeside"]["status"] == "loaded"
    check = run("plugins", "check")
    assert check.exit_code == 1
    assert "broken  riverside: cspr_register_tasks raised RuntimeError" in check.output
    assert "ok      lakeside (lakeside)" in check.output


def test_with_plugins_strict_a_plugin_raising_in_register_tasks_stops_start_up(tmp_path, monkeypatch):
    with pytest.raises(PluginsFailed, match="plugin 'riverside': cspr_register_tasks raised RuntimeError"):
        create_app(settings(tmp_path, PLUGINS_STRICT=True))

    # the CLI says why and exits non-zero, as for a plugin that fails to load
    monkeypatch.setattr(cli_module, "create_app",
                        lambda **kw: create_app(settings(tmp_path, PLUGINS_STRICT=True), **kw))
    result = CliRunner().invoke(cli, ["plugins"], obj=ScriptInfo(create_app=cli_module._make_app))
    assert result.exit_code == 1
    assert "plugins failed to load (CSPR_PLUGINS_STRICT is on)" in result.output
    assert "plugin 'riverside': cspr_register_tasks raised RuntimeError" in result.output


def test_register_tasks_is_called_through_pluggy_like_every_hook(tmp_path):
    """A hook implementation named by ``specname`` is found, as pluggy finds any other hook's."""

    class Riverside(Minimal):
        @hookimpl(specname="cspr_register_tasks")
        def add_the_digest(self, celery):
            @celery.task(name="riverside.digest", shared=False)
            def digest():
                return "digest"

    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"),
                      "EXTRA_PLUGINS": [("riverside", Riverside())]})
    assert app.extensions["celery"].tasks["riverside.digest"].apply().get() == "digest"
    info = next(i for i in app.extensions["cspr.plugins"].infos if i.name == "riverside")
    assert "cspr_register_tasks" in info.hooks and info.status == "loaded"
