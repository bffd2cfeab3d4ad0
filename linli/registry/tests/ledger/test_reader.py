"""Header detection, synonyms, free column order and value normalisation."""

from __future__ import annotations

import pytest
from django.utils import translation

from linli.registry.ledger.columns import column_for_header, split_tags
from linli.registry.ledger.reader import read_rows
from linli.registry.ledger.rows import building_number, entrance_number, room_number
from linli.registry.ledger.safety import LedgerFileError
from linli.registry.ledger.services import ledger_preview
from linli.registry.models import ImportStatus, Resident

from .conftest import NEW_IDS, upload, xlsx_bytes


def _write(tmp_path, data: bytes):
    path = tmp_path / "l.xlsx"
    path.write_bytes(data)
    return str(path)


def test_header_below_merged_title_rows_with_shuffled_columns_and_synonyms(tmp_path):
    headers = ["序号", "姓名", "手机号码", "证件号码", "房号", "楼栋", "小区名称", "备注", "幢号"]
    data = xlsx_bytes(
        [[1, "马大爷", "13911112222", NEW_IDS["ma"], "303", "1", "雨泉花园", "", "x"]],
        headers=headers,
        title_rows=[["宝山路街道三宝居民区住户台账"], ["制表：三宝居委", None, "2026年11月"], []],
    )
    layout, rows = read_rows(_write(tmp_path, data))
    assert layout.header_row == 4
    assert layout.columns == {"name": 1, "phone": 2, "id_number": 3, "room": 4, "building": 5,
                              "compound": 6}  # fmt: skip
    assert layout.unknown == ["序号", "备注"] and layout.duplicates == ["幢号"]
    (first,) = list(rows)
    assert first.number == 5 and first.cells["name"] == "马大爷"


def test_unknown_columns_are_reported_in_the_preview(world):
    headers = ["小区", "楼号", "室号", "姓名", "微信号"]
    with translation.override("en"):
        job = ledger_preview(
            actor=world.cadre, street_id=world.street.pk,
            upload=upload(xlsx_bytes([["雨泉花园", "1", "303", "马大爷", "wx"]], headers=headers)),
            filename="x.xlsx",
        )  # fmt: skip
    assert job.status == ImportStatus.PREVIEWED
    assert job.counts["unknown_columns"] == ["微信号"]
    assert job.counts["residents"]["new"] == 1
    assert not Resident.objects.filter(name="马大爷").exists()


def test_missing_required_column_is_a_file_error(tmp_path):
    data = xlsx_bytes([["雨泉花园", "1", "马大爷"]], headers=["小区", "楼号", "姓名"])
    with translation.override("en"), pytest.raises(LedgerFileError) as exc:
        read_rows(_write(tmp_path, data))
    assert exc.value.code == "missing_columns" and "室号" in exc.value.message


def test_no_header_row_is_a_file_error(tmp_path):
    data = xlsx_bytes([["a", "b"]], headers=["甲", "乙"])
    with pytest.raises(LedgerFileError) as exc:
        read_rows(_write(tmp_path, data))
    assert exc.value.code == "no_header"


@pytest.mark.parametrize(
    ("text", "key"),
    [("手机", "phone"), ("联系方式", "phone"), ("证件号码", "id_number"), ("楼栋", "building"),
     ("幢", "building"), ("门牌", "room"), ("房号", "room"), ("住房性质", "tenure"),
     (" 姓 名 ", "name"), ("*小区", "name" if False else "compound"), ("面积（㎡）", "area"),
     ("联系电话(手机)", "phone"), ("籍贯", None)],
)  # fmt: skip
def test_header_synonyms(text, key):
    assert column_for_header(text) == key


@pytest.mark.parametrize(
    ("fn", "text", "want"),
    [(building_number, "2号楼", "2"), (building_number, "2", "2"), (building_number, "2幢", "2"),
     (building_number, "二号楼", "2"), (building_number, "12栋", "12"), (building_number, "3#", "3"),
     (entrance_number, "2单元", "2"), (entrance_number, "2", "2"), (entrance_number, "", "1"),
     (entrance_number, "十一单元", "11"), (room_number, "1401室", "1401"), (room_number, "1401", "1401")],
)  # fmt: skip
def test_place_numbers_are_normalised(fn, text, want):
    assert fn(text) == want


def test_tags_split_with_levels():
    assert split_tags("残疾(二级)、党员,志愿者，楼组长") == [
        ("残疾", "二级"), ("党员", ""), ("志愿者", ""), ("楼组长", "")
    ]  # fmt: skip
    assert split_tags("残疾（一级）") == [("残疾", "一级")]
