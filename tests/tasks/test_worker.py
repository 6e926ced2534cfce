"""Exactly once, with real processes: a Celery worker and beat on a real Redis, a real SMTP server.

Each test runs its own Redis server (so it can be stopped and started) and the
`cspr worker` / `cspr beat` commands as ops run them, then counts the e-mails
the SMTP server received per idempotency key.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from celery import Celery
from sqlalchemy import select

from cspr.accounts.models import Role
from cspr.cases import incidents
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.operations.models import JobRun
from cspr.partnerships import services as partnerships
from cspr.services.context import Context, london_today
from tests.api_kit import make_member
from tests.mailbox import free_port

pytestmark = [pytest.mark.slow, pytest.mark.commits]  # commits: a real worker and beat, in processes of their own


class RedisServer:
    """A private redis-server we can stop and start."""

    def __init__(self, tmp_path) -> None:
        self.port = free_port()
        self.dir = tmp_path
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


@pytest.fixture
def broker(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


class Processes:
    """`cspr worker` and `cspr beat` processes, each in its own process group."""

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

    def kill(self, proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        os.killpg(proc.pid, sig)
        proc.wait(30)

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


def send(broker_url: str, task: str, queue: str) -> None:
    client = Celery(broker=broker_url)
    client.send_task(task, queue=queue)
    client.close()


def wait_for(predicate, timeout: float = 60, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()


def once_each(mailbox, expected: int) -> None:
    counts = Counter(mailbox.keys())
    assert len(counts) == expected, f"{len(counts)} distinct of {expected}"
    assert max(counts.values()) == 1, [k for k, n in counts.items() if n > 1]


def test_a_started_worker_catches_up_and_delivers_each_reminder_once(app, procs, broker, mailbox):
    expected = seed(app, 3)
    procs.start("worker", "--concurrency", "2")
    assert wait_for(lambda: len(mailbox.messages) >= expected), procs.logs
    for _ in range(3):  # more sweeps and relays: nothing more is sent
        send(broker.url, "cspr.tasks.clock.sweep", "clock")
        send(broker.url, "cspr.tasks.outbox.relay", "outbox")
    time.sleep(3)
    once_each(mailbox, expected)
    assert all("Child W" in m["Subject"] for m in mailbox.messages)


def test_a_worker_killed_mid_batch_and_restarted_loses_nothing_and_repeats_at_most_the_one_in_flight(
        app, procs, broker, mailbox):
    """The relay's documented guarantee: a kill between the server's "250 OK" and our commit repeats
    that one message, with the same Message-ID so the receiver drops it; nothing is lost.

    (The test kills the worker just as a message arrives, so it often lands in that window.)
    """
    expected = seed(app, 30)
    mailbox.delay = 0.08  # slow enough to kill the worker in the middle of the batch
    worker = procs.start("worker", "--concurrency", "1")
    assert wait_for(lambda: len(mailbox.messages) >= 15)
    procs.kill(worker, signal.SIGKILL)
    received_at_kill = len(mailbox.messages)
    assert received_at_kill < expected
    procs.start("worker", "--concurrency", "1")

    def delivered() -> bool:
        send(broker.url, "cspr.tasks.outbox.relay", "outbox")  # what a beat would do
        return len(set(mailbox.keys())) >= expected

    assert wait_for(delivered, timeout=90, every=1)
    time.sleep(2)
    counts = Counter(mailbox.keys())
    assert len(counts) == expected, f"{len(counts)} distinct of {expected}"  # nothing lost
    repeated = [k for k, n in counts.items() if n > 1]
    assert len(repeated) <= 1 and max(counts.values()) <= 2, repeated  # only the one in flight at the kill
    for key in repeated:
        ids = {m["Message-ID"] for m in mailbox.messages if m["X-CSPR-Idempotency-Key"] == key}
        assert len(ids) == 1, ids  # the same Message-ID both times: the receiver sees one message


def test_redis_stopped_during_work_and_started_again(app, procs, broker, mailbox):
    procs.start("worker", "--concurrency", "1")
    time.sleep(3)  # the worker is up and connected
    broker.stop()
    expected = seed(app, 4)  # work arrives while the broker is down
    time.sleep(2)
    broker.start()

    def delivered() -> bool:
        send(broker.url, "cspr.tasks.clock.sweep", "clock")
        return len(set(mailbox.keys())) >= expected

    assert wait_for(delivered, timeout=90, every=2)
    time.sleep(2)
    once_each(mailbox, expected)


def test_two_beats_run_the_schedule_once(app, procs, broker, mailbox):
    expected = seed(app, 2)
    procs.start("worker", "--concurrency", "2")
    procs.start("beat")
    procs.start("beat")

    def heartbeats() -> int | None:
        with app.app_context(), get_db().sessionmaker() as session:
            return session.scalar(select(JobRun.runs).where(JobRun.name == "heartbeat"))

    # Count over a window that starts once the clock is running, so a slow start on a loaded
    # machine does not look like a missing beat.
    deadline = time.monotonic() + 90
    while heartbeats() is None and time.monotonic() < deadline:
        time.sleep(0.5)
    first, started = heartbeats(), time.monotonic()
    assert first is not None, "no beat ran the heartbeat within 90 s"
    time.sleep(12)
    beats, elapsed = heartbeats() - first, time.monotonic() - started
    # one heartbeat a second from the one beat holding the lock, not two a second
    assert elapsed * 0.5 <= beats <= elapsed * 1.3, (beats, elapsed)
    assert wait_for(lambda: len(mailbox.messages) >= expected), procs.logs
    once_each(mailbox, expected)
    logs = "".join(p.read_text() for p in procs.logs.glob("beat-*.log"))
    assert "RedBeatScheduler" in logs or "redbeat" in logs.lower()


def test_worker_and_beat_stop_cleanly_on_sigterm(app, procs):  # app: emptied once they stop
    worker = procs.start("worker", "--concurrency", "1")
    beat = procs.start("beat")
    time.sleep(4)
    for proc in (worker, beat):
        os.killpg(proc.pid, signal.SIGTERM)
    assert worker.wait(30) == 0 or worker.returncode in (0, -15)
    assert beat.wait(30) in (0, -15)


__all__ = ["dt"]
