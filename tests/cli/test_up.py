"""``cspr up``: web, worker and beat on the embedded default, as a new user runs it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_up_serves_pages_and_runs_the_worker_and_beat_without_servers(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSPR_")}
    env.update(CSPR_INSTANCE_PATH=str(tmp_path / "instance"), CSPR_HEARTBEAT_INTERVAL="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cspr", "up", "--port", str(port)], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        health = None
        while time.monotonic() < deadline:
            try:
                status, body = get(f"{base}/healthz")
                health = json.loads(body)
                if status == 200 and health["checks"]["clock"]["last_heartbeat"]:
                    break
            except OSError:
                pass
            time.sleep(1)
        assert health is not None, "the web server never answered"
        assert health["checks"]["database"]["ok"] and health["checks"]["broker"]["ok"], health
        # the heartbeat went beat -> embedded broker -> worker -> database
        assert health["checks"]["clock"]["last_heartbeat"], health
        status, html = get(f"{base}/")
        assert status == 200 and "Doncaster Safeguarding Children Partnership" in html
        status, html = get(f"{base}/plymouth/")
        assert status == 200 and "Demo child A (fictional)" in html  # published two months ago
        status, html = get(f"{base}/york/")
        assert status == 200 and "Baby A" in html  # York keeps its older reports on the page
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
    assert f"running at http://127.0.0.1:{port}/" in out
    # worker and beat stopped with it: nothing of the session is left running
    leftover = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True)
    assert leftover.stdout.strip() == "", out[-2000:]
