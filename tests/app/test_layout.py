"""The core's layout, read from its files: the frame at the top, one package per domain, templates in their domain.

One ``publish`` is checked by tests/test_one_publish.py, one module of role sets by tests/test_permissions.py.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from cspr.app import template_folders

CORE = Path(__file__).resolve().parents[2] / "core"

#: The frame and the plugin API, the only modules directly in core/ (ARCHITECTURE.md).
TOP = {"__init__", "__main__", "app", "calendar", "config", "defaults", "hookspecs", "logs", "plugins",
       "testing", "wsgi"}
DOMAINS = {"accounts", "actions", "archive", "audit", "cases", "chronology", "deadlines", "documents",
           "imports", "messaging", "operations", "partnerships", "proceedings", "publication", "records", "reporting",
           "returns", "reviews"}
FRAME = {"cli", "db", "services", "tasks", "web", "static"}


def test_core_holds_the_frame_and_one_package_per_domain():
    modules = {p.stem for p in CORE.glob("*.py")}
    assert modules == TOP and len(modules) <= 12
    folders = {p.name for p in CORE.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))}
    assert folders == DOMAINS | FRAME
    for name in DOMAINS:
        assert (CORE / name / "__init__.py").read_text().startswith('"""'), name  # says what it holds


def test_every_template_lives_in_one_place():
    names = Counter(str(p.relative_to(folder)) for folder in template_folders()
                    for p in folder.rglob("*") if p.is_file())
    assert names and [n for n, count in names.items() if count > 1] == []
    assert "base.html" in names and "staff/incident.html" in names
    assert all(folder.parent.name in DOMAINS | {"web"} for folder in template_folders())


def test_each_cspr_command_group_is_one_module_of_the_cli_package():
    from cspr.cli import cli

    homes = {name: command.callback.__module__ for name, command in cli.commands.items()}
    assert homes == {
        "db": "cspr.cli.db", "plugins": "cspr.cli.plugins", "plugin": "cspr.cli.plugins",
        "partnership": "cspr.cli.partnerships", "demo": "cspr.cli.demo", "users": "cspr.cli.users",
        "tokens": "cspr.cli.tokens", "archive": "cspr.cli.archive", "audit": "cspr.cli.audit",
        "worker": "cspr.cli.workers", "beat": "cspr.cli.workers", "up": "cspr.cli.workers",
        "holds": "cspr.cli.records", "retention": "cspr.cli.records", "figures": "cspr.cli.figures",
        "themes": "cspr.cli.plugins", "import": "cspr.cli.imports",
    }
    # a group's commands live with it (the root, cspr.cli, holds only the root group)
    strays = [f"{name} {sub}: {command.commands[sub].callback.__module__}"
              for name, command in cli.commands.items() for sub in getattr(command, "commands", {})
              if command.commands[sub].callback.__module__ != homes[name]]
    assert strays == [] and cli.callback.__module__ == "cspr.cli"


def test_pyproject_lists_every_package_of_the_core():
    """A wheel (not an editable install) ships only the packages pyproject.toml lists."""
    import tomllib

    listed = set(tomllib.loads((CORE.parent / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    packages = {".".join(["cspr", *p.parent.relative_to(CORE).parts]) for p in CORE.rglob("__init__.py")}
    assert packages - listed == set()
