"""Exports' contents: scope, masking, unmasking with a reason (logged), formula
neutralisation. (Tests run the worker's tasks at once; the job itself: test_export_jobs.)"""

from __future__ import annotations

import io

import pytest
import python_calamine
from django.urls import reverse
from django.utils import translation

from linli.core import pii
from linli.core.models import PiiAccess
from linli.registry.ledger.services import ledger_preview
from linli.registry.models import ExportJob, Household, ImportStatus, Relation, Resident
from linli.testing import english

from .conftest import ask_export, export_bytes, job_pk, upload

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet(data: bytes) -> list[list]:
    return python_calamine_rows(data)


def python_calamine_rows(data: bytes) -> list[list]:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return book.get_sheet_by_index(0).to_python()


def column(rows, header):
    index = rows[0].index(header)
    return [r[index] for r in rows[1:]]


def test_grid_worker_exports_only_their_grid_masked(world, login):
    client = login(world.grid_a1_worker)
    pk = job_pk(ask_export(client))
    response = client.get(reverse("registry:export_file", args=[pk]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response["Cache-Control"] == "private, no-store"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment") and "filename*=utf-8''" in disposition
    rows = sheet(b"".join(response.streaming_content))
    assert set(column(rows, "小区")) == {"雨泉花园"}
    assert set(column(rows, "姓名")) == {"周美华", "王建国", "李强", "陈芳"}
    ids = column(rows, "身份证号")
    assert world.zhou.id_number not in ids and pii.mask_id_number(world.zhou.id_number) in ids
    assert "138****1234" in column(rows, "联系电话")
    # Party membership is hidden from a grid worker, disability levels are not.
    assert not any("党员" in t for t in column(rows, "标签"))
    assert PiiAccess.objects.count() == 0


def test_export_follows_the_search_filters(world, login):
    client = login(world.admin)
    rows = sheet(export_bytes(client, params={"node": world.nbh_b.pk}))
    assert set(column(rows, "小区")) == {"榆兰新村"}
    rows = sheet(export_bytes(client, params={"tenure": "tenant"}))
    assert set(column(rows, "姓名")) == {"李强", "陈芳"}
    rows = sheet(export_bytes(client, params={"q": "刘运京"}))
    assert column(rows, "姓名") == ["刘运京"]
    disabled = world.tags["disabled"].pk
    rows = sheet(export_bytes(client, "residents", {"tag": disabled}))
    assert column(rows, "姓名") == ["赵嫦娥"] and column(rows, "标签") == ["独居老人、残疾(二级)"]
    # A node outside the viewer's scope is not found, as on the search page; nothing kept.
    worker = login(world.grid_a1_worker)
    assert ask_export(worker, params={"node": world.nbh_b.pk}).status_code == 404
    url = reverse("registry:export_households")
    assert worker.get(url, {"node": world.nbh_b.pk}).status_code == 200  # the page asks only
    assert not ExportJob.objects.filter(actor=world.grid_a1_worker).exists()


def test_bad_filters_are_ignored_as_on_the_search_page(world, login):
    client = login(world.admin)
    everything = sheet(export_bytes(client))
    params = {"node": "abc", "tag": ["x", "-1"], "tenure": "castle", "q": ""}
    pk = job_pk(ask_export(client, params=params))
    job = ExportJob.objects.get(pk=pk)
    assert (job.filters["node_id"], job.filters["tag_ids"], job.filters["tenure"]) == (None, [], "")
    data = b"".join(client.get(reverse("registry:export_file", args=[pk])).streaming_content)
    assert sheet(data) == everything


def test_unmasked_export_needs_a_reason_and_is_logged(world, login):
    client = login(world.cadre)
    url = reverse("registry:export_residents")
    form = english(client).get(url, {"unmask": "1"})
    assert form.status_code == 200 and b"access log" in form.content
    refused = english(client).post(url + "?unmask=1", {"reason": "  "})
    assert refused.status_code == 400 and PiiAccess.objects.count() == 0
    assert not ExportJob.objects.exists()
    rows = sheet(export_bytes(client, "residents", {"q": ""}, reason="核对高龄补贴名单"))
    assert world.zhou.id_number in column(rows, "身份证号")
    assert "13812341234" in column(rows, "联系电话")
    assert world.zhao.id_number not in column(rows, "身份证号")  # neighbourhood B: not cadre's
    log = PiiAccess.objects.get()
    assert (log.actor, log.channel, log.reason) == (world.cadre, "export", "核对高龄补贴名单")
    assert log.record_count == 5 and log.street_id == world.street.pk


def test_viewer_without_view_pii_cannot_unmask(world, login):
    client = login(world.grid_a1_worker)
    url = reverse("registry:export_households")
    assert client.get(url, {"unmask": "1"}).status_code == 404
    assert ask_export(client, reason="想看").status_code == 404
    assert PiiAccess.objects.count() == 0 and not ExportJob.objects.exists()
    # The page offers the masked file only.
    page = english(client).get(url).content.decode()
    assert 'id="export-form"' in page and "unmask=1" not in page
    assert "unmask=1" in english(login(world.cadre)).get(url).content.decode()
    # Compounds hold no personal numbers: nothing to unmask.
    assert (
        login(world.admin).get(reverse("registry:export_compounds"), {"unmask": "1"}).status_code
        == 404
    )


@pytest.mark.parametrize("who", ["leader", "property", "volunteer", "resident_user", "nobody"])
def test_roles_without_export_get_404(world, login, who):
    client = login(getattr(world, who))
    for kind in ("households", "residents", "compounds"):
        assert client.get(reverse(f"registry:export_{kind}")).status_code == 404
        assert ask_export(client, kind).status_code == 404
    assert client.get(reverse("registry:exports")).status_code == 404
    assert not ExportJob.objects.exists()


def test_formula_cells_are_neutralised_in_the_file(world, login):
    Resident.objects.filter(pk=world.liu.pk).update(name='=HYPERLINK("http://x","y")')
    rows = sheet(export_bytes(login(world.admin), "residents"))
    assert '\'=HYPERLINK("http://x","y")' in column(rows, "姓名")


def test_compounds_export_is_scoped(world, login):
    rows = sheet(export_bytes(login(world.cadre), "compounds"))
    assert sorted(column(rows, "小区")) == ["三宝新村", "雨泉花园"]
    assert column(rows, "户数") == [1, 2] or sorted(column(rows, "户数")) == [1, 2]
    rows = sheet(export_bytes(login(world.other_admin), "compounds"))
    assert column(rows, "小区") == ["香港丽园"]


def test_unmasked_export_imports_back_unchanged(world, login):
    data = export_bytes(login(world.admin), reason="备份")
    with translation.override("en"):
        job = ledger_preview(
            actor=world.admin, street_id=world.street.pk, upload=upload(data), filename="x.xlsx"
        )
    assert job.status == ImportStatus.PREVIEWED, job.errors
    assert job.counts["households"] == {"new": 0, "updated": 0, "unchanged": 4}
    assert job.counts["residents"] == {"new": 0, "updated": 0, "unchanged": 6}


def test_masked_export_imports_back_unchanged(world, login):
    Resident.objects.filter(pk=world.liu.pk).update(name="=刘运京")  # neutralised in the file
    data = export_bytes(login(world.admin))
    assert "'=刘运京" in column(python_calamine_rows(data), "姓名")
    with translation.override("en"):
        job = ledger_preview(
            actor=world.admin, street_id=world.street.pk, upload=upload(data), filename="x.xlsx"
        )
    assert job.status == ImportStatus.PREVIEWED, job.errors
    assert job.counts["households"] == {"new": 0, "updated": 0, "unchanged": 4}
    assert job.counts["residents"] == {"new": 0, "updated": 0, "unchanged": 6}


def test_a_households_head_is_exported_first(world, login):
    # A second household in 周美华's dwelling whose first member (by id) is not its head:
    # the export writes the head's row first, so the file imports back as two households.
    second = Household.objects.create(
        street=world.street, dwelling=world.hh_a1.dwelling, grid=world.grid_a1,
        address_key=world.hh_a1.address_key,
    )  # fmt: skip
    Resident.objects.create(street=world.street, household=second, grid=world.grid_a1,
                            name="租客乙", relation=Relation.TENANT)  # fmt: skip
    Resident.objects.create(street=world.street, household=second, grid=world.grid_a1,
                            name="租客甲", relation=Relation.HEAD)  # fmt: skip
    data = export_bytes(login(world.admin))
    rows = python_calamine_rows(data)
    names = [r[6] for r in rows[1:] if r[3] == "301"]
    assert names.index("租客甲") < names.index("租客乙")
    with translation.override("en"):
        job = ledger_preview(
            actor=world.admin, street_id=world.street.pk, upload=upload(data), filename="x.xlsx"
        )
    assert job.status == ImportStatus.PREVIEWED, job.errors
    assert job.counts["households"] == {"new": 0, "updated": 0, "unchanged": 5}
    assert job.counts["residents"] == {"new": 0, "updated": 0, "unchanged": 8}


def test_template_download(world, login):
    response = login(world.cadre).get(reverse("registry:import_template"))
    data = b"".join(response.streaming_content)
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0][:4] == ["小区", "楼号", "单元", "室号"] and len(rows) == 1
    notes = book.get_sheet_by_name("填写说明").to_python()
    assert notes[0] == ["列", "说明"] and [r[0] for r in notes[1:]] == rows[0]
    assert login(world.grid_a1_worker).get(reverse("registry:import_template")).status_code == 404
