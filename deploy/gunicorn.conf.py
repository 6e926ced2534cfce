"""gunicorn's settings for the web app: `gunicorn -c deploy/gunicorn.conf.py cspr.wsgi:app`.

The same hooks are importable from the installed package, so a unit that has no checkout
of this folder runs `gunicorn -c python:cspr.operations.gunicorn_hooks cspr.wsgi:app`.
Set PROMETHEUS_MULTIPROC_DIR in the environment (docs/operations.md, "Metrics"): each
worker then writes its counters there and /metrics adds every worker's up; child_exit tells
prometheus-client when a worker has gone.
"""

import os

from cspr.operations.gunicorn_hooks import child_exit, on_starting  # noqa: F401

bind = os.environ.get("CSPR_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("CSPR_WEB_WORKERS", "4"))
