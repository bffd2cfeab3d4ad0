"""Masked ID numbers and phones in an uploaded ledger: a masked cell stands for the stored
value of the person its row matches, and is an error when it cannot."""

from __future__ import annotations

import json

import pytest
from django.utils import translation

from linli.core import pii
from linli.registry.ledger.services import ledger_commit, ledger_preview
from linli.registry.models import Household, ImportStatus, Resident

from .conftest import NEW_IDS, row, upload, xlsx_bytes


def preview(world, rows, language="en"):
    with translation.override(language):
        return ledger_preview(
            actor=world.cadre, street_id=world.street.pk, upload=upload(xlsx_bytes(rows)),
            filename="台账.xlsx",
        )  # fmt: skip


def commit(world, job):
    with translation.override("en"):
        return ledger_commit(actor=world.cadre, job_id=job.pk, sha256=job.sha256)


def masked_id(resident) -> str:
    return pii.mask_id_number(resident.id_number)


def masked_phone(resident) -> str:
    return pii.mask_phone(resident.phone)


def household_a1(world, zhou=None, wang=None):
    """雨泉花园 1-1-301 as a masked export writes it: 周美华 (户主) and 王建国 (配偶, 党员)."""
    zhou = {"name": "周美华", "idn": masked_id(world.zhou), "phone": masked_phone(world.zhou),
            **(zhou or {})}  # fmt: skip
    wang = {"name": "王建国", "idn": masked_id(world.wang), "phone": masked_phone(world.wang),
            "relation": "配偶", "tags": "党员", **(wang or {})}  # fmt: skip
    return [row(room="301", **zhou), row(room="301", **wang)]


def stored(resident) -> tuple:
    resident = Resident.objects.get(pk=resident.pk)
    return (resident.id_number, resident.id_number_bidx, resident.phone, resident.phone_bidx,
            resident.phone_last4, resident.name, resident.household_id)  # fmt: skip


def codes(job) -> list[tuple]:
    return [(e["row"], e["column"], e["code"]) for e in job.errors]


def test_masked_cells_matching_the_person_mean_unchanged(world):
    before = stored(world.zhou), stored(world.wang)
    job = preview(world, household_a1(world))
    assert job.status == ImportStatus.PREVIEWED, job.errors
    assert job.counts["households"] == {"new": 0, "updated": 0, "unchanged": 1}
    assert job.counts["residents"] == {"new": 0, "updated": 0, "unchanged": 2}
    assert job.counts["changes"] == [] and job.counts["changes_total"] == 0
    job = commit(world, job)
    assert job.status == ImportStatus.COMMITTED
    assert (stored(world.zhou), stored(world.wang)) == before


def test_a_typed_phone_replaces_the_stored_one_and_the_masked_id_is_kept(world):
    before = stored(world.wang)
    job = preview(world, household_a1(world, wang={"phone": "13900009999"}))
    assert job.status == ImportStatus.PREVIEWED, job.errors
    assert job.counts["residents"] == {"new": 0, "updated": 1, "unchanged": 1}
    assert job.counts["changes"] == [{"row": 3, "column": "联系电话", "code": "changed"}]
    commit(world, job)
    after = Resident.objects.get(pk=world.wang.pk)
    assert after.phone == "13900009999" and after.phone_last4 == "9999"
    assert (after.id_number, after.id_number_bidx) == before[:2]


def test_a_renamed_person_is_found_by_the_masked_id_number(world):
    # 王建国 is renamed, and the head 周美华 too: the household is found by masked ID numbers.
    before_zhou, before_wang = stored(world.zhou), stored(world.wang)
    job = preview(world, household_a1(world, zhou={"name": "周梅华"}, wang={"name": "王建民"}))
    assert job.status == ImportStatus.PREVIEWED, job.errors
    assert job.counts["households"] == {"new": 0, "updated": 1, "unchanged": 0}
    assert job.counts["residents"] == {"new": 0, "updated": 2, "unchanged": 0}
    assert job.counts["changes"] == [
        {"row": 2, "column": "姓名", "code": "changed"},
        {"row": 3, "column": "姓名", "code": "changed"},
    ]
    commit(world, job)
    assert stored(world.zhou) == (*before_zhou[:5], "周梅华", world.hh_a1.pk)
    assert stored(world.wang) == (*before_wang[:5], "王建民", world.hh_a1.pk)
    assert Household.objects.filter(dwelling=world.hh_a1.dwelling).count() == 1


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"idn": "3101**********9999"}, "身份证号"),  # 周美华's ends in 0027
        ({"idn": "3102**********0027"}, "身份证号"),
        ({"idn": "3101********0027"}, "身份证号"),  # two digits short of 18
        ({"phone": "138****0000"}, "联系电话"),  # hers ends in 1234
        ({"phone": "139****1234"}, "联系电话"),
    ],
)
def test_masked_value_with_other_visible_digits_is_an_error(world, cells, column):
    before = stored(world.zhou)
    job = preview(world, household_a1(world, zhou=cells))
    assert job.status == ImportStatus.REJECTED
    assert codes(job) == [(2, column, "masked_mismatch")]
    assert "visible digits" in job.errors[0]["message"]
    assert stored(world.zhou) == before


