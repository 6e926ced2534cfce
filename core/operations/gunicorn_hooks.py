"""gunicorn settings for multiprocess metrics: ``gunicorn -c python:cspr.operations.gunicorn_hooks ...``."""

from __future__ import annotations

import os
from typing import Any


def on_starting(server: Any) -> None:
    """Make sure the metrics folder exists before the first worker writes to it."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    """A worker process exited: its live gauges go; its counters stay counted (prometheus-client)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
