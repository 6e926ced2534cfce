"""The benchmarks in bench/ still run: each at a tiny size, to completion, printing its ratios."""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN_URL
from tests.tasks.test_worker import RedisServer

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
NUMBER = r"(\d+(?:\.\d+)?)"


def run_bench(script: str, *args: str, redis_url: str | None = None, timeout: float = 120) -> str:
    """``python bench/<script> <args>`` on the test PostgreSQL; its output, or the test fails with it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSPR_")}
    env["CSPR_BENCH_PG_URL"] = PG_ADMIN_URL
    if redis_url:
        env["CSPR_BENCH_REDIS_URL"] = redis_url
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / script), *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)  # its finally blocks stop its worker and drop its database
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        pytest.fail(f"bench/{script} did not finish within {timeout:.0f} s\n{out}\n{err[-3000:]}")
    assert proc.returncode == 0, f"bench/{script} exited {proc.returncode}\n{out}\n{err[-3000:]}"
    return out


def figure(output: str, pattern: str) -> float:
    """The number ``pattern`` (a regex with one NUMBER group) finds in the output: present, finite, > 0."""
    match = re.search(pattern, output)
    assert match, f"no line matching {pattern!r} in:\n{output}"
    value = float(match.group(1))
    assert math.isfinite(value) and value > 0, (pattern, value)
    return value


def test_lifecycle_benchmark_prints_a_ratio_per_size():
    output = run_bench("lifecycle.py", "--base", "1", "--growth", "2", "--calls", "1")
    rows = re.findall(rf"^\s*(\d+)\s+(\d+)\s+(\d+) \|\s*{NUMBER}ms\s+{NUMBER}x \|\s*{NUMBER}ms\s+{NUMBER}x\s+(\d+)"
                      rf" \|\s*{NUMBER}ms\s+{NUMBER}x\s+(\d+)\s*$", output, re.MULTILINE)
    assert [int(row[0]) for row in rows] == [1, 2, 4], output  # 1x, 2x, 4x the base
    first = rows[0]
    assert (first[4], first[6], first[9]) == ("1.00", "1.00", "1.00"), output  # each ratio is to 1x
    for row in rows:
        for ratio in (row[4], row[6], row[9]):
            assert float(ratio) > 0, output
        assert int(row[7]) > 0 and int(row[10]) > 0, output  # SQL statements per request


def test_dashboard_benchmark_signs_in_and_prints_the_ratio():
    output = run_bench("dashboard.py", "--cases", "5", "--requests", "5")
    assert figure(output, rf"due rows={NUMBER}") >= 1
    assert figure(output, rf"dashboard SQL statements={NUMBER}") >= 1
    bare = figure(output, rf"bare Flask endpoint.*?{NUMBER} requests/s")
    page = figure(output, rf"staff dashboard \(full page\):\s+{NUMBER} requests/s")
    ratio = figure(output, rf"ratio dashboard / bare: {NUMBER}x")
    assert bare > 0 and page > 0 and ratio > 0, output
    # the median of the rounds' ratios, and the page's cost in bare queries: one figure, two ways
    assert figure(output, rf"the page costs {NUMBER}x a bare query") == pytest.approx(1 / ratio, rel=0.2), output


def test_clock_benchmark_sweeps_and_relays_through_a_real_worker(tmp_path):
    redis = RedisServer(tmp_path)  # the benchmark empties its Redis database: never the shared one
    redis.start()
    try:
        output = run_bench("clock.py", "--deadlines", "200", "--due", "5", "--messages", "5",
                           redis_url=redis.url)
    finally:
        redis.stop()
    assert figure(output, rf"deadlines=200 due={NUMBER}") == 5
    assert figure(output, rf"reminders written by the first sweep={NUMBER}") >= 1
    figure(output, rf"sweep, steady state:.*ratio {NUMBER}x the bare query")
    figure(output, rf"sweep, first run \(writes\):.*ratio {NUMBER}x the bare query")
    assert figure(output, rf"received {NUMBER}") == 5
    figure(output, rf"ratio reminders / no-op tasks: {NUMBER}x")


def test_national_benchmark_builds_the_partnerships_history_and_prints_a_ratio_per_measure():
    output = run_bench("national.py", "--partnerships", "3", "--years", "2", "--per-year", "2",
                       "--deadlines", "3", "--cases", "2", "--calls", "1", "--rounds", "1")
    # one partnership's history, then three partnerships': 2 years x 2 incidents x 3 deadlines each
    assert figure(output, rf"one partnership: partnerships={NUMBER}") >= 3
    one_incidents = figure(output, rf"one partnership: .*incidents={NUMBER}")
    national_incidents = figure(output, rf"national: .*incidents={NUMBER}")
    assert national_incidents - one_incidents == 2 * 2 * 2  # the two others' history
    assert figure(output, rf"national: .*published reviews={NUMBER}") >= 3 * 2 * 2
    for measure in ("sweep \\(steady\\)", "staff dashboard", "public page", "library search", "yearly figures"):
        figure(output, rf"{measure}:.*ms with one,.*ms national: ratio {NUMBER}x")