def test_masked_value_where_nothing_is_stored_is_an_error(world):
    Resident.objects.filter(pk=world.wang.pk).update(phone_enc="", phone_bidx="", phone_last4="")
    job = preview(world, household_a1(world, wang={"phone": "139****5678"}))
    assert codes(job) == [(3, "联系电话", "masked_mismatch")]


@pytest.mark.parametrize(
    "rows",
    [
        # A new person in a registered household.
        lambda w: [*household_a1(w), row(room="301", name="周小妹", idn=masked_id(w.zhou),
                                         phone="138****1234", relation="子女")],
        # A new household in a new dwelling.
        lambda w: [row(room="303", name="马大爷", idn="3101**********0035",
                       phone="139****2222")],
    ],
)  # fmt: skip
def test_masked_value_on_a_new_person_is_an_error(world, rows):
    job = preview(world, rows(world))
    assert job.status == ImportStatus.REJECTED
    last = len(rows(world)) + 1
    assert codes(job) == [
        (last, "联系电话", "masked_no_person"),
        (last, "身份证号", "masked_no_person"),
    ]


def test_masked_errors_are_in_chinese_and_show_no_digits(world):
    job = preview(world, household_a1(world, zhou={"idn": "3101**********9999"}), "zh-hans")
    message = job.errors[0]["message"]
    assert (
        message
        == "打码的身份证号露出的数字与已登记的不一致。请填写完整的身份证号，或保持导出时的原样。"
    )
    job = preview(world, [row(room="303", name="马大爷", phone="139****2222")], "zh-hans")
    assert job.errors[0]["message"] == (
        "这是打码的电话号码（带 *），这一行对不上任何已登记的居民。请填写完整的号码。"
    )
    dumped = json.dumps(job.errors, ensure_ascii=False)
    assert "2222" not in dumped and world.zhou.id_number[-4:] not in dumped


def test_a_masked_id_matching_no_one_in_the_household_falls_back_to_the_name(world):
    # The household is found by the head's clear ID; 王建国's row shows another masked ID.
    rows = household_a1(world, zhou={"idn": world.zhou.id_number},
                        wang={"idn": pii.mask_id_number(NEW_IDS["he"])})  # fmt: skip
    job = preview(world, rows)
    assert codes(job) == [(3, "身份证号", "masked_mismatch")]


def test_full_width_asterisks_and_spaces_read_as_the_mask(world):
    rows = household_a1(world, zhou={"idn": masked_id(world.zhou).replace("*", "＊"),
                                     "phone": " " + masked_phone(world.zhou)})  # fmt: skip
    job = preview(world, rows)
    assert job.status == ImportStatus.PREVIEWED, job.errors
    assert job.counts["residents"]["unchanged"] == 2


def test_a_moved_out_person_found_by_clear_id_keeps_the_phone_a_masked_cell_shows(world):
    # 李强 moved out (no household); a row files him into a new dwelling by his full ID
    # number, with his phone masked as an export shows it.
    Resident.objects.filter(pk=world.li.pk).update(household=None)
    before = stored(world.li)
    rows = [row(room="303", name="李强", idn=world.li.id_number, phone=masked_phone(world.li))]
    job = preview(world, rows)
    assert job.status == ImportStatus.PREVIEWED, job.errors
    assert job.counts["households"]["new"] == 1 and job.counts["residents"]["updated"] == 1
    commit(world, job)
    after = stored(world.li)
    assert after[:6] == before[:6] and after[6] is not None  # same numbers, a household again
    wrong = [row(room="303", name="李强", idn=world.li.id_number, phone="150****0000")]
    assert codes(preview(world, wrong)) == [(2, "联系电话", "masked_mismatch")]
