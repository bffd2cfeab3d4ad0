"""The campaign report's figures against a fixture, and the summary paragraph's wording for
several number ranges (the newspaper's 余)."""

import datetime as dt

import pytest

from linli.safety import services
from linli.safety.models import ChecklistItem, Tally
from linli.safety.report import CampaignReport, ItemTally, approx, campaign_report, summary

from .conftest import DAY, T0, answers


@pytest.mark.parametrize(
    ("n", "said"),
    [
        (0, "0"),
        (7, "7"),
        (99, "99"),
        (100, "100"),
        (143, "140余"),
        (150, "150"),
        (999, "990余"),
        (1000, "1000"),
        (1234, "1200余"),
        (9999, "9900余"),
        (10000, "1万"),
        (12345, "1.2万余"),
        (20000, "2万"),
        (20500, "2万余"),
    ],
)
def test_approx(n, said):
    assert approx(n) == said


def _item(label, tally, phrase, unit=""):
    return ChecklistItem(label=label, tally=tally, phrase=phrase, count_unit=unit)


def test_summary_reads_like_the_paper():
    r = CampaignReport(campaign=None)  # type: ignore[arg-type]
    r.sites = {"compound": 76, "rental_site": 51}
    r.items = [
        ItemTally(_item("公共区域堆物", Tally.COUNT, "清理公共区域堆物{n}处", "处"), 127, 18, 21),
        ItemTally(_item("电动车", Tally.COUNT, "电动自行车违规停放充电{n}辆", "辆"), 127, 30, 143),
        ItemTally(_item("消防管网", Tally.CHECKED, "检查消防管网{n}处"), 56, 2, 0),
        ItemTally(
            _item("通道", Tally.CHECKED, "检查消防车通道、疏散通道等是否畅通{n}处"), 48, 0, 0
        ),
        ItemTally(_item("燃气", Tally.HAZARDS, "燃气使用不规范{n}处"), 90, 0, 0),
    ]
    assert summary(r) == (
        "清查期间，工作组共对辖区内76处居民小区和51处规模性租赁场所展开行动，清理公共区域堆物"
        "21处，电动自行车违规停放充电140余辆；检查消防管网56处，消防车通道、疏散通道等是否畅通48处。"
    )


def test_summary_names_night_inspections_notices_and_three_kinds():
    r = CampaignReport(campaign=None)  # type: ignore[arg-type]
    r.sites = {"compound": 3, "rental_site": 2, "enterprise": 4}
    r.night = 2
    r.hazards, r.on_the_spot = 9, 4
    r.notices, r.rectified_on_time, r.rectified_late, r.escalated, r.suspended = 5, 2, 1, 1, 1
    text = summary(r)
    assert text.startswith(
        "清查期间，工作组共对辖区内3处居民小区、2处规模性租赁场所和4家企业展开行动，其中夜查2次。"
    )
    assert "共发现安全隐患9处，当场整改4处。" in text
    assert (
        "开具《责令立即改正通知书》5份，经“回头看”已整改到位3份（其中逾期整改1份），1份移交联合执法，责令停业整顿1处。"
        in text
    )


def test_summary_of_nothing_is_empty():
    assert summary(CampaignReport(campaign=None)) == ""  # type: ignore[arg-type]


@pytest.mark.django_db
def test_report_tallies_against_a_fixture(safe):
    w = safe
    site_a = services.unit_site(w.rental)
    site_b = services.compound_site(w.compound_a1)
    for site, hazards, counts, night in [
        (site_a, {"通道堆物"}, {"电动自行车违规停放/充电": 40, "通道堆物": 2}, True),
        (site_a, set(), {"电动自行车违规停放/充电": 5}, False),  # the same site again
        (site_b, {"飞线充电", "电线老化"}, {"飞线充电": 3}, False),
    ]:
        items = answers(w.items, hazards=hazards, counts=counts)
        items[4].result = "na"  # 消防管网 not applicable
        services.inspection_record(
            actor=w.admin, site=site, campaign=w.campaign, items=items, night=night, at=T0 + DAY
        )
    r = campaign_report(w.campaign)
    assert r.sites == {"rental_site": 1, "compound": 1}
    assert r.targets == {"compound": 3, "rental_site": 1}
    assert (r.inspections, r.night, r.hazards) == (3, 1, 3)
    tally = {t.item.label: t for t in r.items}
    assert tally["电动自行车违规停放/充电"].count == 45
    assert tally["消防管网"].checked == 0 and tally["安全出口"].checked == 3
    assert tally["飞线充电"].hazards == 1 and tally["飞线充电"].figure == 3
    assert "，安全出口3处。" in summary(r) and "电动自行车违规停放充电45辆" in summary(r)
    assert dt.date(2026, 11, 2) == T0.date()
