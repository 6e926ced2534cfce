"""Shared by the benchmarks: a throwaway PostgreSQL database, an app on it, timing."""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get("CSPR_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@contextmanager
def scratch_database() -> Iterator[str]:
    """A new, migrated PostgreSQL database, dropped afterwards."""
    from cspr.db import migrate

    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"cspr_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number no smaller than ``minimum`` (else a clear usage error)."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"{number} is too small: the least is {minimum}")
        return number

    return parse


def per_call(func: Callable[[], object], calls: int, rounds: int = 5) -> float:
    """Median over ``rounds`` of the mean seconds per call of ``func``."""
    func()  # warm up
    results = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            func()
        results.append((time.perf_counter() - start) / calls)
    return statistics.median(results)


def side_by_side(baseline: Callable[[], object], measured: Callable[[], object], calls: int,
                 rounds: int = 7) -> tuple[float, float, float]:
    """Both in turn, round by round (a change in the machine's load falls on both alike).

    The median seconds per call of each, and the median of the rounds' ratios (measured/baseline).
    """
    baseline()
    measured()  # warm up
    base_times, times, ratios = [], [], []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            baseline()
        base = (time.perf_counter() - start) / calls
        start = time.perf_counter()
        for _ in range(calls):
            measured()
        took = (time.perf_counter() - start) / calls
        base_times.append(base)
        times.append(took)
        ratios.append(took / base)
    return statistics.median(base_times), statistics.median(times), statistics.median(ratios)
