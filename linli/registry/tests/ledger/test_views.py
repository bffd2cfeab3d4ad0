"""The import wizard: who may use it, upload → preview → commit → result, double submit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from linli.registry.models import ImportJob, ImportStatus, Resident
from linli.testing import english

from .conftest import NEW_IDS, row, upload, xlsx_bytes

ROWS = [row(room="303", name="马大爷", idn=NEW_IDS["ma"]),
        row(room="303", name="何阿姨", idn=NEW_IDS["he"], relation="配偶")]  # fmt: skip


@pytest.mark.parametrize(
    "who", ["grid_a1_worker", "leader", "property", "volunteer", "resident_user", "nobody"]
)
def test_only_importers_see_the_wizard(world, login, who):
    client = login(getattr(world, who))
    assert client.get(reverse("registry:import")).status_code == 404
    response = client.post(
        reverse("registry:import"), {"street": world.street.pk, "file": upload(xlsx_bytes(ROWS))}
    )
    assert response.status_code == 404
    assert ImportJob.objects.count() == 0
    assert not Resident.objects.filter(name="马大爷").exists()


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("registry:import"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_wizard_upload_preview_commit_result(world, login):
    client = login(world.cadre)
    page = english(client).get(reverse("registry:import"))
    assert page.status_code == 200 and reverse("registry:import_template").encode() in page.content
    response = client.post(
        reverse("registry:import"), {"street": world.street.pk, "file": upload(xlsx_bytes(ROWS))}
    )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    preview = english(client).get(response["Location"])
    html = preview.content.decode()
    assert 'id="commit-form"' in html and job.sha256 in html
    assert not Resident.objects.filter(name="马大爷").exists()
    commit_url = reverse("registry:import_commit", args=[job.pk])
    done = english(client).post(commit_url, {"sha256": job.sha256})
    assert done.status_code == 302
    result = english(client).get(done["Location"]).content.decode()
    assert 'id="import-result"' in result and "The ledger was imported." in result
    assert Resident.objects.filter(name__in=["马大爷", "何阿姨"]).count() == 2
    # A second click (or a replayed POST) imports nothing more.
    again = english(client).post(commit_url, {"sha256": job.sha256})
    assert again.status_code == 302
    message = english(client).get(again["Location"]).content.decode()
    assert "already been imported" in message
    assert Resident.objects.filter(name__in=["马大爷", "何阿姨"]).count() == 2
    assert ImportJob.objects.get().status == ImportStatus.COMMITTED


def test_preview_with_errors_shows_the_table_and_no_commit(world, login):
    client = login(world.cadre)
    bad = [row(room="303", name="马大爷", phone="123")]
    response = client.post(
        reverse("registry:import"), {"street": world.street.pk, "file": upload(xlsx_bytes(bad))}
    )
    html = english(client).get(response["Location"]).content.decode()
    assert 'id="import-refused"' in html and "联系电话" in html
    assert 'id="commit-form"' not in html
    job = ImportJob.objects.get()
    response = client.post(reverse("registry:import_commit", args=[job.pk]), {"sha256": job.sha256})
    assert response.status_code == 302
    assert not Resident.objects.filter(name="马大爷").exists()


def test_cadre_cannot_import_into_another_street(world, login):
    client = login(world.cadre)
    response = client.post(
        reverse("registry:import"), {"street": world.street_t.pk, "file": upload(xlsx_bytes(ROWS))}
    )
    assert response.status_code == 400  # not a choice offered to this user
    assert ImportJob.objects.count() == 0


def test_someone_elses_job_is_404(world, login):
    client = login(world.cadre)
    client.post(
        reverse("registry:import"), {"street": world.street.pk, "file": upload(xlsx_bytes(ROWS))}
    )
    job = ImportJob.objects.get()
    other = login(world.admin)
    assert other.get(reverse("registry:import_job", args=[job.pk])).status_code == 404
    response = other.post(reverse("registry:import_commit", args=[job.pk]), {"sha256": job.sha256})
    assert response.status_code == 404
    assert ImportJob.objects.get().status == ImportStatus.PREVIEWED
    assert not Resident.objects.filter(name="马大爷").exists()
