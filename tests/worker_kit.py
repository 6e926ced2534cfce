"""Real processes for the metrics tests: a private Redis, `cspr worker`, and due cases to remind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from cspr.accounts.models import Role
from cspr.cases import incidents
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.partnerships import services as partnerships
from cspr.services.context import Context, london_today
from tests.api_kit import make_member
from tests.mailbox import free_port


class RedisServer:
    """A private redis-server that a test can stop and start."""

    def __init__(self, folder) -> None:
        self.port = free_port()
        self.dir = folder
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)], stdout=subprocess.DEVNULL)
        for _ in range(50):
            if subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True,
                              text=True).stdout.strip() == "PONG":
                return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


class Processes:
    """`cspr ...` processes, each in its own process group, stopped at the end."""

    def __init__(self, env: dict[str, str], logs) -> None:
        self.env = env
        self.logs = logs
        self.running: list[subprocess.Popen] = []

    def start(self, *args: str) -> subprocess.Popen:
        log = open(self.logs / f"{args[0]}-{len(self.running)}.log", "w")
        proc = subprocess.Popen([sys.executable, "-m", "cspr", *args], env=self.env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.running.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.running:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.running:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture
def broker(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def procs(app_pg_url, broker, smtp_server, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSPR_")}
    env.update(
        CSPR_DATABASE_URL=app_pg_url, CSPR_BROKER_URL=broker.url, CSPR_MAIL_SERVER="127.0.0.1",
        CSPR_MAIL_PORT=str(smtp_server[1]), CSPR_INSTANCE_PATH=str(tmp_path / "instance"),
        CSPR_OUTBOX_LEASE="3", CSPR_OUTBOX_BACKOFF="1", CSPR_OUTBOX_BATCH="100",
        CSPR_HEARTBEAT_INTERVAL="1", CSPR_SWEEP_INTERVAL="2", CSPR_OUTBOX_INTERVAL="1",
        CSPR_LOG_LEVEL="WARNING",
    )
    running = Processes(env, tmp_path)
    yield running
    running.stop_all()


def seed(app, count: int) -> int:
    """``count`` cases whose Panel notification is due today: each sends to admin and partner."""
    make_member(app, "doncaster", Role.ADMIN)
    make_member(app, "doncaster", Role.PARTNER)
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            policy = app.extensions["cspr.plugins"].policy("doncaster")
            ctx = Context(session, row, policy, actor="test")
            aware = policy.calendar.add(london_today(), -5)
            for i in range(count):
                incidents.record(ctx, pseudonym=f"Child W{i}", la_case_reference=f"LA-{i}",
                                 la_area="Doncaster", age_band="5_9", harm="serious_harm",
                                 incident_on=aware, aware_on=aware)
    return 2 * count


def wait_for(predicate, timeout: float = 60, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()
