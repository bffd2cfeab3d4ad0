"""Oversight pages (等保): 个人信息查看记录 and 操作记录 — who may open them, which rows each
auditor sees, the filters, paging, and the audited Excel export.

Street S: the street admin sees every row of S; the cadre of neighbourhood A sees the rows
about records in A; T's admin sees none of S. Everyone else gets "not found".
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from linli.core.audit import record_pii_access
from linli.core.models import AuditEvent, PiiAccess
from linli.grids.models import Role
from linli.grids.services import assignment_add
from linli.registry.services import household_update, resident_reveal

pytestmark = pytest.mark.django_db

PII = reverse("grids:pii_log")
CHANGES = reverse("grids:change_log")
PII_EXPORT = reverse("grids:pii_log_export")
CHANGES_EXPORT = reverse("grids:change_log_export")

AUDITORS = {"admin", "cadre", "other_admin"}
EVERYONE = [
    "admin",
    "other_admin",
    "cadre",
    "grid_a1_worker",
    "grid_b1_worker",
    "leader",
    "property",
    "volunteer",
    "resident_user",
    "nobody",
]


@pytest.fixture
def logs(world):
    """Reveals and changes in both neighbourhoods of S and in T, plus a bulk export row."""
    w = world

    def reveal(actor, *people, reason):
        resident_reveal(
            actor=actor, resident_ids=[p.pk for p in people], reason=reason, channel="page"
        )

    reveal(w.admin, w.zhou, w.wang, reason="核实低保申请")  # A1 (neighbourhood A)
    reveal(w.cadre, w.liu, reason="上门走访")  # A2 (A)
    reveal(w.admin, w.zhao, reason="残疾补贴核对")  # B1 (neighbourhood B)
    reveal(w.other_admin, w.sun, reason="嘉兴路核查")  # street T
    record_pii_access(
        actor=w.admin,
        street_id=w.street.pk,
        target_type="registry.resident",
        target_ids=[w.zhou.pk, w.zhao.pk],
        fields="id_number,phone",
        reason="=HYPERLINK(1)",
        channel="export",
    )
    household_update(actor=w.grid_a1_worker, household=w.hh_a1, tenure="owner", note="A1 改")
    household_update(actor=w.grid_b1_worker, household=w.hh_b1, tenure="owner", note="B1 改")
    household_update(actor=w.other_admin, household=w.hh_t, tenure="owner", note="T 改")
    assignment_add(actor=w.admin, user=w.nobody, role=Role.VOLUNTEER, node=w.grid_b1)
    return w


def text_of(response) -> str:
    return response.content.decode()


def event(world, note: str) -> AuditEvent:
    return AuditEvent.objects.get(changes__note__1=note)


@pytest.mark.parametrize("who", EVERYONE)
def test_who_may_open_the_pages(logs, login, who):
    client = login(getattr(logs, who))
    detail = reverse("grids:change_detail", args=[event(logs, "A1 改").pk])
    before = (AuditEvent.objects.count(), PiiAccess.objects.count())
    for url in (PII, CHANGES):
        assert client.get(url).status_code == (200 if who in AUDITORS else 404), url
    expected_detail = 200 if who in {"admin", "cadre"} else 404
    assert client.get(detail).status_code == expected_detail
    if who not in AUDITORS:
        for url in (PII_EXPORT, CHANGES_EXPORT):
            assert client.post(url).status_code == 404
            assert client.get(url).status_code == 404
        # A denial changes nothing.
        assert (AuditEvent.objects.count(), PiiAccess.objects.count()) == before


def test_street_admin_sees_the_whole_street_and_nothing_of_the_other(logs, login):
    client = login(logs.admin)
    pii = text_of(client.get(PII))
    for name in ("周美华", "王建国", "刘运京", "赵嫦娥"):
        assert name in pii
    assert "孙丽" not in pii and "嘉兴路核查" not in pii
    assert "核实低保申请" in pii and "上门走访" in pii
    assert "2 条记录" in pii  # the bulk export's summary row
    assert "'=HYPERLINK" not in pii  # the page shows the reason as typed, escaped
    changes = text_of(client.get(CHANGES))
    assert "A1 改" not in changes  # notes are in the detail, not the list
    rows = client.get(CHANGES).context["page"].object_list
    notes = {r.changes.get("note", [None, None])[1] for r in rows}
    assert {"A1 改", "B1 改"} <= notes and "T 改" not in notes
    assert any(r.verb == "grant" for r in rows)


def test_cadre_sees_only_records_of_their_neighbourhood(logs, login):
    client = login(logs.cadre)
    pii = text_of(client.get(PII))
    assert "周美华" in pii and "王建国" in pii and "刘运京" in pii
    assert "赵嫦娥" not in pii and "孙丽" not in pii
    assert "残疾补贴核对" not in pii
    assert "2 条记录" not in pii  # bulk summaries are the street admin's
    rows = client.get(CHANGES).context["page"].object_list
    notes = {r.changes.get("note", [None, None])[1] for r in rows}
    assert "A1 改" in notes and "B1 改" not in notes and "T 改" not in notes
    assert not any(r.verb == "grant" for r in rows)  # the grant is on a grid of B
    other = reverse("grids:change_detail", args=[event(logs, "B1 改").pk])
    assert client.get(other).status_code == 404


def test_another_streets_admin_sees_none_of_it(logs, login):
    client = login(logs.other_admin)
    pii = text_of(client.get(PII))
    assert "孙丽" in pii and "嘉兴路核查" in pii
    for name in ("周美华", "王建国", "刘运京", "赵嫦娥"):
        assert name not in pii
    for note in ("A1 改", "B1 改"):
        response = client.get(reverse("grids:change_detail", args=[event(logs, note).pk]))
        assert response.status_code == 404
        assert "找不到这个页面" in text_of(response)
    mine = client.get(reverse("grids:change_detail", args=[event(logs, "T 改").pk]))
    assert mine.status_code == 200 and "T 改" in text_of(mine)
    # Asking for S's records by type and number finds nothing either.
    response = client.get(PII, {"type": "registry.resident", "record": logs.zhou.pk})
    assert response.context["page"].paginator.count == 0


def test_change_detail_reads_as_words(logs, login):
    response = login(logs.admin).get(reverse("grids:change_detail", args=[event(logs, "A1 改").pk]))
    html = text_of(response)
    assert "备注" in html and "A1 改" in html  # registry's own wording of the change
    assert "周美华网格长" in html  # who
    assert "修改" in html  # the verb


def test_filters_by_person_action_object_and_dates(logs, login):
    client = login(logs.admin)

    def count(url, **params):
        response = client.get(url, params)
        assert response.status_code == 200
        return response.context["page"].paginator.count

    assert count(PII) == 5
    assert count(PII, person="cadre") == 1
    assert count(PII, person="街道管理员") == 4
    assert count(PII, actor=logs.cadre.pk) == 1
    assert count(PII, action="export") == 1
    assert count(PII, action="page") == 4
    assert count(PII, type="registry.resident", record=logs.zhao.pk) == 1
    today = timezone.localdate()
    assert count(PII, date_from=today.isoformat(), date_to=today.isoformat()) == 5
    assert count(PII, date_to=(today - dt.timedelta(days=1)).isoformat()) == 0
    assert count(PII, date_from="2020/1/1") == 5  # other ways of writing a date
    assert count(CHANGES, action="update") == 2
    assert count(CHANGES, type="registry.household", record=logs.hh_a1.pk) == 1
    assert count(CHANGES, person="grid_b1") == 1


def test_bad_filters_show_their_error_and_no_rows(logs, login):
    client = login(logs.admin)
    response = client.get(PII, {"person": "310109195203150027"})
    assert response.status_code == 400
    assert response.context["page"].paginator.count == 0
    assert "请按姓名或用户名查找人员" in text_of(response)
    response = client.get(PII, {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert response.status_code == 400 and "结束日期早于开始日期" in text_of(response)
    assert client.get(PII, {"date_from": "yesterday"}).status_code == 400


def test_pages_of_fifty(world, login):
    start = timezone.now() - dt.timedelta(days=1)
    for i in range(60):
        PiiAccess.objects.create(
            street=world.street,
            actor=world.admin,
            target_type="registry.resident",
            target_id=world.zhou.pk,
            fields="id_number",
            reason=f"第{i}次",
            at=start + dt.timedelta(minutes=i),
        )
    client = login(world.admin)
    first = client.get(PII, {"action": "page"})
    assert len(first.context["lines"]) == 50
    assert "第59次" in text_of(first) and "第9次" not in text_of(first)  # newest first
    assert "page=2" in text_of(first) and "action=page" in text_of(first)
    second = client.get(PII, {"action": "page", "page": 2})
    assert len(second.context["lines"]) == 10 and "第0次" in text_of(second)


def sheet_rows(response) -> list[list]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_export_is_the_filtered_list_and_is_itself_audited(logs, login):
    client = login(logs.admin)
    before = AuditEvent.objects.count()
    response = client.post(PII_EXPORT, {"action": "export"})
    assert response.status_code == 200
    rows = sheet_rows(response)
    assert rows[0][:3] == ["时间", "人员", "用户名"]
    assert len(rows) == 2  # the header and the one export row
    assert rows[1][-1] == "'=HYPERLINK(1)"  # a typed formula is neutralised
    assert rows[1][3] == "Excel 导出"
    assert AuditEvent.objects.count() == before + 1
    recorded = AuditEvent.objects.get(verb="export")
    assert recorded.verb == "export" and recorded.actor == logs.admin
    assert recorded.target_type == "grids.gridnode" and recorded.target_id == logs.street.pk
    assert recorded.changes["filters"] == {"action": "export"} and recorded.changes["rows"] == 1
    # The export shows up in the audit trail.
    trail = client.get(CHANGES, {"action": "export"})
    assert trail.context["page"].paginator.count == 1


def test_change_history_export_and_the_cadres_own_record(logs, login):
    client = login(logs.cadre)
    rows = sheet_rows(client.post(CHANGES_EXPORT))
    text = repr(rows)
    assert "A1 改" in text and "B1 改" not in text and "T 改" not in text
    recorded = AuditEvent.objects.get(verb="export")
    assert recorded.target_id == logs.nbh_a.pk and recorded.street_id == logs.street.pk
    # The cadre sees their own export in their audit trail.
    assert client.get(CHANGES, {"action": "export"}).context["page"].paginator.count == 1


def test_other_street_export_holds_none_of_street_s(logs, login):
    rows = sheet_rows(login(logs.other_admin).post(PII_EXPORT))
    text = repr(rows)
    assert "孙丽" in text and "周美华" not in text and "赵嫦娥" not in text


def test_export_refuses_a_bad_filter_and_records_nothing(logs, login):
    client = login(logs.admin)
    before = AuditEvent.objects.count()
    response = client.post(PII_EXPORT, {"person": "13812341234"})
    assert response.status_code == 302
    assert AuditEvent.objects.count() == before


def test_home_page_links_auditors_to_the_pages(logs, login):
    assert PII in text_of(login(logs.admin).get("/"))
    assert PII not in text_of(login(logs.grid_a1_worker).get("/"))
