"""``cspr up`` starts its beat again when it dies (outside systemd nothing else would)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.cli.test_up import free_port, get

pytestmark = pytest.mark.slow


def test_up_restarts_a_killed_beat_and_the_heartbeats_go_on(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSPR_")}
    env.update(CSPR_INSTANCE_PATH=str(tmp_path / "instance"), CSPR_HEARTBEAT_INTERVAL="1")
    proc = subprocess.Popen([sys.executable, "-m", "cspr", "up", "--no-demo", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()

    def found(pattern: str, timeout: float) -> re.Match | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, "".join(lines))
            if match:
                return match
            time.sleep(0.5)
        return None

    def heartbeat() -> str | None:
        try:
            return json.loads(get(f"http://127.0.0.1:{port}/healthz")[1])["checks"]["clock"]["last_heartbeat"]
        except OSError:
            return None

    try:
        started = found(r"beat pid (\d+)\)", 120)
        assert started, "".join(lines)[-3000:]
        os.kill(int(started.group(1)), signal.SIGKILL)
        restarted = found(r"beat restarted \(pid (\d+)\)", 60)
        assert restarted, "".join(lines)[-3000:]
        killed = f"beat (pid {started.group(1)}) exited with code -9; restarting it in 1 s"
        assert killed in "".join(lines)
        new_pid = int(restarted.group(1))
        os.kill(new_pid, 0)  # running
        before = heartbeat()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and (heartbeat() or "") <= (before or ""):
            time.sleep(1)
        assert (heartbeat() or "") > (before or ""), "".join(lines)[-3000:]
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    leftover = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True)
    assert leftover.stdout.strip() == "", "".join(lines)[-2000:]
