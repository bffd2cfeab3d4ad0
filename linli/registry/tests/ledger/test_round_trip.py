"""The Excel round trip on the whole demo street: a masked export, three cells edited in a
spreadsheet, uploaded again. The preview shows exactly those three changes and no error;
the commit writes exactly them, and every masked ID number and phone leaves the stored
value as it was.

The demo street is built once for the module (inside a transaction rolled back when the
module ends); each test's own writes are rolled back after it.
"""

from __future__ import annotations

import io

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from linli.accounts.models import User
from linli.core import pii
from linli.core.models import AuditEvent
from linli.demo.builders import build_demo
from linli.grids.models import GridNode
from linli.registry.ledger.services import ledger_commit, ledger_preview
from linli.registry.models import Household, ImportStatus, Relation, Resident, Tenure
from linli.testing import english

from .conftest import export_bytes, upload

RESIDENT_STATE = (
    "pk", "name", "gender", "birth_date", "relation", "residence_status", "household_id",
    "id_number_enc", "id_number_bidx", "phone_enc", "phone_bidx", "phone_last4",
)  # fmt: skip
PHONE_FIELDS = {"phone_enc", "phone_bidx", "phone_last4"}
NEW_PHONE = "13912345678"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        ctx = build_demo(log=lambda line: None)
        yield ctx.street
        transaction.set_rollback(True)


def residents_state(street) -> dict[int, dict]:
    rows = Resident.objects.filter(street=street).values(*RESIDENT_STATE)
    return {r["pk"]: r for r in rows}


def households_state(street) -> dict[int, str]:
    return dict(Household.objects.filter(street=street).values_list("pk", "tenure"))


def export(client, **params) -> bytes:
    return export_bytes(client, params=params)


def preview(actor, street, data: bytes):
    with translation.override("en"):
        return ledger_preview(actor=actor, street_id=street.pk, upload=upload(data),
                              filename="台账.xlsx")  # fmt: skip


def resident_on(street, cells: dict) -> Resident:
    """The registered person an exported row stands for."""
    return Resident.objects.get(
        street=street,
        name=cells["姓名"],
        household__dwelling__room=cells["室号"],
        household__dwelling__entrance__number=cells["单元"],
        household__dwelling__entrance__building__number=cells["楼号"],
        household__dwelling__entrance__building__compound__name=cells["小区"],
    )


def test_a_grids_masked_export_imports_back_unchanged(demo, db, login):
    cadre = User.objects.get(username="cadre1")
    grid = GridNode.objects.get(street=demo, name="榆兰第二责任区")
    data = export(login(cadre), node=grid.pk)
    job = preview(cadre, demo, data)
    assert job.status == ImportStatus.PREVIEWED, job.errors[:5]
    assert job.errors == [] and job.counts["errors_total"] == 0
    residents = Resident.objects.filter(household__grid=grid).count()
    assert job.counts["rows"] == residents
    assert job.counts["households"] == {"new": 0, "updated": 0, "unchanged": 344}
    assert job.counts["residents"] == {"new": 0, "updated": 0, "unchanged": residents}
    assert job.counts["changes"] == []


