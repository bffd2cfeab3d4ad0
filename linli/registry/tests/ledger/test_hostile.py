"""Hostile files get a clear message and a rejected job; nothing is saved, nothing is kept."""

from __future__ import annotations

import os

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from linli.registry.ledger.services import ledger_preview
from linli.registry.models import ImportJob, ImportStatus, Resident
from linli.testing import english

from .conftest import (
    HEADERS,
    SHEET_HEAD,
    SHEET_TAIL,
    inline_row,
    raw_xlsx,
    row,
    upload,
    xlsx_bytes,
)

GOOD_SHEET = SHEET_HEAD + inline_row(1, ["小区", "楼号", "室号", "姓名"]) + inline_row(
    2, ["雨泉花园", "1", "303", "马大爷"]
) + SHEET_TAIL  # fmt: skip

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
)


def refused(world, data: bytes) -> ImportJob:
    residents = Resident.objects.count()
    with translation.override("en"):
        job = ledger_preview(
            actor=world.cadre, street_id=world.street.pk, upload=upload(data), filename="x.xlsx"
        )
    assert job.status == ImportStatus.REJECTED
    assert len(job.errors) == 1 and job.errors[0]["row"] is None
    assert job.errors[0]["message"]
    assert not job.file  # a refused file is not kept
    assert Resident.objects.count() == residents
    return job


def test_the_hand_made_workbook_is_accepted(world):
    with translation.override("en"):
        job = ledger_preview(
            actor=world.cadre, street_id=world.street.pk, upload=upload(raw_xlsx(GOOD_SHEET)),
            filename="x.xlsx",
        )  # fmt: skip
    assert job.status == ImportStatus.PREVIEWED, job.errors
    assert job.counts["residents"]["new"] == 1


def test_not_an_xlsx(world):
    assert refused(world, b"name,phone\n").errors[0]["code"] == "not_xlsx"


def test_old_xls_or_password_protected(world):
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    assert refused(world, data).errors[0]["code"] == "ole"


def test_a_zip_that_is_not_a_workbook(world):
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "hello")
    assert refused(world, out.getvalue()).errors[0]["code"] == "not_xlsx"


def test_truncated_zip(world):
    data = xlsx_bytes([row()])
    assert refused(world, data[: len(data) // 2]).errors[0]["code"] == "corrupt"


def test_damaged_member_data(world):
    data = bytearray(raw_xlsx(GOOD_SHEET, extra={"xl/media/pad.bin": os.urandom(4000)}))
    start = data.find(b"xl/media/pad.bin") + len("xl/media/pad.bin") + 100
    data[start : start + 50] = b"\0" * 50  # corrupt the deflated bytes: CRC or zlib fails
    assert refused(world, bytes(data)).errors[0]["code"] == "corrupt"


def test_zip_bomb_by_ratio(world):
    bomb = raw_xlsx(GOOD_SHEET, extra={"xl/media/image1.bin": b"\0" * (20 * 1024 * 1024)})
    assert len(bomb) < 100_000
    assert refused(world, bomb).errors[0]["code"] == "zip_bomb"


@override_settings(LINLI_IMPORT_MAX_UNCOMPRESSED_BYTES=1024 * 1024)
def test_zip_bomb_by_total_size(world):
    extra = {f"xl/media/{i}.bin": os.urandom(400_000) for i in range(3)}
    data = raw_xlsx(GOOD_SHEET, extra=extra, stored=set(extra))
    assert refused(world, data).errors[0]["code"] == "zip_bomb"


def test_xml_entities_in_the_sheet(world):
    sheet = BILLION_LAUGHS + GOOD_SHEET.split("?>", 1)[1]
    assert refused(world, raw_xlsx(sheet)).errors[0]["code"] == "xml_entities"


def test_xml_entities_in_any_member(world):
    data = raw_xlsx(GOOD_SHEET, extra={"docProps/app.xml": BILLION_LAUGHS.encode() + b"<a/>"})
    assert refused(world, data).errors[0]["code"] == "xml_entities"


def test_utf16_xml_is_refused(world):
    sheet = GOOD_SHEET.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert refused(world, raw_xlsx(sheet)).errors[0]["code"] == "xml_encoding"


@override_settings(LINLI_IMPORT_MAX_ROWS=50)
def test_too_many_rows(world):
    rows = [row(room=str(300 + i), name=f"人{i}") for i in range(80)]
    job = refused(world, xlsx_bytes(rows))
    assert job.errors[0]["code"] == "too_many_rows" and "50" in job.errors[0]["message"]


@override_settings(LINLI_IMPORT_MAX_ROWS=50)
def test_one_far_away_row_counts_as_too_many_rows(world):
    sheet = GOOD_SHEET.replace(SHEET_TAIL, '<row r="900000"><c r="A900000"><v>1</v></c></row>')
    sheet += SHEET_TAIL
    assert refused(world, raw_xlsx(sheet)).errors[0]["code"] == "too_many_rows"


def test_one_far_away_column_is_refused(world):
    # Without this check the reader would allocate the whole A1:XFD2 grid (or abort).
    sheet = GOOD_SHEET.replace(SHEET_TAIL, '<row r="3"><c r="XFD3"><v>1</v></c></row>' + SHEET_TAIL)
    assert refused(world, raw_xlsx(sheet)).errors[0]["code"] == "too_many_columns"


def test_too_many_cells_without_references(world):
    wide = "<row>" + "<c><v>1</v></c>" * 100 + "</row>"
    sheet = GOOD_SHEET.replace(SHEET_TAIL, wide + SHEET_TAIL)
    assert refused(world, raw_xlsx(sheet)).errors[0]["code"] == "too_many_columns"


@override_settings(LINLI_IMPORT_MAX_BYTES=2000)
def test_upload_over_the_size_limit(world):
    job = refused(world, xlsx_bytes([row()]))
    assert job.errors[0]["code"] == "too_large"


def test_unparseable_sheet(world):
    assert refused(world, raw_xlsx("<worksheet><sheetData><row>")).errors[0]["code"] in {
        "unreadable", "no_header"
    }  # fmt: skip


def test_hostile_upload_through_the_page_gives_a_message_not_a_500(world, login):
    client = login(world.cadre)
    data = raw_xlsx(BILLION_LAUGHS + GOOD_SHEET.split("?>", 1)[1])
    response = english(client).post(
        reverse("registry:import"), {"street": world.street.pk, "file": upload(data)},
    )  # fmt: skip
    assert response.status_code == 302
    page = english(client).get(response["Location"])
    assert page.status_code == 200
    assert "DOCTYPE/ENTITY" in page.content.decode()
    assert 'id="commit-form"' not in page.content.decode()


@pytest.mark.parametrize("headers", [HEADERS])
def test_headers_constant_is_the_template(headers):
    from linli.registry.ledger.columns import TEMPLATE_HEADERS

    assert list(TEMPLATE_HEADERS) == headers
