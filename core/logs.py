"""Structured logs: one JSON object per line, with any ``extra`` fields kept."""

from __future__ import annotations

import json
import logging
import sys

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Format a record as JSON: time, level, logger, message and extras."""

    def format(self, record: logging.LogRecord) -> str:
        """Render one record."""
        data = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


def _send_as_json(logger: logging.Logger, level: str) -> None:
    """Give the logger one JSON-lines handler on stderr (never a second one)."""
    if any(getattr(h, "_cspr", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._cspr = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)


def configure_logging(level: str = "INFO") -> None:
    """Send the ``cspr`` loggers to stderr as JSON lines (once)."""
    _send_as_json(logging.getLogger("cspr"), level)


def configure_celery_logging(level: str = "INFO") -> None:
    """Celery's (and RedBeat's) own loggers as the same JSON lines; a line per task run stays out."""
    for name in ("celery", "redbeat"):
        logger = logging.getLogger(name)
        _send_as_json(logger, level)
        logger.propagate = False
    for chatter in ("celery.worker.strategy", "celery.app.trace"):  # "Task received", "Task succeeded"
        logging.getLogger(chatter).setLevel("WARNING")


def leave_logging_to_us() -> None:
    """Tell Celery's worker and beat not to set up logging: each event is then printed once, as JSON."""
    from celery.signals import setup_logging

    @setup_logging.connect(weak=False)
    def _configure(**_kwargs: object) -> None:  # a receiver here is what stops Celery's own set-up
        configure_logging()
        configure_celery_logging()
