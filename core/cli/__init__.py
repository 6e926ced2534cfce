"""The ``cspr`` command: set-up, demo data, users, plugins, workers and the all-in-one ``up``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import asdict

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo, with_appcontext

from cspr import __version__
from cspr.app import create_app
from cspr.config import ConfigError
from cspr.db import get_db, migrate
from cspr.plugins import PluginsFailed, get_registry


def _make_app() -> Flask:
    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from exc
    except PluginsFailed as exc:
        lines = "\n".join(f"  - {e}" for e in exc.errors)
        raise click.ClickException(
            f"plugins failed to load (CSPR_PLUGINS_STRICT is on):\n{lines}"
        ) from exc


@click.group()
@click.version_option(__version__, prog_name="cspr")
def cli() -> None:
    """Run Child Safeguarding Practice Reviews for many partnerships on one deployment.

    Settings come from CSPR_* environment variables (e.g. CSPR_DATABASE_URL,
    CSPR_BROKER_URL) or a TOML file named by CSPR_CONFIG.
    """


def main() -> None:
    """The console entry point."""
    cli(obj=ScriptInfo(create_app=_make_app, set_debug_flag=False))


# -- database -----------------------------------------------------------------
@cli.group()
def db() -> None:
    """Create and migrate the database."""


def _migrate(revision: str = "head") -> tuple[int, str | None]:
    """Migrate and register the installed partnerships as the tables' owner.

    The owner is MIGRATION_DATABASE_URL when set, else DATABASE_URL; it does all of it,
    reading the revision too (the app role may not have its grants yet). Returns how many
    partnerships are registered and the revision the database is at.
    """
    from sqlalchemy.orm import Session

    from cspr.db import make_engine
    from cspr.partnerships import services as partnerships

    owner_url = current_app.config.get("MIGRATION_DATABASE_URL")
    engine = make_engine(owner_url) if owner_url else get_db().engine
    try:
        migrate.upgrade(engine, revision)
        with Session(engine) as session, session.begin():
            registered = len(partnerships.sync(session, get_registry()))
        return registered, migrate.current(engine)
    finally:
        if owner_url:
            engine.dispose()


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Migrate to this revision.")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Migrate the database to the latest schema and register the installed partnerships."""
    registered, at = _migrate(revision)
    click.echo(f"Database at {at}; {registered} partnership(s) registered.")


@db.command("check")
@with_appcontext
def db_check() -> None:
    """Fail if the models and the migrated database differ."""
    _require_schema(get_db())
    diffs = migrate.differences(get_db().engine)
    if diffs:
        for diff in diffs:
            click.echo(f"  {diff}", err=True)
        raise click.ClickException("the models and the migrations differ; write a migration")
    click.echo("The database matches the models.")
    engine = get_db().engine
    if engine.dialect.name == "postgresql":
        from cspr.db import rls

        with engine.connect() as conn:
            problems = rls.unprotected_tables(conn)
        if problems:
            for problem in problems:
                click.echo(f"  {problem}", err=True)
            raise click.ClickException("tenant tables without row-level security: protect them in a "
                                       "migration with rls.protect(table)")
        click.echo("Every tenant table has row-level security.")


@db.command("grant-app-role")
@click.argument("role")
@with_appcontext
def db_grant_app_role(role: str) -> None:
    """As the tables' owner, let ROLE (LOGIN NOBYPASSRLS, owning nothing) read and write rows, no more.

    Grants SELECT, INSERT, UPDATE, DELETE on every table and USAGE on sequences, now and
    for tables later migrations create. Run after `cspr db upgrade`, with the owner's
    MIGRATION_DATABASE_URL. Never TRUNCATE, ownership or BYPASSRLS.
    """
    from cspr.db import make_engine, rls

    engine = make_engine(current_app.config.get("MIGRATION_DATABASE_URL") or get_db().url)
    try:
        if engine.dialect.name != "postgresql":
            raise click.ClickException("application roles and row-level security need PostgreSQL")
        with engine.begin() as conn:
            statements = rls.grant_app_role(conn, role)
    except rls.GrantError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    for statement in statements:
        click.echo(f"  {statement}")
    click.echo(f"Role {role} may read and write rows under row-level security.")


