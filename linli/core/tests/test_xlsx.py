"""The workbook writer: what it writes reads back the same in openpyxl and calamine."""

from __future__ import annotations

import datetime as dt
import io
import os
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from linli.core.xlsx import Workbook, column_letter, neutralise

HEADERS = ["小区", "楼", "面积", "出生日期", "备注"]
TITLE = '住户 & <居民> "名单" 超过三十一个字符的工作表名称一二三四五'  # Excel allows 31


@pytest.fixture
def written():
    with Workbook() as book:
        sheet = book.sheet(TITLE, HEADERS, (16, 6, 8))
        sheet.append(["榆兰新村", "2", 61.5, dt.date(1952, 3, 15), "A&B <c> 'd'"])
        sheet.append(["三宝新村", None, 0, None, "  两头有空格  "])
        sheet.append(
            ["控制\x00字\x07符\x1f", "", Decimal("70.25"), dt.datetime(2026, 11, 22, 12), "换\n行"]
        )
        notes = book.sheet("说明")
        notes.append(["标题"])
        notes.append([])
        notes.append(["列", "说明"], bold=True)
        notes.append([True, 3])
        path = book.save()
    yield sheet, notes, path
    os.unlink(path)


def test_values_read_back_in_calamine(written):
    sheet, _notes, path = written
    rows = CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()
    assert rows[0] == HEADERS
    assert rows[1] == ["榆兰新村", "2", 61.5, dt.date(1952, 3, 15), "A&B <c> 'd'"]
    assert rows[2][:3] == ["三宝新村", "", 0] and rows[2][4] == "  两头有空格  "
    assert rows[3][0] == "控制字符"  # characters XML cannot hold are dropped
    assert rows[3][2] == 70.25 and rows[3][4] == "换\n行"
    assert sheet.rows == 3


def test_header_bold_frozen_widths_and_dates_in_openpyxl(written):
    _sheet, _notes, path = written
    book = load_workbook(path)
    ws = book.worksheets[0]
    assert ws.title == TITLE[:31]
    assert [c.value for c in ws[1]] == HEADERS and all(c.font.b for c in ws[1])
    assert not ws["A2"].font.b
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width == 16 and ws.column_dimensions["C"].width == 8
    assert ws["D2"].value == dt.datetime(1952, 3, 15) and ws["D2"].number_format == "yyyy-mm-dd"
    assert ws["D4"].value == dt.datetime(2026, 11, 22, 12)
    assert ws["B3"].value is None and ws["C3"].value == 0  # empty stays empty, 0 stays 0


def test_a_second_sheet_without_a_header(written):
    _sheet, notes, path = written
    book = load_workbook(path)
    assert book.sheetnames == [TITLE[:31], "说明"]
    ws = book["说明"]
    assert ws.freeze_panes is None
    assert list(ws.iter_rows(values_only=True)) == [
        ("标题", None),
        (None, None),
        ("列", "说明"),
        (True, 3),
    ]
    assert not ws["A1"].font.b and ws["A3"].font.b and ws["B3"].font.b
    assert notes.rows == 4  # no header: every row counts


@pytest.mark.parametrize(
    ("value", "want"),
    [("=1+1", "'=1+1"), ("+86", "'+86"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
     ("\tx", "'\tx"), ("\rx", "'\rx"), ("\nx", "'\nx"), ("周美华", "周美华"), ("a=b", "a=b"),
     (12, 12), (-2, -2), (None, None)],
)  # fmt: skip
def test_neutralise(value, want):
    assert neutralise(value) == want


def test_text_cells_are_neutralised_in_the_file_and_numbers_are_not():
    out = io.BytesIO()
    with Workbook() as book:
        sheet = book.sheet("表", ["=HEADER"])
        sheet.append(['=HYPERLINK("http://x","y")', -3, "@cmd", "-1"])
        book.save(out)
    ws = load_workbook(io.BytesIO(out.getvalue())).active
    assert ws["A1"].value == "'=HEADER"
    assert [c.value for c in ws[2]] == ['\'=HYPERLINK("http://x","y")', -3, "'@cmd", "'-1"]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_a_failed_save_leaves_no_files(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with Workbook() as book:
        book.sheet("表", ["a"]).append(["x"])
        monkeypatch.setattr("linli.core.xlsx._SHEET_TAIL", None)  # writing the tail fails
        with pytest.raises(AttributeError):
            book.save()
    assert list(tmp_path.iterdir()) == []


def test_an_unsaved_workbook_leaves_no_files(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with pytest.raises(RuntimeError), Workbook() as book:
        book.sheet("表", ["a"]).append(["x"])
        assert len(list(tmp_path.iterdir())) == 1  # the sheet's rows, until saved
        raise RuntimeError("the export failed half way")
    assert list(tmp_path.iterdir()) == []


def test_sheet_names_excel_refuses_are_made_acceptable():
    out = io.BytesIO()
    with Workbook() as book:
        book.sheet("2026/11 [网格]: 名单?*\\").append(["x"])
        book.save(out)
    assert load_workbook(io.BytesIO(out.getvalue())).sheetnames == ["2026_11 _网格__ 名单___"]


def test_a_workbook_needs_a_sheet():
    with pytest.raises(ValueError):
        Workbook().save(io.BytesIO())


@pytest.mark.parametrize(
    "index, letters",
    [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (52, "BA"), (701, "ZZ"), (702, "AAA")],
)
def test_column_letters(index, letters):
    assert column_letter(index) == letters
