"""Every row error names the Excel row and the column as written, and never the value."""

from __future__ import annotations

import json

import pytest
from django.utils import translation

from linli.registry.ledger.services import ledger_preview
from linli.registry.models import ImportStatus, Resident

from .conftest import NEW_IDS, row, upload, valid_id, xlsx_bytes


def errors_of(world, actor, rows, **kw):
    with translation.override("en"):
        job = ledger_preview(
            actor=actor, street_id=world.street.pk, upload=upload(xlsx_bytes(rows, **kw)),
            filename="x.xlsx",
        )  # fmt: skip
    assert job.status == ImportStatus.REJECTED
    return job, [(e["row"], e["column"], e["code"]) for e in job.errors]


BAD_CHECK = NEW_IDS["ma"][:17] + ("0" if NEW_IDS["ma"][17] != "0" else "1")
BAD_BIRTH = valid_id("31010919481332003")  # month 13


@pytest.mark.parametrize(
    ("cells", "column", "code"),
    [
        ({"idn": BAD_CHECK}, "身份证号", "bad_id"),
        ({"idn": "31010919480304"}, "身份证号", "bad_id"),
        ({"idn": BAD_BIRTH}, "身份证号", "bad_id"),
        ({"idn": "3101**********0035"}, "身份证号", "masked_no_person"),
        ({"phone": "139****2222"}, "联系电话", "masked_no_person"),
        ({"phone": "1391111"}, "联系电话", "bad_phone"),
        ({"compound": "不存在花园"}, "小区", "unknown_compound"),
        ({"compound": ""}, "小区", "required"),
        ({"building": ""}, "楼号", "required"),
        ({"room": ""}, "室号", "required"),
        ({"name": ""}, "姓名", "required"),
        ({"relation": "邻居"}, "与户主关系", "bad_value"),
        ({"status": "暂住"}, "户籍类型", "bad_value"),
        ({"tenure": "合住"}, "户别", "bad_value"),
        ({"tags": "党员、不存在的标签"}, "标签", "unknown_tag"),
        ({"idn": NEW_IDS["ma"], "birth": "1960-01-01"}, "出生日期", "birth_mismatch"),
        ({"birth": "去年"}, "出生日期", "bad_date"),
        ({"area": "很大"}, "面积", "bad_area"),
    ],
)
def test_each_error_names_row_and_column(world, cells, column, code):
    rows = [row(room="303", name="马大爷", idn=NEW_IDS["he"]), row(**{"room": "305", **cells})]
    job, errors = errors_of(world, world.cadre, rows)
    assert (3, column, code) in errors
    assert all(r == 3 for r, _c, _k in errors)
    dumped = json.dumps(job.errors, ensure_ascii=False)
    for value in cells.values():
        if value and value not in ("不存在花园", "党员、不存在的标签"):
            assert str(value) not in dumped


def test_id_stored_as_a_number_is_explained(world):
    _job, errors = errors_of(world, world.cadre, [row(idn=float(NEW_IDS["ma"][:15]))])
    assert errors == [(2, "身份证号", "id_numeric")]


def test_duplicate_id_in_file_points_at_first_row(world):
    rows = [row(room="303", idn=NEW_IDS["ma"]), row(room="304", name="另一人", idn=NEW_IDS["ma"])]
    job, errors = errors_of(world, world.cadre, rows)
    assert errors == [(3, "身份证号", "duplicate_in_file")]
    assert "row 2" in job.errors[0]["message"]
    assert NEW_IDS["ma"] not in json.dumps(job.errors)


def test_id_registered_in_another_household_is_an_error(world):
    # 李强 lives in 雨泉花园 1-1-302; a row puts his ID into 1-1-303.
    job, errors = errors_of(
        world, world.cadre, [row(room="303", name="李强", idn=world.li.id_number)]
    )
    assert errors == [(2, "身份证号", "registered_elsewhere")]
    assert world.li.id_number not in json.dumps(job.errors)
    assert Resident.objects.filter(name="李强").count() == 1


def test_compound_outside_scope_reads_as_unknown(world):
    # 榆兰新村 exists but lies in neighbourhood B; the cadre of A must not learn that.
    _job, outside = errors_of(world, world.cadre, [row(compound="榆兰新村", room="102")])
    job2, unknown = errors_of(world, world.cadre, [row(compound="无此小区", room="102")])
    assert outside == unknown == [(2, "小区", "unknown_compound")]
    with translation.override("en"):
        job3 = ledger_preview(
            actor=world.cadre, street_id=world.street.pk,
            upload=upload(xlsx_bytes([row(compound="榆兰新村", room="102")])), filename="x.xlsx",
        )  # fmt: skip
    assert job3.errors[0]["message"].replace("榆兰新村", "X") == job2.errors[0]["message"].replace(
        "无此小区", "X"
    )


def test_headers_as_written_are_named_in_errors(world):
    headers = ["楼栋", "房号", "小区名称", "姓名", "手机"]
    rows = [["1号楼", "303", "雨泉花园", "马大爷", "12"]]
    _job, errors = errors_of(world, world.cadre, rows, headers=headers)
    assert errors == [(2, "手机", "bad_phone")]


def test_id_of_a_person_in_another_dwelling_of_the_same_file_is_an_error(world):
    # 周美华 is registered in 1-1-301; the file lists 301 too but puts her in 303.
    rows = [
        row(room="301", name="王建国", idn=world.wang.id_number, relation="配偶"),
        row(room="303", name="周美华", idn=world.zhou.id_number),
    ]
    _job, errors = errors_of(world, world.cadre, rows)
    assert errors == [(3, "身份证号", "registered_elsewhere")]
