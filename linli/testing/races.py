"""Many callers at once against real PostgreSQL row locks, in tests.

``all_at_once`` runs each job of a crowd (hundreds of callers) through a pool of at most
``workers`` threads, each on its own database connection; the threads start together
at a barrier and each takes callers from a shared queue until none are left, so every
caller contends for the same rows without opening hundreds of connections (PostgreSQL
allows 100 by default). A job's exception is its result: refusals are what the tests
count.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections

MAX_WORKERS = 40


def all_at_once(jobs: list[Callable[[], Any]], workers: int = MAX_WORKERS) -> list[Any]:
    """Each job's return value or exception, in the order of ``jobs``."""
    workers = max(1, min(workers, len(jobs)))
    results: list[Any] = [None] * len(jobs)
    queue = list(enumerate(jobs))
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
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
