"""Scheduled jobs that run by themselves: sweeps, reminders, pruning.

An app registers a job in its ``AppConfig.ready``::

    jobs.register("workorders.sweep", sweep, every=dt.timedelta(minutes=5),
                  label=gettext_lazy("Work-order deadlines"))

The worker (``linli worker``: the task worker plus this scheduler) calls ``run_due``
every few seconds. For each job due, one conditional UPDATE takes its lease; the
worker that wins runs it, records the result (the counts it returns, or the error)
on the job and in its run history, and schedules the next run. Another worker, or
the same job still running, finds the lease taken and leaves it: two workers never
run one job at once, and a worker killed mid-run loses its lease when it expires.
No cron is needed.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.db.models import F, Q
from django.utils import timezone

from .models import JobRun, ScheduledJob

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], dict[str, Any] | None]
    every: dt.timedelta
    label: Any  # lazy text for the job page
    lease: dt.timedelta  # how long a run may hold the job before others may take it


_jobs: dict[str, Job] = {}


def register(
    name: str,
    run: Callable[[], dict[str, Any] | None],
    *,
    every: dt.timedelta,
    label,
    lease: dt.timedelta | None = None,
) -> None:
    """Add (or replace) a job; ``run()`` returns counts for the record (or None)."""
    _jobs[name] = Job(name, run, every, label, lease or max(every * 3, dt.timedelta(minutes=10)))


def registered() -> list[Job]:
    return sorted(_jobs.values(), key=lambda j: j.name)


def get(name: str) -> Job | None:
    return _jobs.get(name)


def _ensure_rows(now: dt.datetime) -> None:
    known = set(ScheduledJob.objects.values_list("name", flat=True))
    missing = [
        ScheduledJob(name=j.name, next_run_at=now) for j in _jobs.values() if j.name not in known
    ]
    if missing:
        ScheduledJob.objects.bulk_create(missing, ignore_conflicts=True)


def take_lease(job: Job, worker: str, now: dt.datetime, *, due_only: bool = True) -> bool:
    """Take the job for ``worker`` if it is due and nobody holds it (one UPDATE)."""
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    qs = ScheduledJob.objects.filter(free, name=job.name)
    if due_only:
        qs = qs.filter(next_run_at__lte=now)
    return bool(qs.update(lease_owner=worker, lease_until=now + job.lease))


def run_job(job: Job, worker: str) -> JobRun:
    """Run a job whose lease ``worker`` holds; record how it went and release the lease."""
    started = timezone.now()
    ScheduledJob.objects.filter(name=job.name).update(last_started_at=started)
    counts: dict = {}
    error = ""
    try:
        counts = job.run() or {}
    except Exception as exc:  # recorded for the street admin, and the worker goes on
        logger.exception("job %s failed", job.name)
        error = f"{type(exc).__name__}: {exc}"[:2000]
    finished = timezone.now()
    ok = not error
    ScheduledJob.objects.filter(name=job.name, lease_owner=worker).update(
        lease_owner="",
        lease_until=None,
        next_run_at=started + job.every,
        last_finished_at=finished,
        last_ok=ok,
        last_counts=counts,
        last_error=error,
        runs=F("runs") + 1,
        failures=F("failures") + (0 if ok else 1),
    )
    return JobRun.objects.create(
        job=job.name,
        worker=worker,
        started_at=started,
        finished_at=finished,
        ok=ok,
        counts=counts,
        error=error,
    )


def run_due(worker: str, now: dt.datetime | None = None) -> list[JobRun]:
    """Run every registered job that is due and free; returns the runs made."""
    now = now or timezone.now()
    _ensure_rows(now)
    runs = []
    for job in registered():
        if take_lease(job, worker, now):
            runs.append(run_job(job, worker))
    return runs


def run_now(name: str, worker: str = "manual") -> JobRun | None:
    """Run one job at once (a command, a test), unless another worker holds it now."""
    job = _jobs[name]
    now = timezone.now()
    _ensure_rows(now)
    if not take_lease(job, worker, now, due_only=False):
        return None
    return run_job(job, worker)


def scheduler_loop(worker: str, *, interval: float = 15.0, stop: Callable[[], bool]) -> None:
    """What the worker's scheduler thread does until ``stop()``: run due jobs, then wait."""
    while not stop():
        close_old_connections()
        try:
            run_due(worker)
        except Exception:  # e.g. the database restarting: try again next round
            logger.exception("scheduler round failed")
        close_old_connections()
        for _ in range(int(interval * 10)):
            if stop():
                return
            time.sleep(0.1)


def prune_runs(now: dt.datetime | None = None) -> dict[str, int]:
    """Forget job runs older than ``LINLI_JOB_RUN_DAYS`` (30)."""
    days = int(getattr(settings, "LINLI_JOB_RUN_DAYS", 30))
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    deleted, _by_model = JobRun.objects.filter(started_at__lt=cutoff).delete()
    return {"deleted": deleted}
