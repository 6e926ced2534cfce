"""``cspr plugins [check]`` lists and checks the installed plugins; ``cspr plugin new`` scaffolds one."""

from __future__ import annotations

import json
from dataclasses import asdict

import click
from flask.cli import with_appcontext

from cspr.plugins import get_registry


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
@with_appcontext
def plugins(ctx: click.Context, as_json: bool) -> None:
    """List the installed partnership plugins: name, version, partnership, hooks, status."""
    if ctx.invoked_subcommand is not None:
        return
    infos = get_registry().infos
    if as_json:
        click.echo(json.dumps([asdict(i) for i in infos], indent=2))
        return
    if not infos:
        click.echo("No partnership plugin is installed.")
        return
    for info in infos:
        version = info.version or "-"
        click.echo(f"{info.name} {version}  partnership={info.partnership or '-'}  "
                   f"status={info.status}  dist={info.distribution or '-'}")
        if info.hooks:
            click.echo(f"    hooks: {', '.join(info.hooks)}")
        if info.error:
            click.echo(f"    error: {info.error}")


@plugins.command("check")
@with_appcontext
def plugins_check() -> None:
    """Check the installed plugins; exit 1 and say why if any is broken."""
    registry = get_registry()
    for policy in registry:
        click.echo(f"ok      {policy.plugin_name} ({policy.slug})")
    for error in registry.errors:
        click.echo(f"broken  {error.plugin}: {error.reason}")
    if registry.errors:
        raise SystemExit(1)
    if not registry.policies:
        denied = [i.name for i in registry.infos if i.status == "denied"]
        why = f" (installed but not allowed here: {', '.join(denied)})" if denied else ""
        click.echo(f"No partnership plugin is loaded{why}: install one (see docs/plugins.md) "
                   "or allow it with CSPR_PLUGINS_ALLOW.", err=True)
        raise SystemExit(1)


@click.command()
@click.option("--partnership", "slug", default=None,
              help="Also the local themes of this partnership's plugin.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of one theme a line.")
@with_appcontext
def themes(slug: str | None, as_json: bool) -> None:
    """The learning themes a review may be tagged with: the national ones, or a partnership's whole list.

    A plugin's cspr_themes adds local themes to the national ones; its demo content and its
    reviews may use any theme this prints.
    """
    from cspr.defaults import NATIONAL_THEMES

    if slug is None:
        listed = [{"theme": t, "source": "national"} for t in NATIONAL_THEMES]
    else:
        registry = get_registry()
        if slug not in registry.policies:
            known = ", ".join(sorted(registry.policies)) or "none is loaded"
            raise click.ClickException(f"no loaded partnership is called '{slug}' (loaded: {known})")
        listed = [{"theme": t, "source": "national" if t in NATIONAL_THEMES else "local"}
                  for t in registry.policy(slug).themes]
    if as_json:
        click.echo(json.dumps(listed, indent=2))
        return
    for item in listed:
        click.echo(item["theme"] + ("  (local)" if item["source"] == "local" else ""))


@click.group()
def plugin() -> None:
    """Make a new partnership plugin."""


@plugin.command("new")
@click.argument("name")
@click.option("--directory", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Where to create cspr-NAME/ (outside the platform's repository).")
@click.option("--name", "title", default=None,
              help="The area's name as written, e.g. 'Kingston and Richmond' (default: made from NAME).")
def plugin_new(name: str, directory: str, title: str | None) -> None:
    """Scaffold cspr-NAME/: pyproject with the entry point, every hook, a passing test suite."""
    from pathlib import Path

    from cspr.cli.scaffold import ScaffoldError, new_plugin

    try:
        target = new_plugin(name, Path(directory), title)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {target}. Next: pip install -e {target} && (cd {target} && pytest)")