# -- plugins ------------------------------------------------------------------
@cli.group(invoke_without_command=True)
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


@cli.group()
def partnership() -> None:
    """Enable or disable a partnership on this deployment; export it, or import one."""


def _set_enabled(slug: str, enabled: bool) -> None:
    from cspr.audit import events as audit
    from cspr.db.tenancy import acting_for
    from cspr.partnerships import services as partnerships

    database = get_db()
    _require_schema(database)
    with database.session_scope() as session:
        row = partnerships.get(session, slug)
        if row is None:
            raise click.ClickException(f"no partnership '{slug}'")
        row.enabled = enabled
        with acting_for(session, row.id):
            audit.record(session, "partnership.enabled" if enabled else "partnership.disabled", actor="cli")
    state = "enabled" if enabled else "disabled: its data is kept; its pages and reminders are stopped"
    click.echo(f"{slug} is {state}.")


@partnership.command("disable")
@click.argument("slug")
@with_appcontext
def partnership_disable(slug: str) -> None:
    """Stop a partnership's pages and reminders without uninstalling its plugin; data is kept."""
    _set_enabled(slug, False)


@partnership.command("enable")
@click.argument("slug")
@with_appcontext
def partnership_enable(slug: str) -> None:
    """Serve a disabled partnership again."""
    _set_enabled(slug, True)


@cli.group()
def plugin() -> None:
    """Make a new partnership plugin."""


