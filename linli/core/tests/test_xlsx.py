"""The export writer: what it writes reads back the same in openpyxl and calamine."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from linli.core.xlsx import SheetWriter, column_letter

HEADERS = ["小区", "楼", "面积", "出生日期", "备注"]
TITLE = '住户 & <居民> "名单" 超过三十一个字符的工作表名称一二三四五'  # Excel allows 31


@pytest.fixture
def written():
    sheet = SheetWriter(TITLE, HEADERS, (16, 6, 8))
    sheet.append(["榆兰新村", "2", 61.5, dt.date(1952, 3, 15), "A&B <c> 'd'"])
    sheet.append(["三宝新村", None, 0, None, "  两头有空格  "])
    sheet.append(
        ["控制\x00字\x07符\x1f", "", Decimal("70.25"), dt.datetime(2026, 11, 22, 12), "换\n行"]
    )
    path = sheet.save()
    yield sheet, path
    os.unlink(path)


def test_values_read_back_in_calamine(written):
    sheet, path = written
    rows = CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()
    assert rows[0] == HEADERS
    assert rows[1] == ["榆兰新村", "2", 61.5, dt.date(1952, 3, 15), "A&B <c> 'd'"]
    assert rows[2][:3] == ["三宝新村", "", 0] and rows[2][4] == "  两头有空格  "
    assert rows[3][0] == "控制字符"  # characters XML cannot hold are dropped
    assert rows[3][2] == 70.25 and rows[3][4] == "换\n行"
    assert sheet.rows == 3


def test_header_bold_frozen_widths_and_dates_in_openpyxl(written):
    _sheet, path = written
    book = load_workbook(path)
    ws = book.active
    assert ws.title == TITLE[:31]
    assert [c.value for c in ws[1]] == HEADERS and all(c.font.b for c in ws[1])
    assert not ws["A2"].font.b
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width == 16 and ws.column_dimensions["C"].width == 8
    assert ws["D2"].value == dt.datetime(1952, 3, 15) and ws["D2"].number_format == "yyyy-mm-dd"
    assert ws["D4"].value == dt.datetime(2026, 11, 22, 12)
    assert ws["B3"].value is None and ws["C3"].value == 0  # empty stays empty, 0 stays 0


def test_a_failed_save_leaves_no_files(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    sheet = SheetWriter("表", ["a"])
    sheet.append(["x"])
    monkeypatch.setattr("linli.core.xlsx._SHEET_TAIL", None)  # writing the tail fails
    with pytest.raises(AttributeError):
        sheet.save()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "index, letters",
    [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (52, "BA"), (701, "ZZ"), (702, "AAA")],
)
def test_column_letters(index, letters):
    assert column_letter(index) == letters
