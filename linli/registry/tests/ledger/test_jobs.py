"""The ledger's preview and import run in the worker: each phase with its progress on the
job row and page, one running import per street, and an error mid-way saving nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from linli.core.models import AuditEvent
from linli.registry.ledger import services
from linli.registry.models import Household, ImportJob, ImportStatus, Resident
from linli.testing import english

from .conftest import NEW_IDS, row, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

ROWS = [row(room="303", name="马大爷", idn=NEW_IDS["ma"]),
        row(room="303", name="何阿姨", idn=NEW_IDS["he"], relation="配偶")]  # fmt: skip


class _Waiting:
    """A task that the worker has not picked up yet: its calls are recorded."""

    def __init__(self, kind: str, calls: list):
        self.kind, self.calls = kind, calls

    def enqueue(self, *args):
        self.calls.append((self.kind, args))


@pytest.fixture
def held(monkeypatch):
    """The worker not there yet: enqueued jobs wait (their calls are recorded)."""
    calls: list = []
    monkeypatch.setattr(services, "preview_ledger", _Waiting("p", calls))
    monkeypatch.setattr(services, "commit_ledger", _Waiting("c", calls))
    return calls


BUSY = "Another ledger import is running in this street."


def _upload(client, street, rows=ROWS):
    return client.post(
        reverse("registry:import"), {"street": street.pk, "file": upload(xlsx_bytes(rows))}
    )


def test_upload_waits_for_the_worker_then_the_preview_reports_its_rows(world, login, held):
    client = login(world.cadre)
    response = _upload(client, world.street)
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("registry:import_job", args=[job.pk])
    assert held == [("p", (job.pk,))]
    assert (job.status, job.running, job.phase) == (ImportStatus.CHECKING, True, "queued")
    page = english(client).get(response["Location"]).content.decode()
    assert 'id="import-progress"' in page and 'http-equiv="refresh"' in page
    assert 'id="commit-form"' not in page
    assert "Waiting for the worker" in page
    # The import page leads back to the running job.
    start = english(client).get(reverse("registry:import")).content.decode()
    assert reverse("registry:import_job", args=[job.pk]) in start and "Running" in start

    seen = []
    services.run_preview(job.pk, progress=lambda *p: seen.append(p))
    job.refresh_from_db()
    assert (job.status, job.running, job.phase) == (ImportStatus.PREVIEWED, False, "")
    assert (job.rows_done, job.rows_total) == (2, 2)
    assert [p[0] for p in seen] == ["reading", "checking"]
    assert not Resident.objects.filter(name="马大爷").exists()
    page = english(client).get(response["Location"]).content.decode()
    assert 'id="commit-form"' in page and 'http-equiv="refresh"' not in page


def test_reading_reports_every_so_many_rows(world, login, held, monkeypatch):
    monkeypatch.setattr(services, "PROGRESS_EVERY", 1)
    _upload(login(world.cadre), world.street)
    job = ImportJob.objects.get()
    seen = []
    services.run_preview(job.pk, progress=lambda *p: seen.append(p))
    assert seen == [("reading", 0, 0), ("reading", 1, 2), ("reading", 2, 2), ("checking", 2, 2)]


def test_commit_runs_in_the_worker_and_saves_everything(world, login, held):
    client = login(world.cadre)
    _upload(client, world.street)
    job = ImportJob.objects.get()
    services.run_preview(job.pk)
    response = client.post(reverse("registry:import_commit", args=[job.pk]), {"sha256": job.sha256})
    assert response.status_code == 302
    job.refresh_from_db()
    assert held[-1] == ("c", (job.pk, world.cadre.pk, job.sha256))
    assert (job.status, job.running, job.phase) == (ImportStatus.PREVIEWED, True, "queued")
    assert job.rows_total == 2
    page = english(client).get(response["Location"]).content.decode()
    assert 'id="import-progress"' in page and 'id="commit-form"' not in page
    assert not Resident.objects.filter(name="马大爷").exists()

    services.run_commit(job.pk, world.cadre, job.sha256)
    job.refresh_from_db()
    assert (job.status, job.running, job.failure) == (ImportStatus.COMMITTED, False, "")
    assert job.rows_done == 2
    assert Resident.objects.filter(name__in=["马大爷", "何阿姨"]).count() == 2
    page = english(client).get(response["Location"]).content.decode()
    assert 'id="import-result"' in page


def test_with_the_worker_at_hand_the_page_shows_the_result(world, login):
    """Tests run tasks at once: upload and import end as they did inline."""
    client = login(world.cadre)
    _upload(client, world.street)
    job = ImportJob.objects.get()
    assert (job.status, job.running) == (ImportStatus.PREVIEWED, False)
    done = english(client).post(
        reverse("registry:import_commit", args=[job.pk]), {"sha256": job.sha256}
    )
    assert "The ledger was imported." in english(client).get(done["Location"]).content.decode()
    assert ImportJob.objects.get().status == ImportStatus.COMMITTED


def test_a_second_upload_into_a_busy_street_is_refused(world, login, held):
    client = login(world.cadre)
    _upload(client, world.street)
    first = ImportJob.objects.get()
    response = _upload(english(login(world.admin)), world.street)
    assert response.status_code == 409
    assert BUSY in response.content.decode()
    assert ImportJob.objects.count() == 1  # nothing kept of the refused upload
    assert len(held) == 1
    # Another street is not held up.
    other = _upload(login(world.other_admin), world.street_t)
    assert other.status_code == 302 and ImportJob.objects.count() == 2
    # The first one finished: the street takes uploads again.
    services.run_preview(first.pk)
    assert _upload(login(world.admin), world.street).status_code == 302


def test_an_import_is_refused_while_another_job_runs_in_the_street(world, login, held):
    client = login(world.cadre)
    _upload(client, world.street)
    job = ImportJob.objects.get()
    services.run_preview(job.pk)
    services.ledger_upload(  # a second preview, waiting for the worker
        actor=world.admin, street_id=world.street.pk, upload=upload(xlsx_bytes(ROWS)), filename="b"
    )
    english(client)  # the message is worded when it is made
    response = client.post(reverse("registry:import_commit", args=[job.pk]), {"sha256": job.sha256})
    assert response.status_code == 302
    message = client.get(response["Location"]).content.decode()
    assert BUSY in message
    job.refresh_from_db()
    assert (job.status, job.running, job.phase) == (ImportStatus.PREVIEWED, False, "")
    assert held[-1][0] == "p"  # no import enqueued


def test_an_abandoned_job_does_not_hold_the_street(world, login, held):
    _upload(login(world.cadre), world.street)
    ImportJob.objects.update(progress_at=timezone.now() - ImportJob.STALE - dt.timedelta(1))
    assert _upload(login(world.admin), world.street).status_code == 302


def test_an_error_mid_way_through_the_import_saves_nothing(world, login, held, monkeypatch):
    client = login(world.cadre)
    _upload(client, world.street)
    job = ImportJob.objects.get()
    services.run_preview(job.pk)
    client.post(reverse("registry:import_commit", args=[job.pk]), {"sha256": job.sha256})
    households, residents = Household.objects.count(), Resident.objects.count()
    events = AuditEvent.objects.count()

    def broken(*args, **kwargs):  # after the households and residents were written
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_audit", broken)
    services.run_commit(job.pk, world.cadre, job.sha256)
    job.refresh_from_db()
    assert (job.status, job.running) == (ImportStatus.PREVIEWED, False)
    assert job.failure == gettext("The import stopped with an error; nothing was saved. Try again.")
    assert (Household.objects.count(), Resident.objects.count()) == (households, residents)
    assert AuditEvent.objects.count() == events
    page = client.get(reverse("registry:import_job", args=[job.pk])).content.decode()
    assert 'id="import-failure"' in page and 'id="commit-form"' in page  # may try again

    monkeypatch.undo()
    services.run_commit(job.pk, world.cadre, job.sha256)
    assert ImportJob.objects.get().status == ImportStatus.COMMITTED
    assert Resident.objects.filter(name__in=["马大爷", "何阿姨"]).count() == 2


def test_an_error_mid_way_through_the_preview_rejects_the_job(world, login, held, monkeypatch):
    _upload(login(world.cadre), world.street)
    job = ImportJob.objects.get()

    def broken(**kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(services, "build_plan", broken)
    services.run_preview(job.pk)
    job.refresh_from_db()
    assert (job.status, job.running, job.phase) == (ImportStatus.REJECTED, False, "")
    assert job.failure == gettext(
        "The check stopped with an error; nothing was saved. Upload the file again."
    )
    assert not Resident.objects.filter(name="马大爷").exists()


def test_a_refused_import_leaves_the_job_as_it_was(world, login, held):
    client = login(world.cadre)
    _upload(client, world.street)
    job = ImportJob.objects.get()
    services.run_preview(job.pk)
    response = client.post(reverse("registry:import_commit", args=[job.pk]), {"sha256": "x"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.running, job.phase) == (ImportStatus.PREVIEWED, False, "")
    assert held == [("p", (job.pk,))]


def test_the_command_line_imports_at_once_with_a_progress_line(world, tmp_path):
    ledger = tmp_path / "台账.xlsx"
    ledger.write_bytes(xlsx_bytes(ROWS))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_households", str(ledger), street=world.street.code, stdout=out, stderr=err)
    assert "checking: 2/2 rows" in err.getvalue() and "saving: 2/2 rows" in err.getvalue()
    assert "imported" in out.getvalue()
    assert Resident.objects.filter(name__in=["马大爷", "何阿姨"]).count() == 2