@plugin.command("new")
@click.argument("name")
@click.option("--directory", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Where to create cspr-NAME/ (outside the platform's repository).")
def plugin_new(name: str, directory: str) -> None:
    """Scaffold cspr-NAME/: pyproject with the entry point, every hook, a passing test suite."""
    from pathlib import Path

    from cspr.cli.scaffold import ScaffoldError, new_plugin

    try:
        target = new_plugin(name, Path(directory))
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {target}. Next: pip install -e {target} && (cd {target} && pytest)")


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


# -- demo data and users ------------------------------------------------------
@cli.command()
@click.option("--cases/--no-cases", default=True, show_default=True,
              help="Add fictional live cases so the dashboards have deadlines.")
@click.option("--accounts/--no-accounts", default=True, show_default=True,
              help="Create (or reset) the demo accounts and print their password.")
@with_appcontext
def demo(cases: bool, accounts: bool) -> None:
    """Load demo data: published reviews and briefings, live cases, demo accounts."""
    database = get_db()
    _require_schema(database)
    _load_demo(database, cases, accounts)


def _load_demo(database, cases: bool, accounts: bool) -> None:  # noqa: ANN001
    import secrets

    from cspr.partnerships import demo as demo_module

    if current_app.config["ENV"] == "production" and accounts:
        raise click.ClickException("demo accounts are not created in production")
    password = os.environ.get("CSPR_DEMO_PASSWORD") or secrets.token_urlsafe(9)
    with database.session_scope() as session:
        counts = demo_module.load(session, get_registry())
        added = demo_module.load_cases(session, get_registry()) if cases else 0
        emails = demo_module.load_accounts(session, get_registry(), password) if accounts else []
    for count in counts:
        click.echo(f"{count.slug}: {count.reviews} review(s), {count.briefings} briefing(s) added")
    if added:
        click.echo(f"{added} fictional live case(s) added")
    if emails:
        click.echo(f"Demo accounts ({', '.join(emails)}), password: {password}")


@cli.group()
def users() -> None:
    """Manage accounts."""


@users.command("create")
@click.option("--email", required=True, help="The person's e-mail address (their sign-in).")
@click.option("--name", required=True, help="The person's name.")
@click.option("--partnership", "memberships", multiple=True, metavar="SLUG:ROLE",
              help="A membership, e.g. doncaster:admin (roles: admin, partner, reviewer, viewer).")
@click.option("--operator", is_flag=True, help="A platform operator (manages, reads no cases).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="At least 12 characters; common passwords are refused.")
@with_appcontext
def users_create(email: str, name: str, memberships: tuple[str, ...], operator: bool,
                 password: str) -> None:
    """Create an account with its memberships."""
    from cspr.accounts.models import Role
    from cspr.accounts.users import UserError, create_user
    from cspr.partnerships import services as partnerships

    database = get_db()
    _require_schema(database)
    with database.session_scope() as session:
        pairs = []
        for item in memberships:
            slug, _, role = item.partition(":")
            row = partnerships.get(session, slug)
            if row is None:
                raise click.BadParameter(f"no partnership '{slug}'", param_hint="--partnership")
            try:
                pairs.append((row, Role(role or "viewer")))
            except ValueError:
                raise click.BadParameter(
                    f"unknown role '{role}': use admin, partner, reviewer or viewer",
                    param_hint="--partnership",
                ) from None
        if not pairs and not operator:
            raise click.UsageError("give at least one --partnership SLUG:ROLE, or --operator")
        try:
            user = create_user(session, email, name, password, memberships=pairs,
                               is_operator=operator)
        except UserError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Created {user.email}" + "".join(f", {r.slug}:{role}" for r, role in pairs))


def _account(session, email: str):  # noqa: ANN001, ANN202
    from sqlalchemy import select

    from cspr.accounts.models import User

    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"there is no account for {email}")
    return user


@users.command("disable")
@click.argument("email")
@with_appcontext
def users_disable(email: str) -> None:
    """Disable an account: it cannot sign in, and every session of it ends now."""
    from cspr.accounts.users import set_active

    database = get_db()
    _require_schema(database)
    with database.session_scope() as session:
        user = _account(session, email)
        ended = set_active(session, user, False, actor="cli")
        click.echo(f"Disabled {user.email}; {ended} session(s) ended")


@users.command("enable")
@click.argument("email")
@with_appcontext
def users_enable(email: str) -> None:
    """Enable a disabled account again."""
    from cspr.accounts.users import set_active

    database = get_db()
    _require_schema(database)
    with database.session_scope() as session:
        user = _account(session, email)
        set_active(session, user, True, actor="cli")
        click.echo(f"Enabled {user.email}")


@users.command("reset-two-factor")
@click.argument("email")
@with_appcontext
def users_reset_two_factor(email: str) -> None:
    """Forget an account's authenticator app (a lost phone): it sets one up at its next sign-in."""
    from cspr.accounts.users import reset_two_factor

    database = get_db()
    _require_schema(database)
    with database.session_scope() as session:
        user = _account(session, email)
        reset_two_factor(session, user, actor="cli")
        click.echo(f"{user.email} will set up an authenticator app at the next sign-in")


@users.command("rotate-totp-key")
@with_appcontext
def users_rotate_totp_key() -> None:
    """Re-encrypt every authenticator secret with the first of CSPR_TOTP_ENCRYPTION_KEYS.

    Also encrypts the secrets still stored in clear (set up before secrets were encrypted).
    Run it after putting a new key first; then the old key can be removed.
    """
    from cspr.accounts.users import rotate_totp_secrets

    database = get_db()
    _require_schema(database)
    session = database.sessionmaker()
    try:
        resealed, moved, unreadable = rotate_totp_secrets(session)
        if unreadable:
            session.rollback()
            more = len(unreadable) - 10
            shown = ", ".join(unreadable[:10]) + (f" and {more} more" if more > 0 else "")
            raise click.ClickException(
                f"{len(unreadable)} secret(s) cannot be decrypted with CSPR_TOTP_ENCRYPTION_KEYS ({shown}): "
                "put the key they were encrypted with back in the list (after the new one) and run this "
                "again, or reset those accounts' two factors. Nothing was changed")
        session.commit()
    finally:
        session.close()
    click.echo(f"{resealed} secret(s) re-encrypted with the first key, {moved} encrypted from clear")


@cli.group()
def tokens() -> None:
    """Issue and revoke API and calendar-feed tokens."""


@tokens.command("create")
@click.option("--email", required=True, help="The member the token acts as.")
@click.option("--partnership", "slug", required=True, help="The partnership's slug.")
@click.option("--name", default="API token", show_default=True, help="What the token is for.")
@click.option("--scope", type=click.Choice(["api", "feed"]), default="api", show_default=True,
              help="api: the JSON API; feed: the read-only calendar feed URL.")
@with_appcontext
def tokens_create(email: str, slug: str, name: str, scope: str) -> None:
    """Issue a token; it is shown once, so keep it safe."""
    from sqlalchemy import select

    from cspr.accounts import tokens as tokens_module
    from cspr.accounts.models import User
    from cspr.partnerships import services as partnerships

    database = get_db()
    _require_schema(database)
    with database.session_scope() as session:
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise click.ClickException(f"no account for {email}")
        row = partnerships.get(session, slug)
        if row is None:
            raise click.ClickException(f"no partnership '{slug}'")
        try:
            token, clear = tokens_module.issue(session, user, row, name, scope)
        except tokens_module.TokenError as exc:
            raise click.ClickException(str(exc)) from exc
        token_id = token.id
    if scope == "feed":
        from cspr.web.links import external_url

        click.echo(f"Feed token {token_id}. Subscribe to: {external_url('feeds.deadlines', token=clear)}")
    else:
        click.echo(f"Token {token_id} for {email} in {slug}: {clear}")


@tokens.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def tokens_revoke(token_id: int) -> None:
    """Revoke a token by its number."""
    from cspr.accounts import tokens as tokens_module

    with get_db().session_scope() as session:
        if tokens_module.revoke(session, token_id) is None:
            raise click.ClickException(f"no token {token_id}")
    click.echo(f"Token {token_id} revoked.")


@cli.group()
def archive() -> None:
    """Archive reviews past their public period, and check the archive."""


@archive.command("run")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Archive as of this day (default: today in England).")
@with_appcontext
def archive_run(on) -> None:  # noqa: ANN001
    """Archive what is due now (the daily job does this by itself)."""
    from pathlib import Path

    from cspr.archive import services as archive_module
    from cspr.services.context import london_today

    database = get_db()
    _require_schema(database)
    config = current_app.config
    with database.session_scope() as session:
        result = archive_module.run(session, get_registry(), on.date() if on else london_today(),
                                    Path(config["ARCHIVE_DIR"]), Path(config["DOCUMENTS_DIR"]))
    click.echo(f"{len(result.archived)} review(s) archived, {result.kept} kept on the page by rule")
    for problem in result.problems:
        click.echo(f"problem: {problem}", err=True)
    if result.problems:
        raise SystemExit(1)


@archive.command("verify")
@with_appcontext
def archive_verify() -> None:
    """Prove every archived package is intact; exit 1 and say what is wrong if not."""
    from pathlib import Path

    from cspr.archive import services as archive_module

    database = get_db()
    _require_schema(database)
    with database.session_scope() as session:
        count, problems = archive_module.verify(session, Path(current_app.config["ARCHIVE_DIR"]))
    for problem in problems:
        click.echo(f"problem: {problem}", err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in {count} package(s)")
    click.echo(f"{count} package(s) verified: every file matches its checksum.")


@cli.group("audit")
def audit_group() -> None:
    """Check the audit chains and export their heads to keep outside the database."""


@audit_group.command("head")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the heads to this file instead of standard output.")
@with_appcontext
def audit_head(out: str | None) -> None:
    """Each partnership's newest audit event (seq and hash) as signed JSON, for 'audit verify --heads'."""
    from pathlib import Path

    from cspr.audit import events as audit

    database = get_db()
    _require_schema(database)
    with database.session_scope() as session:
        document = audit.heads_document(session)
    text = json.dumps(document, indent=2, sort_keys=True)
    if out is None:
        click.echo(text)
        return
    Path(out).write_text(text + "\n", encoding="utf-8")
    click.echo(f"{len(document['heads'])} chain head(s) written to {out}", err=True)


@audit_group.command("verify")
@click.option("--partnership", "slug", default=None, help="Check only this partnership's chain.")
@click.option("--heads", "heads_file", type=click.Path(dir_okay=False), default=None,
              help="Heads exported earlier (cspr audit head, or the daily audit-heads.jsonl): "
                   "each chain must still reach them. Their signature must match CSPR_AUDIT_HEADS_KEYS.")
@click.option("--allow-unsigned", is_flag=True, default=False,
              help="Accept heads with no signature (written before heads were signed); a wrong "
                   "signature is still refused.")
@with_appcontext
def audit_verify(slug: str | None, heads_file: str | None, allow_unsigned: bool) -> None:
    """Check every partnership's audit chain; exit 1 naming each altered, removed or reordered event."""
    from pathlib import Path

    from sqlalchemy import select

    from cspr.accounts import keys
    from cspr.audit import events as audit
    from cspr.db.tenancy import acting_for
    from cspr.partnerships.models import Partnership

    database = get_db()
    _require_schema(database)
    checkpoints: dict[str, list[tuple[int, str]]] = {}
    if heads_file:
        try:
            checkpoints = audit.read_checkpoints(Path(heads_file), signed_by=keys.current().heads,
                                                 allow_unsigned=allow_unsigned)
        except audit.HeadsFileError as exc:
            raise click.ClickException(str(exc)) from exc
        unsigned = audit.unsigned_documents(Path(heads_file))
        if unsigned:
            click.echo(f"warning: {unsigned} heads document(s) in {heads_file} are unsigned: they prove "
                       "nothing against someone who can write that file", err=True)
    broken = 0
    with database.session_scope() as session:
        query = select(Partnership).order_by(Partnership.slug)
        if slug:
            query = query.where(Partnership.slug == slug)
        rows = session.scalars(query).all()
        if slug and not rows:
            raise click.ClickException(f"no partnership '{slug}'")
        for row in rows:
            with acting_for(session, row.id):
                report = audit.check(session, checkpoints.pop(row.slug, []))
            state = "intact" if report.intact else f"{len(report.problems)} problem(s)"
            click.echo(f"{row.slug}: {report.events:,} event{'s' * (report.events != 1)}, {state}")
            for line in audit.summarise(report.problems):
                click.echo(f"  {line}")
            broken += not report.intact
        for missing in sorted(checkpoints) if not slug else []:
            click.echo(f"{missing}: in the heads file but not in the database (partnership removed)")
            broken += 1
    if not heads_file:
        click.echo("warning: checked without exported heads (--heads FILE): this cannot see events "
                   "removed from the end of a chain, a chain emptied (TRUNCATE), or a chain rewritten "
                   "with recomputed hashes. Check against the daily audit-heads.jsonl to see those.",
                   err=True)
    if broken:
        raise click.ClickException(f"{broken} audit chain(s) fail the check")


def _require_schema(database) -> None:  # noqa: ANN001
    """Stop with what to do when the schema is missing or the app's role may not read it yet."""
    from sqlalchemy.exc import ProgrammingError

    try:
        revision = migrate.current(database.engine)
    except ProgrammingError as exc:
        if getattr(exc.orig, "sqlstate", None) != "42501":  # insufficient_privilege
            raise
        user = database.engine.url.username or "the application's role"
        raise click.ClickException(
            f"{user} may not read the tables yet: as the tables' owner, run "
            f"'cspr db grant-app-role {user}' (with CSPR_MIGRATION_DATABASE_URL set to the owner), "
            "after 'cspr db upgrade'; see docs/operations.md, Database roles") from None
    if revision is None:
        raise click.ClickException("the database has no schema yet: run 'cspr db upgrade' first")


# -- workers ------------------------------------------------------------------
_PASSTHROUGH = {"ignore_unknown_options": True, "allow_extra_args": True}


@cli.command(context_settings=_PASSTHROUGH)
@click.pass_context
@with_appcontext
def worker(ctx: click.Context) -> None:
    """Run a Celery worker (extra arguments go to Celery, e.g. --concurrency 4)."""
    from cspr.tasks.celery import QUEUES

    celery = current_app.extensions["celery"]
    celery.worker_main(["worker", "--loglevel=INFO", "-Q", ",".join(QUEUES), *ctx.args])


@cli.command(context_settings=_PASSTHROUGH)
@click.pass_context
@with_appcontext
def beat(ctx: click.Context) -> None:
    """Run Celery beat, the clock that sends the periodic jobs (run exactly one)."""
    celery = current_app.extensions["celery"]
    celery.start(["beat", "--loglevel=INFO", *ctx.args])


class Children:
    """`cspr up`'s worker and beat: each started again, after 1, 2, 4, ... s (at most 30), if it exits."""

    def __init__(self, env: dict[str, str], commands: dict[str, list[str]]) -> None:
        import threading

        self.env = env
        self.commands = commands
        self.running: dict[str, subprocess.Popen] = {}
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._watcher = threading.Thread(target=self._watch, name="cspr-up-children", daemon=True)

    def _spawn(self, name: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "cspr", *self.commands[name]], env=self.env)

    def start(self) -> None:
        """Start every child and the thread that restarts them."""
        with self._lock:
            for name in self.commands:
                self.running[name] = self._spawn(name)
        self._watcher.start()

    def pid(self, name: str) -> int:
        """The process id of a child now."""
        return self.running[name].pid

    def _watch(self) -> None:
        import time

        failures = dict.fromkeys(self.commands, 0)
        started = dict.fromkeys(self.commands, time.monotonic())
        while not self._stopping.wait(1):
            for name in self.commands:
                with self._lock:
                    child = self.running[name]
                    code = child.poll()
                if code is None or self._stopping.is_set():
                    continue
                if time.monotonic() - started[name] > 60:
                    failures[name] = 0  # it ran a good while: start again at once
                delay = min(30, 2 ** failures[name])
                failures[name] += 1
                click.echo(f"{name} (pid {child.pid}) exited with code {code}; "
                           f"restarting it in {delay} s", err=True)
                if self._stopping.wait(delay):
                    return
                with self._lock:
                    if self._stopping.is_set():
                        return
                    self.running[name] = self._spawn(name)
                    started[name] = time.monotonic()
                click.echo(f"{name} restarted (pid {self.running[name].pid})", err=True)

    def stop(self) -> None:
        """Stop restarting, then stop every child (killed if it takes over 10 s)."""
        self._stopping.set()
        with self._lock:
            children = list(self.running.values())
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--demo/--no-demo", "with_demo", default=True, show_default=True,
              help="Load the partnerships' demo data.")
@with_appcontext
def up(host: str, port: int, with_demo: bool) -> None:
    """Run everything on this machine: migrate, load demo data, web, worker and beat."""
    from waitress import serve


    database = get_db()
    _migrate()
    if with_demo:
        _load_demo(database, cases=True, accounts=True)
    env = dict(os.environ)
    env.setdefault("CSPR_DATABASE_URL", current_app.config["DATABASE_URL"])
    env.setdefault("CSPR_BROKER_URL", current_app.config["BROKER_URL"])
    children = Children(env, {"worker": ["worker", "--concurrency", "1"], "beat": ["beat"]})
    children.start()

    def _stop(*_args) -> None:  # noqa: ANN002
        children.stop()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop)
    url = f"http://{host}:{port}/"
    click.echo(f"CSPR platform running at {url} (worker pid {children.pid('worker')}, "
               f"beat pid {children.pid('beat')}). Press Ctrl+C to stop.")
    try:
        serve(current_app._get_current_object(), host=host, port=port, threads=8,
              _quiet=True)
    finally:
        _stop()


# -- data protection: legal holds, retention, partnership export and import -----
from cspr.cli.records import register as _register_data_commands  # noqa: E402

_register_data_commands(cli, partnership)
