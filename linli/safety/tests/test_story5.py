"""Story 5 end to end through the services: a joint team inspects a rental site, finds
hazards, puts one right on the spot, issues a rectification notice; the re-inspection
closes one hazard and escalates the other; the site is ordered to suspend business."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.safety import selectors, services
from linli.safety.models import HazardStatus, Notice, NoticeStatus
from linli.safety.report import campaign_report, summary

from .conftest import DAY, T0

pytestmark = pytest.mark.django_db


def test_inspection_to_suspension(inspected):
    w = inspected
    assert [h.status for h in w.hazards] == ["open", "open", "fixed"]
    assert w.hazards[2].on_the_spot and w.hazards[2].photos.filter(after=True).count() == 1
    open_hazards = [h for h in w.hazards if h.status == HazardStatus.OPEN]
    notice = services.notice_issue(
        actor=w.grid_a1_worker,
        hazards=open_hazards,
        responsible="王老板",
        deadline=(T0 + 8 * DAY).date(),
        units=[w.police, w.squad],
        at=T0 + DAY,
    )
    assert notice.number == "〔2026〕第0001号"
    assert notice.campaign_id == w.campaign.pk
    assert {h.status for h in notice.hazards.all()} == {HazardStatus.NOTIFIED}
    services.notice_acknowledge(
        actor=w.rental_manager, notice=notice, signed_by="王老板", at=T0 + 2 * DAY
    )
    notice = services.notice_reinspect(
        actor=w.grid_a1_worker,
        notice=Notice.objects.get(pk=notice.pk),
        fixed={open_hazards[0].pk},
        note="隔层已拆除",
        at=T0 + 5 * DAY,
    )
    assert notice.status == NoticeStatus.ESCALATED
    statuses = dict(notice.hazards.values_list("pk", "status"))
    assert statuses == {open_hazards[0].pk: "fixed", open_hazards[1].pk: "escalated"}
    notice = services.notice_suspend(
        actor=w.admin, notice=notice, note="经联合检查组研究，责令停业整顿"
    )
    assert notice.status == NoticeStatus.SUSPENSION
    report = campaign_report(w.campaign)
    assert report.sites == {"rental_site": 1}
    assert report.hazards == 3 and report.on_the_spot == 1 and report.notices == 1
    assert report.suspended == 1 and report.reinspections == 1
    text = summary(report)
    assert text.startswith("清查期间，工作组共对辖区内1处规模性租赁场所展开行动")
    assert "清理通道堆物3处" in text and "电动自行车违规停放充电12辆" in text
    assert "检查消防管网1处" in text
    detail = selectors.notice_detail(actor=w.grid_a1_worker, pk=notice.pk)
    assert [e.verb for e in detail.events] == ["issue", "acknowledge", "failed", "suspend"]


def test_overdue_sweep_escalates_once(inspected):
    w = inspected
    notice = services.notice_issue(
        actor=w.grid_a1_worker,
        hazards=[w.hazards[0]],
        responsible="王老板",
        deadline=(T0 + 3 * DAY).date(),
        at=T0 + DAY,
    )
    later = T0 + 5 * DAY
    assert services.escalate_overdue(later) == {"notices": 1, "hazards": 1}
    assert services.escalate_overdue(later) == {"notices": 0, "hazards": 0}
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ESCALATED and notice.overdue_at == later


def test_reminder_before_reinspection(inspected, mailbox=None):
    w = inspected
    services.notice_issue(
        actor=w.grid_a1_worker,
        hazards=[w.hazards[0]],
        responsible="王老板",
        deadline=(T0 + 6 * DAY).date(),
        reinspect_on=(T0 + 4 * DAY).date(),
        at=T0 + DAY,
    )
    assert services.remind_reinspections(T0 + 2 * DAY) == {"reminded": 0}
    assert services.remind_reinspections(T0 + 3 * DAY) == {"reminded": 1}
    assert services.remind_reinspections(T0 + 3 * DAY + dt.timedelta(hours=1)) == {"reminded": 0}
