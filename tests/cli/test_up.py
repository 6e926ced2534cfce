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
    proc = _run_up(tmp_path, port)
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
        out = _stop(proc)
    assert f"running at http://127.0.0.1:{port}/" in out
    # worker and beat stopped with it: nothing of the session is left running
    leftover = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True)
    assert leftover.stdout.strip() == "", out[-2000:]


def _run_up(tmp_path, port: int, **settings: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSPR_")}
    env.update(CSPR_INSTANCE_PATH=str(tmp_path / "instance"), CSPR_HEARTBEAT_INTERVAL="1", **settings)
    return subprocess.Popen([sys.executable, "-m", "cspr", "up", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
    return out


def test_a_demo_with_a_mail_server_emails_only_example_addresses_with_links_to_its_port(tmp_path, smtp_server):
    import sqlite3

    from cspr.messaging.addresses import is_example_address

    box, smtp_port = smtp_server
    box.messages.clear()
    port = free_port()
    proc = _run_up(tmp_path, port, CSPR_MAIL_SERVER="127.0.0.1", CSPR_MAIL_PORT=str(smtp_port),
                   CSPR_SWEEP_INTERVAL="2", CSPR_OUTBOX_INTERVAL="2")
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(box.messages) < 3:
            time.sleep(1)
        status, body = get(f"http://127.0.0.1:{port}/healthz")
        mail = json.loads(body)["checks"]["mail"]
        time.sleep(4)  # a relay run or two more, so refused messages are recorded too
    finally:
        out = _stop(proc)
    assert box.messages, out[-3000:]  # the demo's overdue cases were reminded about
    recipients = [m["To"] for m in box.messages]
    assert all(is_example_address(to) for to in recipients), recipients
    bodies = "\n".join(m.get_payload(decode=True).decode() for m in box.messages)
    assert f"http://127.0.0.1:{port}/app/" in bodies and ":5000/" not in bodies  # links follow --port
    assert mail["server_configured"] and mail["example_domains_only"] and mail["sending"] == "by e-mail"
    with sqlite3.connect(tmp_path / "instance" / "cspr.sqlite3") as db:
        refused = db.execute("SELECT recipient, last_error FROM outbox WHERE status = 'failed'").fetchall()
    # the escalations to the councils' real addresses (no chair's is set) were kept back, and says why on the Messages page
    assert refused and {to for to, _ in refused} >= {"safeguarding.partnership@doncaster.gov.uk"}
    assert all(not is_example_address(to) and error.startswith("Not sent: this demo") for to, error in refused)


def test_without_a_mail_server_the_health_check_says_nothing_is_sent(tmp_path):
    port = free_port()
    proc = _run_up(tmp_path, port)
    try:
        deadline, mail = time.monotonic() + 90, None
        while time.monotonic() < deadline and mail is None:
            try:
                mail = json.loads(get(f"http://127.0.0.1:{port}/healthz")[1])["checks"]["mail"]
            except (OSError, ValueError):
                time.sleep(1)
    finally:
        _stop(proc)
    assert mail == {"ok": True, "sending": "not sent: no mail server (messages are logged)",
                    "server_configured": False, "example_domains_only": True,
                    "partnerships_by_email": ["doncaster", "plymouth", "southampton", "york"]}
