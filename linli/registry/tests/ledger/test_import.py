"""Ledger import: preview counts, commit, updates, idempotency, atomicity, double commit."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import translation

from linli.core import pii
from linli.core.errors import Conflict
from linli.core.models import AuditEvent
from linli.registry.ledger import services as ledger_services
from linli.registry.ledger import snapshot as ledger_snapshot
from linli.registry.ledger.plan import tags_for
from linli.registry.ledger.reader import read_rows
from linli.registry.ledger.rows import RowParser
from linli.registry.ledger.services import ledger_commit, ledger_preview
from linli.registry.models import (
    Building,
    Dwelling,
    Entrance,
    Household,
    HouseholdTag,
    ImportJob,
    ImportStatus,
    Relation,
    ResidenceStatus,
    Resident,
    ResidentTag,
    Tenure,
    address_sort_key,
)
from linli.testing import english

from .conftest import NEW_IDS, row, upload, xlsx_bytes


def snapshot():
    """Everything an import may write, to prove a refusal or a re-import changed nothing."""
    return {
        model.__name__: sorted(model.objects.values_list("pk", flat=True))
        for model in (Building, Entrance, Dwelling, Household, Resident, HouseholdTag, ResidentTag)
    } | {
        "residents": sorted(
            Resident.objects.values_list(
                "pk", "name", "household_id", "relation", "residence_status", "id_number_bidx",
                "phone_bidx", "birth_date",
            )
        ),
        "households": sorted(Household.objects.values_list("pk", "tenure", "dwelling_id")),
        "areas": sorted(Dwelling.objects.values_list("pk", "area_m2")),
        "audit": AuditEvent.objects.count(),
    }  # fmt: skip


def preview(world, actor, rows, **kw):
    with translation.override("en"):
        return ledger_preview(
            actor=actor, street_id=world.street.pk, upload=upload(xlsx_bytes(rows, **kw)),
            filename="台账.xlsx",
        )  # fmt: skip


def commit(actor, job):
    with translation.override("en"):
        return ledger_commit(actor=actor, job_id=job.pk, sha256=job.sha256)


NEW_FAMILY = [
    row(room="303", name="马大爷", idn=NEW_IDS["ma"], phone="13911112222", area=61.5,
        tags="困难家庭、残疾(一级)"),
    row(room="303", name="何阿姨", idn=NEW_IDS["he"], phone="", relation="配偶"),
    row(compound="三宝新村", building="二号楼", entrance="1", room="1402室", name="徐明",
        idn=NEW_IDS["xu"], phone="021-65551234", status="流动", tenure="租住"),
    row(compound="三宝新村", building="2幢", entrance="1单元", room="1402", name="高丽",
        idn=NEW_IDS["gao"], relation="合租", status="流动"),
]  # fmt: skip


def test_preview_counts_and_saves_nothing(world):
    before = snapshot()
    job = preview(world, world.cadre, NEW_FAMILY)
    assert job.status == ImportStatus.PREVIEWED, job.errors
    assert job.errors == []
    assert job.counts["households"] == {"new": 2, "updated": 0, "unchanged": 0}
    assert job.counts["residents"] == {"new": 4, "updated": 0, "unchanged": 0}
    assert job.counts["places"]["dwellings"] == 2
    assert len(job.sha256) == 64 and job.file.name
    assert snapshot() == before


def test_commit_creates_households_members_tags_and_history(world):
    job = commit(world.cadre, preview(world, world.cadre, NEW_FAMILY))
    assert job.status == ImportStatus.COMMITTED and job.committed_at
    ma = Resident.objects.get(name="马大爷")
    assert ma.id_number == NEW_IDS["ma"] and ma.id_number_bidx == pii.blind_index(NEW_IDS["ma"])
    assert NEW_IDS["ma"] not in ma.id_number_enc  # stored encrypted
    assert ma.phone_last4 == "2222" and ma.gender == "M" and ma.birth_date.year == 1948
    assert ma.relation == Relation.HEAD and ma.grid_id == world.grid_a1.pk
    home = ma.household
    assert home.dwelling.entrance.building == Building.objects.get(
        compound=world.compound_a1, number="1"
    )
    assert home.dwelling.area_m2 == pytest.approx(61.5) and home.dwelling.floor == 3
    assert {m.name for m in home.members.all()} == {"马大爷", "何阿姨"}
    # Staff tags from the file, derived tags refreshed (纯老户: both members 60+).
    assert set(home.tag_links.values_list("tag__code", flat=True)) == {"hardship", "elderly_only"}
    assert ma.tag_links.get().level == "一级"
    xu = Resident.objects.get(name="徐明")
    assert xu.residence_status == ResidenceStatus.MIGRANT and xu.phone == "021-65551234"
    assert xu.household.tenure == Tenure.TENANT
    assert xu.household.dwelling.entrance.building.number == "2"  # 二号楼 and 2幢 are one building
    assert Resident.objects.get(name="高丽").household == xu.household
    # Both new households are listed by their dwelling's address, like those made by hand.
    for household in (home, xu.household):
        household.refresh_from_db()
        dwelling = Dwelling.objects.select_related("entrance__building__compound").get(
            pk=household.dwelling_id
        )
        assert household.address_key == dwelling.sort_key != ""
    assert xu.household.address_key == address_sort_key("三宝新村", "2", "1", "1402")
    assert set(xu.household.tag_links.values_list("tag__code", flat=True)) == {"tenant"}
    assert set(xu.tag_links.values_list("tag__code", flat=True)) == {"migrant"}
    events = AuditEvent.objects.filter(verb="import")
    assert sorted(events.values_list("target_id", flat=True)) == sorted([home.pk, xu.household_id])
    payload = json.dumps(list(events.values("summary", "changes")), ensure_ascii=False)
    assert NEW_IDS["ma"] not in payload and "13911112222" not in payload


def test_existing_resident_in_same_dwelling_is_an_update(world, password):
    rows = [
        row(room="301", name="周美华", idn=world.zhou.id_number, phone="13812349999"),
        row(room="301", name="王建国", idn=world.wang.id_number, phone="13900005678",
            relation="配偶", tags="党员"),
    ]  # fmt: skip
    job = preview(world, world.cadre, rows)
    assert job.status == ImportStatus.PREVIEWED, job.errors
    assert job.counts["households"] == {"new": 0, "updated": 1, "unchanged": 0}
    assert job.counts["residents"] == {"new": 0, "updated": 1, "unchanged": 1}
    assert job.counts["changes"] == [{"row": 2, "column": "联系电话", "code": "changed"}]
    commit(world.cadre, job)
    world.zhou.refresh_from_db()
    assert world.zhou.phone == "13812349999" and world.zhou.household == world.hh_a1
    assert Household.objects.filter(dwelling=world.hh_a1.dwelling).count() == 1
    assert AuditEvent.objects.filter(verb="import", target_id=world.hh_a1.pk).count() == 1


def test_preview_lists_each_change_by_row_and_column(world):
    # A second household in 周美华's dwelling; the file moves 王建国 into it.
    Household.objects.create(
        street=world.street,
        dwelling=world.hh_a1.dwelling,
        grid=world.grid_a1,
        address_key=world.hh_a1.address_key,
    ).members.create(
        street=world.street,
        grid=world.grid_a1,
        name="租客甲",
        id_number_bidx=pii.blind_index(NEW_IDS["xu"]),
        birth_date=pii.id_number_birth_date(NEW_IDS["xu"]),
        gender=pii.id_number_gender(NEW_IDS["xu"]),
    )
    rows = [
        row(room="301", name="周美华", idn=world.zhou.id_number, area=61.5),
        row(room="301", name="租客甲", idn=NEW_IDS["xu"], relation="户主"),
        row(room="301", name="王建国", idn=world.wang.id_number, relation="合租", tags="党员"),
    ]  # fmt: skip
    job = preview(world, world.cadre, rows)
    assert job.status == ImportStatus.PREVIEWED, job.errors
    assert job.counts["changes"] == [
        {"row": 2, "column": "面积", "code": "changed"},
        {"row": 4, "column": "", "code": "household"},
        {"row": 4, "column": "与户主关系", "code": "changed"},
    ]
    page = ledger_page(world, job)
    assert page.count("Moves into this household") == 1 and page.count(">Changed<") == 2


def ledger_page(world, job) -> str:
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(world.cadre)
    url = reverse("registry:import_job", args=[job.pk])
    return english(client).get(url).content.decode()


def test_reimport_is_idempotent(world):
    data = xlsx_bytes(NEW_FAMILY)
    first = ledger_preview(actor=world.cadre, street_id=world.street.pk, upload=upload(data),
                           filename="a.xlsx")  # fmt: skip
    commit(world.cadre, first)
    before = snapshot()
    again = ledger_preview(actor=world.cadre, street_id=world.street.pk, upload=upload(data),
                           filename="a.xlsx")  # fmt: skip
    assert again.status == ImportStatus.PREVIEWED
    assert again.counts["households"] == {"new": 0, "updated": 0, "unchanged": 2}
    assert again.counts["residents"] == {"new": 0, "updated": 0, "unchanged": 4}
    assert again.counts["places"] == {"buildings": 0, "entrances": 0, "dwellings": 0}
    commit(world.cadre, again)
    assert snapshot() == before


def test_one_bad_row_saves_nothing_and_cannot_be_committed(world):
    before = snapshot()
    rows = [*NEW_FAMILY, row(room="305", name="坏号码", phone="12345")]
    job = preview(world, world.cadre, rows)
    assert job.status == ImportStatus.REJECTED
    assert [(e["row"], e["column"], e["code"]) for e in job.errors] == [
        (6, "联系电话", "bad_phone")
    ]
    with pytest.raises(Conflict):
        commit(world.cadre, job)
    assert snapshot() == before


def test_registry_changed_since_preview_rejects_at_commit(world):
    job = preview(world, world.cadre, NEW_FAMILY)
    # Someone registers 徐明 in another dwelling between the preview and the commit.
    Resident.objects.create(
        street=world.street, household=world.hh_a2, grid=world.grid_a2, name="徐明",
        id_number_bidx=pii.blind_index(NEW_IDS["xu"]),
    )  # fmt: skip
    before = snapshot()
    job = commit(world.cadre, job)
    assert job.status == ImportStatus.REJECTED
    assert job.errors[0]["code"] == "registered_elsewhere"
    assert snapshot() == before


def test_double_commit_imports_once(world):
    job = preview(world, world.cadre, NEW_FAMILY)
    commit(world.cadre, job)
    after_first = snapshot()
    with pytest.raises(Conflict):
        commit(world.cadre, job)
    assert snapshot() == after_first


def test_commit_needs_the_previewed_hash(world):
    job = preview(world, world.cadre, NEW_FAMILY)
    before = snapshot()
    with translation.override("en"), pytest.raises(Conflict):
        ledger_commit(actor=world.cadre, job_id=job.pk, sha256="0" * 64)
    assert snapshot() == before
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEWED


def test_commit_imports_the_previewed_rows_without_reading_the_file_again(
    world, django_capture_on_commit_callbacks
):
    job = preview(world, world.cadre, NEW_FAMILY)
    parsed_rows = job.file.storage.open(ledger_snapshot.name_for(job.file.name)).read()
    assert NEW_IDS["ma"].encode() not in parsed_rows  # sealed, like the rest of the PII
    # The stored workbook is swapped behind the job's back: the commit does not read it.
    job.file.storage.delete(job.file.name)
    job.file.storage.save(job.file.name, upload(xlsx_bytes(NEW_FAMILY[:1])))
    with django_capture_on_commit_callbacks(execute=True):
        job = commit(world.cadre, job)
    assert job.status == ImportStatus.COMMITTED
    assert Resident.objects.filter(name__in=["马大爷", "何阿姨", "徐明", "高丽"]).count() == 4
    assert not job.file.storage.exists(ledger_snapshot.name_for(job.file.name))


def test_the_snapshot_gives_back_the_rows_as_parsed(world, tmp_path):
    id_mask = pii.mask_id_number(world.zhou.id_number)
    masked = row(room="301", name="周美华", idn=id_mask, phone="138****1234",
                 birth="1952-03-15", gender="女")  # fmt: skip
    job = preview(world, world.cadre, [*NEW_FAMILY, masked])
    assert job.status == ImportStatus.PREVIEWED, job.errors
    tags = tags_for(world.cadre, world.street.pk)
    stored = tmp_path / "ledger.xlsx"
    with job.file.open("rb") as handle:
        stored.write_bytes(handle.read())
    layout, sheet_rows = read_rows(str(stored))
    parser = RowParser(layout, tags)
    parsed = [parser.parse(r) for r in sheet_rows]

    kept_layout, kept = ledger_snapshot.load(job.file.name, job.sha256, tags)
    assert kept_layout == layout and kept == parsed
    assert kept[0].area == Decimal("61.50") and kept[0].tags[0][0].name == "困难家庭"
    assert kept[-1].id_masked == id_mask and kept[-1].phone_masked == "138****1234"
    assert kept[-1].birth_date == dt.date(1952, 3, 15) and kept[-1].relation == Relation.HEAD
    # Another hash or other tags: the snapshot is not trusted.
    assert ledger_snapshot.load(job.file.name, "0" * 64, tags) is None
    assert ledger_snapshot.load(job.file.name, job.sha256, {}) is None


@pytest.mark.parametrize("spoil", ["missing", "damaged"])
def test_without_a_trusted_snapshot_the_commit_rereads_the_stored_file(world, spoil):
    job = preview(world, world.cadre, NEW_FAMILY)
    rows_name = ledger_snapshot.name_for(job.file.name)
    if spoil == "damaged":
        blob = bytearray(job.file.storage.open(rows_name).read())
        blob[-1] ^= 1
        job.file.storage.delete(rows_name)
        job.file.storage.save(rows_name, upload(bytes(blob)))
    else:
        job.file.storage.delete(rows_name)
    job = commit(world.cadre, job)
    assert job.status == ImportStatus.COMMITTED
    assert job.counts["residents"]["new"] == 4


def test_a_replaced_stored_file_is_refused_when_it_must_be_reread(world):
    job = preview(world, world.cadre, NEW_FAMILY)
    job.file.storage.delete(ledger_snapshot.name_for(job.file.name))
    job.file.storage.delete(job.file.name)
    job.file.storage.save(job.file.name, upload(xlsx_bytes(NEW_FAMILY[:1])))
    before = snapshot()
    with pytest.raises(Conflict):
        commit(world.cadre, job)
    assert snapshot() == before
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.PREVIEWED


def test_a_tag_renamed_since_the_preview_makes_the_commit_parse_again(world):
    from linli.registry.models import Tag

    job = preview(world, world.cadre, NEW_FAMILY)
    Tag.objects.filter(street=world.street, code="hardship").update(name="低保家庭")
    job = commit(world.cadre, job)
    # Parsed again with today's tags, the file's 困难家庭 is now unknown: nothing saved.
    assert job.status == ImportStatus.REJECTED
    assert [e["code"] for e in job.errors] == ["unknown_tag"]
    assert not Resident.objects.filter(name="马大爷").exists()


def test_another_users_job_is_not_found(world):
    from django.http import Http404

    job = preview(world, world.cadre, NEW_FAMILY)
    with pytest.raises(Http404):
        commit(world.admin, job)
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.PREVIEWED


def test_update_tenure_area_tag_level_and_removed_tag(world):
    from linli.registry.models import Tag

    rows = [
        row(compound="榆兰新村", building="5", room="101", name="赵嫦娥", idn=world.zhao.id_number,
            tenure="租住", area=70, tags="残疾(一级)、困难家庭"),
        row(room="301", name="周美华", idn=world.zhou.id_number, tags=""),
        row(room="301", name="王建国", idn=world.wang.id_number, relation="配偶", tags=""),
    ]  # fmt: skip
    job = preview(world, world.admin, rows)
    assert job.status == ImportStatus.PREVIEWED, job.errors
    assert job.counts["households"] == {"new": 0, "updated": 2, "unchanged": 0}
    assert job.counts["residents"] == {"new": 0, "updated": 2, "unchanged": 1}
    commit(world.admin, job)
    world.hh_b1.refresh_from_db()
    assert world.hh_b1.tenure == Tenure.TENANT
    assert float(world.hh_b1.dwelling.area_m2) == 70.0
    assert ResidentTag.objects.get(resident=world.zhao, tag__code="disabled").level == "一级"
    codes = set(world.hh_b1.tag_links.values_list("tag__code", flat=True))
    assert codes == {"hardship", "tenant", "elderly_only"}  # file tag; derived 租户, 纯老户
    # An empty tag cell removes the staff tags the importer can see (王建国's 党员).
    assert not ResidentTag.objects.filter(resident=world.wang, tag__code="party_member").exists()
    assert Tag.objects.filter(code="party_member", street=world.street).exists()
    changes = AuditEvent.objects.get(verb="import", target_id=world.hh_b1.pk).changes
    assert changes["fields"] == ["area", "tags", "tenure"] and changes["members_changed"] == 1


def test_bulk_blind_indexer_matches_blind_index(settings):
    index = pii.blind_indexer()
    for value in (NEW_IDS["ma"], "13911112222", ""):
        assert index(value) == pii.blind_index(value)


@pytest.mark.parametrize("threshold,expected", [(1, 1), (10_000, 0)])
def test_a_large_import_refreshes_the_planner_statistics_after_commit(
    world, monkeypatch, django_capture_on_commit_callbacks, threshold, expected
):
    calls = []
    monkeypatch.setattr("linli.registry.ledger.services.ANALYSE_AFTER_ROWS", threshold)
    monkeypatch.setattr(
        "linli.registry.ledger.services.refresh_statistics",
        SimpleNamespace(enqueue=lambda: calls.append(1)),
    )
    job = preview(world, world.cadre, NEW_FAMILY)
    with django_capture_on_commit_callbacks(execute=True):
        commit(world.cadre, job)
    assert len(calls) == expected


def test_refresh_statistics_analyses_the_registry_tables(world):
    from django.db import connection

    from linli.registry.tasks import refresh_statistics

    refresh_statistics.call()  # a no-op on SQLite; on PostgreSQL it must run
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'registry_resident' "
                "AND last_analyze IS NOT NULL"
            )
            assert cursor.fetchone()[0] == 1


@pytest.mark.parametrize("threshold,analysed", [(1, True), (500, False)])
def test_an_import_of_many_households_refreshes_the_statistics_before_the_derived_tags(
    world, monkeypatch, django_capture_on_commit_callbacks, threshold, analysed
):
    """From ANALYSE_BEFORE_CHECKS new households, every registry table's statistics are
    refreshed inside the import, before the derived tags are computed (and the keys
    checked at COMMIT), and not again after it; below it, only after the commit."""
    services = "linli.registry.ledger.services"
    calls: list = []
    real_refresh = ledger_services.refresh_derived_tags
    monkeypatch.setattr(f"{services}.ANALYSE_BEFORE_CHECKS", threshold)
    monkeypatch.setattr(f"{services}.ANALYSE_AFTER_ROWS", 1)
    monkeypatch.setattr(
        f"{services}.update_statistics",
        lambda *models: calls.append(("analyse", {m.__name__ for m in models})),
    )
    monkeypatch.setattr(
        f"{services}.refresh_derived_tags",
        lambda *args, **kwargs: (calls.append(("tags",)), real_refresh(*args, **kwargs)),
    )
    monkeypatch.setattr(
        f"{services}.refresh_statistics", SimpleNamespace(enqueue=lambda: calls.append(("after",)))
    )
    job = preview(world, world.cadre, NEW_FAMILY)  # two new households
    with django_capture_on_commit_callbacks(execute=True):
        assert commit(world.cadre, job).status == ImportStatus.COMMITTED
    tables = {"Entrance", "Dwelling", "Household", "Resident", "HouseholdTag", "ResidentTag"}
    if analysed:
        assert calls == [("analyse", tables), ("tags",)]
    else:
        assert calls == [("tags",), ("after",)]


def test_the_statistics_refreshed_inside_the_import_count_its_new_rows(world, monkeypatch):
    """PostgreSQL: ANALYZE inside the import's transaction sees the rows it wrote (the
    planner's row count of the residents is today's, not the street's old one)."""
    from django.db import connection

    monkeypatch.setattr("linli.registry.ledger.services.ANALYSE_BEFORE_CHECKS", 1)
    commit(world.cadre, preview(world, world.cadre, NEW_FAMILY))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'registry_resident'")
            assert cursor.fetchone()[0] == Resident.objects.count()
