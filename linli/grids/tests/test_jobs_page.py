"""后台任务: street administrators see each job's last run, its counts, its error and its
next run; nobody else opens the page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from linli.core import jobs
from linli.core.models import ScheduledJob

pytestmark = pytest.mark.django_db


def test_the_street_admin_sees_how_each_job_last_ran(world, login, wo_sweep_failing):
    jobs.run_now("workorders.sweep")
    jobs.run_now("registry.counts")
    page = login(world.admin).get(reverse("grids:jobs")).content.decode()
    assert "诉求办理时限" in page and "统计有变动街道的户数、人数和标签数" in page
    assert "overdue: 0" in page
    assert "RuntimeError: 数据库连接中断" in page
    assert ScheduledJob.objects.get(name="core.prune_job_runs").last_finished_at is None


@pytest.fixture
def wo_sweep_failing(monkeypatch):
    def broken():
        raise RuntimeError("数据库连接中断")

    job = jobs.get("registry.counts")
    monkeypatch.setitem(
        jobs._jobs, job.name, jobs.Job(job.name, broken, job.every, job.label, job.lease)
    )


@pytest.mark.parametrize("who", ["cadre", "grid_a1_worker", "property", "resident_user", "nobody"])
def test_nobody_else_opens_it(world, login, who):
    assert login(getattr(world, who)).get(reverse("grids:jobs")).status_code == 404
