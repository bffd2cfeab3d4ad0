"""Exports run in the worker: asked for on a page, built with their progress on the job,
downloaded by whoever asked only, sealed on disk, deleted when their time is up; one at
a time per person, and a job whose worker died holds nothing up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from linli.core import jobs, pii
from linli.core.models import PiiAccess
from linli.registry.ledger import export, export_jobs
from linli.registry.models import ExportJob, Resident
from linli.testing import english

from .conftest import ask_export, job_pk

pytestmark = pytest.mark.django_db


class _Waiting:
    """The build task before the worker picks it up: its calls are recorded."""

    def __init__(self, calls: list):
        self.calls = calls

    def enqueue(self, *args):
        self.calls.append(args)


@pytest.fixture
def held(monkeypatch):
    """The worker not there yet: asked-for exports wait (their job ids are recorded)."""
    calls: list = []
    monkeypatch.setattr(export_jobs, "build_export", _Waiting(calls))
    return calls


def _page(client, pk: int) -> str:
    return english(client).get(reverse("registry:export_job", args=[pk])).content.decode()


def _stored(folder: str = "exports") -> list[str]:
    """Every file kept under ``folder``."""
    if not default_storage.exists(folder):
        return []
    dirs, files = default_storage.listdir(folder)
    return [f"{folder}/{f}" for f in files] + [
        name for d in dirs for name in _stored(f"{folder}/{d}")
    ]


def _file(client, pk: int):
    return client.get(reverse("registry:export_file", args=[pk]))


BUSY = "You already have an export running."


def test_asking_keeps_a_job_for_the_worker_whose_page_shows_its_progress(
    world, login, held, monkeypatch
):
    client = login(world.admin)
    response = ask_export(client, "residents", {"q": "刘", "tenure": "tenant", "tag": ["7"]})
    pk = job_pk(response)
    assert response["Location"] == reverse("registry:export_job", args=[pk])  # no filters in it
    assert held == [(pk,)]
    job = ExportJob.objects.get()
    assert (job.actor, job.street, job.kind, job.unmask) == (
        world.admin,
        world.street,
        "residents",
        False,
    )
    assert job.filters["q"] == "刘" and job.filters["tenure"] == "tenant"
    assert job.filters["tag_ids"] == [7]
    assert (job.running, job.phase, job.file.name) == (True, "queued", "")
    page = _page(client, pk)
    assert 'id="export-progress"' in page and 'http-equiv="refresh"' in page
    assert "Waiting for the worker" in page and 'id="export-ready"' not in page
    assert _file(client, pk).status_code == 404  # nothing to download yet
    # The list of one's exports leads back to it.
    listing = english(client).get(reverse("registry:exports")).content.decode()
    assert reverse("registry:export_job", args=[pk]) in listing and "Running" in listing

    # The worker records each phase and how many rows it has written, as it goes.
    monkeypatch.setattr(export, "PROGRESS_EVERY", 2)
    seen = []
    reporter = ExportJob.reporter

    def watched(job_id, also=None):
        def look(*report):
            row = ExportJob.objects.values_list("phase", "rows_done", "rows_total", "running")
            seen.append(row.get(pk=job_id))

        return reporter(job_id, look)

    monkeypatch.setattr(ExportJob, "reporter", watched)
    ExportJob.objects.filter(pk=pk).update(
        filters={**job.filters, "q": "", "tenure": "", "tag_ids": []}
    )
    export_jobs.run_export(pk)
    total = Resident.objects.filter(street=world.street).count()
    assert total == 6 and seen == [("reading", 0, 0, True), ("writing", 0, 6, True),
                                   ("writing", 2, 6, True), ("writing", 4, 6, True)]  # fmt: skip
    job.refresh_from_db()
    assert (job.running, job.phase, job.failure) == (False, "", "")
    assert job.rows_done == job.rows_total == total
    assert job.filename.endswith(".xlsx") and job.file.name.startswith("exports/")
    assert job.finished_at and job.expires_at - job.finished_at == dt.timedelta(hours=24)
    page = _page(client, pk)
    assert 'id="export-ready"' in page and 'http-equiv="refresh"' not in page
    assert reverse("registry:export_file", args=[pk]) in page
    assert "Ready to download" in english(client).get(reverse("registry:exports")).content.decode()
    # A second run of the same task (a retry) changes nothing.
    name = job.file.name
    export_jobs.run_export(pk)
    assert ExportJob.objects.get(pk=pk).file.name == name


def test_the_file_is_sealed_on_disk_and_only_its_owner_downloads_it(world, login):
    client = login(world.cadre)
    pk = job_pk(ask_export(client))
    job = ExportJob.objects.get(pk=pk)
    with default_storage.open(job.file.name, "rb") as stored:
        sealed = stored.read()
    assert not sealed.startswith(b"PK")  # not a workbook in clear
    with pytest.raises(pii.PIIError):  # bound to its job: not to be passed off as another's
        pii.unseal(sealed, f"ledger-export|{pk + 1}|{job.actor_id}")
    response = _file(client, pk)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"PK")
    before = ExportJob.objects.values().get(pk=pk)
    # Anyone else, even the street's admin, finds neither the page nor the file.
    for other in (world.admin, world.other_admin, world.grid_a1_worker, world.nobody):
        other_client = login(other)
        assert other_client.get(reverse("registry:export_job", args=[pk])).status_code == 404
        assert _file(other_client, pk).status_code == 404
        assert (
            f"/ledger/export/{pk}/"
            not in other_client.get(reverse("registry:exports")).content.decode()
        )
    assert ExportJob.objects.values().get(pk=pk) == before
    assert PiiAccess.objects.count() == 0  # a masked download is not an unmasking


def test_each_download_of_an_unmasked_file_is_logged(world, login):
    client = login(world.cadre)
    pk = job_pk(ask_export(client, "residents", reason="核对高龄补贴名单"))
    job = ExportJob.objects.get(pk=pk)
    assert (job.unmask, job.reason) == (True, "核对高龄补贴名单")
    assert job.unmasked == [[world.street.pk, 5, None]]
    assert PiiAccess.objects.count() == 0  # made, not yet seen
    assert "access log" in _page(client, pk)
    for n in (1, 2):
        assert _file(client, pk).status_code == 200
        assert PiiAccess.objects.count() == n
    log = PiiAccess.objects.first()
    assert (log.actor, log.channel, log.reason) == (world.cadre, "export", "核对高龄补贴名单")
    assert (log.record_count, log.street_id, log.target_id) == (5, world.street.pk, None)
    assert log.fields == "id_number,phone"
    # Someone else's attempt is not logged, and changes nothing.
    assert _file(login(world.admin), pk).status_code == 404
    assert PiiAccess.objects.count() == 2


def test_an_unmasked_file_of_one_person_names_them_in_the_log(world, login):
    client = login(world.admin)
    pk = job_pk(ask_export(client, "residents", {"q": "刘运京"}, reason="核对"))
    assert _file(client, pk).status_code == 200
    log = PiiAccess.objects.get()
    assert (log.record_count, log.target_id) == (1, world.liu.pk)


def test_an_unmasked_file_is_not_given_to_someone_who_lost_view_pii(world, login, monkeypatch):
    client = login(world.cadre)
    pk = job_pk(ask_export(client, reason="核对"))
    real_can = export_jobs.perms.can
    monkeypatch.setattr(
        export_jobs.perms,
        "can",
        lambda actor, action: action != "view_pii" and real_can(actor, action),
    )
    assert _file(client, pk).status_code == 404
    assert PiiAccess.objects.count() == 0


def test_expired_files_are_deleted_by_the_scheduled_job(world, login):
    client = login(world.admin)
    old, fresh = job_pk(ask_export(client)), job_pk(ask_export(client, "compounds"))
    old_name = ExportJob.objects.get(pk=old).file.name
    ExportJob.objects.filter(pk=old).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    run = jobs.run_now("registry.export_files")
    assert run.ok and run.counts == {"deleted": 1}
    assert not default_storage.exists(old_name)
    assert ExportJob.objects.get(pk=old).file.name == ""
    assert ExportJob.objects.get(pk=fresh).file and _file(client, fresh).status_code == 200
    assert _file(client, old).status_code == 404
    assert 'id="export-expired"' in _page(client, old)
    assert "Deleted" in english(client).get(reverse("registry:exports")).content.decode()
    assert jobs.run_now("registry.export_files").counts == {"deleted": 0}


def test_one_export_at_a_time_per_person(world, login, held):
    client = login(world.admin)
    first = job_pk(ask_export(client))
    response = ask_export(english(client), "residents", reason="核对")
    assert job_pk(response) == first  # sent to the running one, which says why
    assert BUSY in english(client).get(response["Location"]).content.decode()
    assert ExportJob.objects.count() == 1 and held == [(first,)]
    # Someone else is not held up by it.
    assert ExportJob.objects.get(pk=job_pk(ask_export(login(world.cadre)))).actor == world.cadre
    # Once it has finished, the next one may start.
    client = login(world.admin)
    export_jobs.run_export(first)
    assert job_pk(ask_export(client, "compounds")) != first
    assert ExportJob.objects.filter(actor=world.admin).count() == 2


def test_a_job_whose_worker_died_holds_nothing_up(world, login, held):
    client = login(world.admin)
    first = job_pk(ask_export(client))
    ExportJob.objects.update(progress_at=timezone.now() - ExportJob.STALE - dt.timedelta(1))
    page = _page(client, first)
    assert 'id="export-failure"' in page and 'http-equiv="refresh"' not in page
    assert "Interrupted" in english(client).get(reverse("registry:exports")).content.decode()
    second = job_pk(ask_export(client))
    assert second != first and held == [(first,), (second,)]


def test_a_failing_build_leaves_a_failure_and_no_file(world, login, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(export, "_household_rows", broken)
    client = login(world.admin)
    kept = _stored()
    pk = job_pk(ask_export(client, params={"q": "刘运京"}))
    job = ExportJob.objects.get(pk=pk)
    failure = gettext("The export stopped with an error; no file was made. Try again.")
    assert (job.running, job.failure, job.file.name, job.expires_at) == (False, failure, "", None)
    assert _stored() == kept
    assert _file(client, pk).status_code == 404
    page = english(client).get(reverse("registry:export_job", args=[pk]))
    assert 'id="export-failure"' in page.content.decode()
    assert "刘运京" not in caplog.text  # the log names the job, not its filters
    # The person may ask again at once.
    monkeypatch.undo()
    assert ExportJob.objects.get(pk=job_pk(ask_export(client))).file


def test_a_refusal_in_the_worker_is_worded_for_the_person(world, login, held, monkeypatch):
    client = login(world.cadre)
    pk = job_pk(ask_export(client, reason="核对"))
    real_can = export.perms.can
    monkeypatch.setattr(
        export.perms, "can", lambda actor, action: action != "view_pii" and real_can(actor, action)
    )
    export_jobs.run_export(pk)
    job = ExportJob.objects.get(pk=pk)
    assert job.failure == gettext("You may not export unmasked personal data.")
    assert (job.running, job.file.name) == (False, "")
