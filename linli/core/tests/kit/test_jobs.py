"""Scheduled jobs: due jobs run once per period under a lease; a job another worker holds
is left alone; an expired lease is taken over; failures are recorded, not raised."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from linli.core import jobs
from linli.core.models import JobRun, ScheduledJob

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(dt.datetime(2026, 11, 2, 9, 0))
calls: list[str] = []


def counting():
    calls.append("ran")
    return {"touched": len(calls)}


def failing():
    raise RuntimeError("数据库暂时不可用")


@pytest.fixture(autouse=True)
def only_test_jobs(monkeypatch):
    monkeypatch.setattr(jobs, "_jobs", {})
    calls.clear()
    jobs.register("test.count", counting, every=dt.timedelta(minutes=5), label="count")
    jobs.register("test.fail", failing, every=dt.timedelta(hours=1), label="fail")


def test_a_due_job_runs_once_and_comes_back_after_its_period(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: T0)
    runs = jobs.run_due("w1", now=T0)
    assert [r.job for r in runs] == ["test.count", "test.fail"] and calls == ["ran"]
    assert jobs.run_due("w1", now=T0 + dt.timedelta(minutes=1)) == []
    assert calls == ["ran"]
    again = jobs.run_due("w2", now=T0 + dt.timedelta(minutes=5))
    assert [r.job for r in again] == ["test.count"] and calls == ["ran", "ran"]
    row = ScheduledJob.objects.get(name="test.count")
    assert (row.runs, row.last_ok, row.last_counts, row.lease_owner) == (
        2,
        True,
        {"touched": 2},
        "",
    )


def test_failures_are_recorded_and_the_worker_goes_on(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: T0)
    jobs.run_due("w1", now=T0)
    row = ScheduledJob.objects.get(name="test.fail")
    assert row.last_ok is False and row.failures == 1
    assert row.last_error == "RuntimeError: 数据库暂时不可用"
    run = JobRun.objects.get(job="test.fail")
    assert not run.ok and run.error == row.last_error


def test_a_job_held_by_another_worker_is_left_alone_until_its_lease_expires(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: T0)
    jobs.run_due("w1", now=T0)  # creates the rows
    ScheduledJob.objects.filter(name="test.count").update(
        next_run_at=T0, lease_owner="w-busy", lease_until=T0 + dt.timedelta(minutes=10)
    )
    calls.clear()
    assert jobs.run_due("w2", now=T0 + dt.timedelta(minutes=6)) == []
    assert calls == []
    # The busy worker was killed: once its lease runs out, another takes the job.
    runs = jobs.run_due("w2", now=T0 + dt.timedelta(minutes=11))
    assert [r.job for r in runs] == ["test.count"] and calls == ["ran"]


def test_take_lease_lets_exactly_one_of_two_workers_in():
    jobs.run_due("setup")
    job = jobs.get("test.count")
    ScheduledJob.objects.filter(name=job.name).update(next_run_at=T0)
    now = T0 + dt.timedelta(minutes=1)
    assert [jobs.take_lease(job, w, now) for w in ("a", "b")] == [True, False]


def test_run_now_and_the_command(capsys):
    run = jobs.run_now("test.count")
    assert run.ok and run.counts == {"touched": 1}
    call_command("jobs")
    out = capsys.readouterr().out
    assert "test.count" in out and "ok" in out
    call_command("jobs", "run", "test.count")
    assert "touched=2" in capsys.readouterr().out


def test_pruning_forgets_old_runs():
    JobRun.objects.create(job="x", worker="w", started_at=T0, finished_at=T0, ok=True)
    JobRun.objects.create(
        job="x", worker="w", started_at=T0 + dt.timedelta(days=40), finished_at=T0, ok=True
    )
    assert jobs.prune_runs(now=T0 + dt.timedelta(days=41)) == {"deleted": 1}


def test_every_module_registers_its_jobs_with_the_worker(monkeypatch):
    monkeypatch.undo()  # the house's own registry, not the test's
    names = {j.name for j in jobs.registered()}
    assert {"workorders.sweep", "core.prune_idempotency_keys", "core.prune_job_runs"} <= names
