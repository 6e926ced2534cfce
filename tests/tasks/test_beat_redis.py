"""Beat survives Redis going away (a real `cspr beat` on a private Redis), and /healthz shows a stale beat."""

from __future__ import annotations

import datetime as dt
import os
import signal
import time

import pytest
from sqlalchemy import select

from cspr.db import get_db
from cspr.operations.models import JobRun
from tests.tasks.test_worker import Processes, RedisServer, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.commits]  # commits: a real beat, in a process of its own


@pytest.fixture
def broker(tmp_path):
    """A private redis-server (never the shared one), empty each time it starts."""
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def procs(app_pg_url, broker, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSPR_")}
    env.update(CSPR_DATABASE_URL=app_pg_url, CSPR_BROKER_URL=broker.url,
               CSPR_INSTANCE_PATH=str(tmp_path / "instance"), CSPR_HEARTBEAT_INTERVAL="1",
               CSPR_SWEEP_INTERVAL="3600", CSPR_OUTBOX_INTERVAL="3600", CSPR_BEAT_RETRY_MAX="2",
               CSPR_LOG_LEVEL="INFO")
    running = Processes(env, tmp_path)
    yield running
    running.stop_all()


def last_heartbeat(app) -> dt.datetime | None:
    with app.app_context(), get_db().sessionmaker() as session:
        return session.scalar(select(JobRun.last_run_at).where(JobRun.name == "heartbeat"))


def beat_log(procs) -> str:
    return "".join(p.read_text() for p in procs.logs.glob("beat-*.log"))


def test_beat_keeps_running_while_redis_is_killed_and_heartbeats_resume_after(app, procs, broker):
    procs.start("worker", "--concurrency", "1")
    beat = procs.start("beat")
    assert wait_for(lambda: last_heartbeat(app) is not None, timeout=90), beat_log(procs)
    broker.proc.kill()  # Redis dies: no clean shutdown, and it comes back empty (no persistence)
    broker.proc.wait(10)
    broker.proc = None
    time.sleep(8)
    assert beat.poll() is None, "beat exited when Redis went away:\n" + beat_log(procs)[-3000:]
    broker.start()  # the same port
    back = dt.datetime.now(dt.UTC)

    def resumed() -> bool:
        last = last_heartbeat(app)
        return last is not None and last > back

    assert wait_for(resumed, timeout=60), beat_log(procs)[-3000:]
    assert beat.poll() is None
    log = beat_log(procs)
    assert "beat: Redis unreachable" in log and "retry 1 in 1 s" in log and "retry 2 in 2 s" in log
    assert "Redis answers again" in log


def test_beat_started_while_redis_is_down_waits_for_it(app, procs, broker):
    broker.stop()
    beat = procs.start("beat")
    assert wait_for(lambda: "beat: Redis unreachable" in beat_log(procs), timeout=60), beat_log(procs)
    time.sleep(3)
    assert beat.poll() is None, beat_log(procs)[-3000:]
    broker.start()
    procs.start("worker", "--concurrency", "1")
    assert wait_for(lambda: last_heartbeat(app) is not None, timeout=90), beat_log(procs)[-3000:]
    assert beat.poll() is None


def test_healthz_reports_a_stale_beat_with_its_age_and_answers_503(app, client):
    interval = app.config["HEARTBEAT_INTERVAL"]  # 60 s
    with app.app_context(), get_db().session_scope() as session:
        session.add(JobRun(name="heartbeat", runs=9, detail={},
                           last_run_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=4 * interval)))
    response = client.get("/healthz")
    clock = response.get_json()["checks"]["clock"]
    assert response.status_code == 503 and response.get_json()["status"] == "unhealthy"
    assert clock["ok"] is False and clock["state"] == "stale"
    assert 4 * interval - 5 <= clock["age_seconds"] <= 4 * interval + 30
    assert clock["stale_after_seconds"] == 3 * interval
    with app.app_context(), get_db().session_scope() as session:
        session.get(JobRun, "heartbeat").last_run_at = dt.datetime.now(dt.UTC)
    clock = client.get("/healthz").get_json()["checks"]["clock"]
    assert clock["ok"] is True and clock["state"] == "ok"


def test_beat_stops_cleanly_on_sigterm_while_redis_is_down(app, procs, broker):
    beat = procs.start("beat")
    assert wait_for(lambda: "Acquired lock" in beat_log(procs), timeout=90), beat_log(procs)
    broker.stop()
    assert wait_for(lambda: "beat: Redis unreachable" in beat_log(procs), timeout=30), beat_log(procs)
    os.killpg(beat.pid, signal.SIGTERM)
    assert beat.wait(30) in (0, -15), beat_log(procs)[-3000:]
    assert "could not release the lock" in beat_log(procs)
