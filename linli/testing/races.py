"""Many callers at once against real PostgreSQL row locks, in tests.

``all_at_once`` runs each job of a crowd (hundreds of callers) through a pool of at most
``workers`` threads, each on its own database connection; the threads start together
at a barrier and each takes callers from a shared queue until none are left, so every
caller contends for the same rows without opening hundreds of connections (PostgreSQL
allows 100 by default). A job's exception is its result: refusals are what the tests
count.

Each crowd is shuffled by a seed (``LINLI_RACE_SEED`` or the repeat run's number, see
``--race-runs`` in ``linli/conftest.py``), and the order in which the callers finished is
kept in ``LAST`` so that a failing run can print its seed and schedule.
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connections

MAX_WORKERS = 40


@dataclass
class Schedule:
    seed: int = 0
    finished: list[int] = field(default_factory=list)  # callers' indexes, in finishing order


LAST = Schedule()


def seed() -> int:
    return int(os.environ.get("LINLI_RACE_SEED", "0"))


def all_at_once(jobs: list[Callable[[], Any]], workers: int = MAX_WORKERS) -> list[Any]:
    """Each job's return value or exception, in the order of ``jobs``."""
    workers = max(1, min(workers, len(jobs)))
    results: list[Any] = [None] * len(jobs)
    queue = list(enumerate(jobs))
    LAST.seed, LAST.finished = seed(), []
    random.Random(LAST.seed).shuffle(queue)
    lock = threading.Lock()
    start = threading.Barrier(workers)

    def work() -> None:
        try:
            start.wait(30)
            while True:
                with lock:
                    if not queue:
                        return
                    i, job = queue.pop()
                try:
                    results[i] = job()
                except Exception as exc:  # the refusals are the results
                    results[i] = exc
                with lock:
                    LAST.finished.append(i)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