def test_the_street_round_trip_changes_exactly_the_three_edited_cells(demo, db, login):
    admin = User.objects.get(username="admin")
    client = login(admin)
    data = export(client)  # admin gave no reason: ID numbers and phones are masked
    residents_before, households_before = residents_state(demo), households_state(demo)

    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    headers = [c.value for c in sheet[1]]
    col = {h: i for i, h in enumerate(headers)}
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(residents_before) and len(rows) > 7000
    cells = [dict(zip(headers, (c.value for c in r), strict=True)) for r in rows]
    masked_ids = [c["身份证号"] for c in cells if c["身份证号"]]
    masked_phones = [c["联系电话"] for c in cells if c["联系电话"]]
    assert masked_ids and all("*" in v for v in masked_ids)
    assert masked_phones and all("*" in v for v in masked_phones)

    def place(index):
        return tuple(cells[index][h] for h in ("小区", "楼号", "单元", "室号"))

    # Three rows in three dwellings: a phone typed in full, a relation, a tenure.
    phone_at = next(i for i, c in enumerate(cells) if c["联系电话"] and c["身份证号"]
                    and pii.mask_phone(NEW_PHONE) != c["联系电话"])  # fmt: skip
    relation_at = next(i for i, c in enumerate(cells) if c["与户主关系"] == "子女"
                       and c["身份证号"] and place(i) != place(phone_at))  # fmt: skip
    tenure_at = next(i for i, c in enumerate(cells) if c["与户主关系"] == "户主"
                     and c["户别"] == "自住" and place(i) not in {place(phone_at),
                                                              place(relation_at)})  # fmt: skip
    rows[phone_at][col["联系电话"]].value = NEW_PHONE
    rows[relation_at][col["与户主关系"]].value = "其他亲属"
    rows[tenure_at][col["户别"]].value = "租住"
    edited = io.BytesIO()
    book.save(edited)

    phone_person = resident_on(demo, cells[phone_at])
    relation_person = resident_on(demo, cells[relation_at])
    tenure_household = resident_on(demo, cells[tenure_at]).household
    job = preview(admin, demo, edited.getvalue())
    assert job.status == ImportStatus.PREVIEWED, job.errors[:5]
    assert job.errors == [] and job.counts["errors_total"] == 0
    households, residents = len(households_before), len(residents_before)
    assert job.counts["households"] == {"new": 0, "updated": 3, "unchanged": households - 3}
    assert job.counts["residents"] == {"new": 0, "updated": 2, "unchanged": residents - 2}
    assert job.counts["places"] == {"buildings": 0, "entrances": 0, "dwellings": 0}
    # Excel row numbers: the header is row 1.
    assert job.counts["changes"] == sorted(
        [
            {"row": phone_at + 2, "column": "联系电话", "code": "changed"},
            {"row": relation_at + 2, "column": "与户主关系", "code": "changed"},
            {"row": tenure_at + 2, "column": "户别", "code": "changed"},
        ],
        key=lambda c: c["row"],
    )
    page = english(client).get(reverse("registry:import_job", args=[job.pk]))
    assert page.content.decode().count('<td data-label="Change">Changed</td>') == 3

    with translation.override("en"):
        job = ledger_commit(actor=admin, job_id=job.pk, sha256=job.sha256)
    assert job.status == ImportStatus.COMMITTED

    # The registry: exactly the three edits, and no stored ID number or phone touched
    # otherwise (the ciphertexts are the very same).
    residents_after, households_after = residents_state(demo), households_state(demo)
    assert residents_after.keys() == residents_before.keys()
    changed = {
        pk: {k for k, v in after.items() if residents_before[pk][k] != v}
        for pk, after in residents_after.items()
        if after != residents_before[pk]
    }
    assert changed == {phone_person.pk: PHONE_FIELDS, relation_person.pk: {"relation"}}
    assert Resident.objects.get(pk=phone_person.pk).phone == NEW_PHONE
    assert residents_after[relation_person.pk]["relation"] == Relation.OTHER_RELATIVE
    assert {pk for pk, t in households_after.items() if households_before[pk] != t} == {
        tenure_household.pk
    }
    assert households_after[tenure_household.pk] == Tenure.TENANT

    # The household files show the edits and an import entry in their change history.
    updated = AuditEvent.objects.filter(verb="import", changes__import_job=job.pk)
    assert sorted(updated.values_list("target_id", flat=True)) == sorted(
        [phone_person.household_id, relation_person.household_id, tenure_household.pk]
    )
    files = {
        pk: english(client).get(reverse("registry:household", args=[pk])).content.decode()
        for pk in (phone_person.household_id, relation_person.household_id, tenure_household.pk)
    }
    assert pii.mask_phone(NEW_PHONE) in files[phone_person.household_id]
    assert "Other relative" in files[relation_person.household_id]
    assert "Tenant" in files[tenure_household.pk]
    assert all("Household updated from a ledger import" in html for html in files.values())
