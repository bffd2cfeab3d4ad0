"""Helpers for ledger tests: build .xlsx files in memory, upload them as a world user."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve, reverse
from openpyxl import Workbook

from linli.core.pii import id_check_digit

HEADERS = ["小区", "楼号", "单元", "室号", "面积", "户别", "姓名", "性别", "出生日期",
           "身份证号", "联系电话", "与户主关系", "户籍类型", "标签"]  # fmt: skip


def valid_id(first17: str) -> str:
    return first17 + id_check_digit(first17)


# Fictional people who are not in the world yet.
NEW_IDS = {
    "ma": valid_id("31010919480304003"),  # born 1948
    "he": valid_id("31010919500101004"),
    "xu": valid_id("42010219950606001"),
    "gao": valid_id("42010219960707002"),
}


def xlsx_bytes(rows: list[list], headers=HEADERS, title_rows: list[list] | None = None) -> bytes:
    """A workbook whose first sheet holds optional title rows, the header, then ``rows``."""
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    for title in title_rows or []:
        ws.append(title)
    if title_rows:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.append(list(headers))
    for row in rows:
        ws.append(row)
    for cell in ws["J"]:
        cell.number_format = "@"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(data: bytes, name: str = "台账.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def ask_export(client, kind="households", params=None, reason=None):
    """Ask for an export as its page does (``reason``: with full numbers); the response."""
    query = urlencode(params or {}, doseq=True)
    if reason is not None:
        query = f"{query}&unmask=1" if query else "unmask=1"
    url = reverse(f"registry:export_{kind}")
    return client.post(f"{url}?{query}", {} if reason is None else {"reason": reason})


def job_pk(response) -> int:
    """The export job a request for one was sent to."""
    assert response.status_code == 302, response.status_code
    return resolve(response["Location"]).kwargs["pk"]


def export_bytes(client, kind="households", params=None, reason=None) -> bytes:
    """Ask for an export, let the worker build it (at once in tests), download the file."""
    response = client.get(
        reverse("registry:export_file", args=[job_pk(ask_export(client, kind, params, reason))])
    )
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def row(compound="雨泉花园", building="1号楼", entrance="1单元", room="303", name="马大爷",
        idn="", phone="", relation="户主", status="户籍", tags="", tenure="自住", area=None,
        gender="", birth=None):  # fmt: skip
    return [compound, building, entrance, room, area, tenure, name, gender, birth, idn, phone,
            relation, status, tags]  # fmt: skip


@pytest.fixture
def new_ids():
    return NEW_IDS


_CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
    'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
    '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
    'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WB = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"


def inline_row(number: int, values: list[str]) -> str:
    cells = "".join(
        f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>'
        for i, v in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'


def raw_xlsx(sheet_xml: str | bytes, extra: dict[str, bytes] | None = None, stored=()) -> bytes:
    """A hand-made .xlsx: the parts a reader needs, the given sheet XML, extra members."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        for name, data in (extra or {}).items():
            kind = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            z.writestr(name, data, compress_type=kind)
    return out.getvalue()
