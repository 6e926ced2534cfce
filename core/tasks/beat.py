"""Beat's scheduler on Redis: RedBeat that rides out Redis going away, retrying with backoff.

RedBeat on its own lets a Redis connection error out of the scheduler, and beat exits:
outside systemd (the Procfile, ``cspr up``) nothing starts it again and the clock stops.
This scheduler catches those errors wherever RedBeat meets them (setting up the schedule,
taking and extending its lock, reading what is due), logs each retry with the delay, and
waits 1, 2, 4, ... seconds up to ``BEAT_RETRY_MAX`` before trying again. When Redis
answers again it takes the lock back (or, if another beat took it meanwhile, stands by)
and writes the schedule again, since a Redis that restarted empty has lost it.
"""

from __future__ import annotations

import logging
from typing import Any

import redis.exceptions
from celery.beat import Scheduler
from kombu.exceptions import OperationalError as KombuOperationalError
from redbeat.schedulers import LUA_EXTEND_TO_SCRIPT, RedBeatScheduler, get_redis

log = logging.getLogger(__name__)

#: What "Redis is not there" looks like from RedBeat: the client's errors, a lock lost with
#: a restarted Redis (LockNotOwnedError is a LockError), the socket's and kombu's own.
REDIS_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, redis.exceptions.LockError,
    KombuOperationalError, OSError)


class ResilientRedBeatScheduler(RedBeatScheduler):
    """RedBeat whose beat keeps running while Redis is away and carries on when it is back."""

    #: Seconds before the first retry; doubles each time up to ``retry_max``.
    retry_first = 1.0

    def __init__(self, app: Any, **kwargs: Any) -> None:
        self.failures = 0  # retries in a row since Redis last answered
        self._lost = False  # the schedule and lock must be set up again before ticking
        self.retry_max = float(app.conf.get("cspr_beat_retry_max") or 30)
        super().__init__(app, **kwargs)

    def setup_schedule(self) -> None:
        """Write the schedule into Redis; if Redis is away, the first tick tries again."""
        try:
            super().setup_schedule()
        except REDIS_ERRORS as exc:
            self._lost = True
            log.warning("beat: Redis unreachable at start-up (%s: %s); will retry",
                        type(exc).__name__, exc)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        """One pass of the schedule; on a Redis error, the seconds to wait before the next try."""
        try:
            if self._lost or (self.lock_key and self.lock is None):
                if not self._recover():
                    return self.standby_interval
            interval = super().tick(*args, **kwargs)
        except REDIS_ERRORS as exc:
            self._lost = True
            return self._retry_later(exc)
        if self.failures:
            log.warning("beat: Redis answers again after %d retries; the schedule runs", self.failures,
                        extra={"retries": self.failures})
            self.failures = 0
        return interval

    @property
    def standby_interval(self) -> float:
        """How often a beat without the lock checks whether it can take it."""
        return max(1.0, min(float(self.max_interval), self.lock_timeout / 4))

    def _retry_later(self, exc: BaseException) -> float:
        self.failures += 1
        delay = min(self.retry_max, self.retry_first * 2 ** (self.failures - 1))
        log.warning("beat: Redis unreachable (%s: %s); retry %d in %g s", type(exc).__name__, exc,
                    self.failures, delay, extra={"retry": self.failures, "delay_seconds": delay})
        return delay

    def _recover(self) -> bool:
        """Redis answers: take the lock again and write the schedule. False: another beat holds it."""
        client = get_redis(self.app)
        client.ping()
        if self.lock_key and (self.lock is None or not self.lock.owned()):
            lock = client.lock(self.lock_key, timeout=self.lock_timeout, sleep=1)
            lock.lua_extend = client.register_script(LUA_EXTEND_TO_SCRIPT)
            if not lock.acquire(blocking=False):
                if self.lock is not None or self.failures:
                    log.warning("beat: another beat holds the lock; standing by")
                self.lock = None
                self._lost = False
                return False
            self.lock = lock
            log.warning("beat: acquired the lock again")
        RedBeatScheduler.setup_schedule(self)  # Redis may have restarted empty
        self._lost = False
        return True

    def close(self) -> None:
        """Release the lock if Redis answers; otherwise it expires on its own."""
        try:
            super().close()
        except REDIS_ERRORS as exc:
            log.warning("beat: could not release the lock (%s); it expires by itself",
                        type(exc).__name__)
            self.lock = None
            Scheduler.close(self)
