"""``cspr worker``, ``cspr beat`` and ``cspr up`` (everything on one machine, its children restarted)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from cspr.app import create_app
from cspr.cli.db import migrate_and_register
from cspr.cli.demo import load_demo
from cspr.config import DEFAULTS
from cspr.db import get_db
from cspr.logs import leave_logging_to_us

_PASSTHROUGH = {"ignore_unknown_options": True, "allow_extra_args": True}


@click.command(context_settings=_PASSTHROUGH)
@click.pass_context
@with_appcontext
def worker(ctx: click.Context) -> None:
    """Run a Celery worker (extra arguments go to Celery, e.g. --concurrency 4)."""
    from cspr.tasks.celery import QUEUES

    leave_logging_to_us()
    celery = current_app.extensions["celery"]
    celery.worker_main(["worker", "--loglevel=INFO", "-Q", ",".join(QUEUES), *ctx.args])


@click.command(context_settings=_PASSTHROUGH)
@click.pass_context
@with_appcontext
def beat(ctx: click.Context) -> None:
    """Run Celery beat, the clock that sends the periodic jobs (run exactly one)."""
    leave_logging_to_us()
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


def up_settings(env: dict[str, str], config: dict[str, Any], host: str, port: int,
                with_demo: bool) -> dict[str, Any]:
    """What `cspr up` sets for the web app and its children unless the operator set it.

    Links in e-mails follow the address it serves (``--host``, ``--port``), and a demo e-mails
    only the reserved example domains, whatever mail server it is given.
    """
    settings: dict[str, Any] = {}
    if "CSPR_BASE_URL" not in env and config["BASE_URL"] == DEFAULTS["BASE_URL"]:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        settings["BASE_URL"] = f"http://{shown}:{port}"
    if with_demo and "CSPR_MAIL_EXAMPLE_DOMAINS_ONLY" not in env:
        settings["MAIL_EXAMPLE_DOMAINS_ONLY"] = True
    return settings


def _say_when_working(database: Any, summary: list[str], wait: float = 45.0) -> None:
    """Print the summary once the worker has run its first job (or after ``wait`` seconds), so it
    comes after the worker's and beat's start-up lines instead of scrolling away under them.
    """
    import time

    from sqlalchemy import func, select

    from cspr.operations.models import JobRun

    started = time.monotonic()
    with database.sessionmaker() as session:
        before = session.scalar(select(func.max(JobRun.last_run_at)))
        while time.monotonic() - started < wait:
            time.sleep(1)
            session.rollback()  # a fresh snapshot each look
            latest = session.scalar(select(func.max(JobRun.last_run_at)))
            if latest is not None and latest != before:
                break
    click.echo("\n" + "\n".join(summary))


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--demo/--no-demo", "with_demo", default=True, show_default=True,
              help="Load the partnerships' demo data.")
@with_appcontext
def up(host: str, port: int, with_demo: bool) -> None:
    """Run everything on this machine: migrate, load demo data, web, worker and beat."""
    from waitress import serve

    database = get_db()
    migrate_and_register()
    summary: list[str] = []  # said last, once the worker has started, not under its banners
    if with_demo:
        load_demo(database, cases=True, accounts=True, echo=summary.append)
    env = dict(os.environ)
    env.setdefault("CSPR_DATABASE_URL", current_app.config["DATABASE_URL"])
    env.setdefault("CSPR_BROKER_URL", current_app.config["BROKER_URL"])
    overrides = up_settings(env, current_app.config, host, port, with_demo)
    env.update({f"CSPR_{name}": str(value).lower() if isinstance(value, bool) else str(value)
                for name, value in overrides.items()})
    children = Children(env, {"worker": ["worker", "--concurrency", "1"], "beat": ["beat"]})
    children.start()

    def _stop(*_args) -> None:  # noqa: ANN002
        children.stop()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop)
    url = f"http://{host}:{port}/"
    summary.append(f"CSPR platform running at {url} (worker pid {children.pid('worker')}, "
                   f"beat pid {children.pid('beat')}). Press Ctrl+C to stop.")
    threading.Thread(target=_say_when_working, args=(database, summary), name="cspr-up-summary",
                     daemon=True).start()
    try:
        serve(create_app(overrides), host=host, port=port, threads=8, _quiet=True)  # with the API
    finally:
        _stop()
