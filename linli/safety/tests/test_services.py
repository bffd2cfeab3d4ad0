"""Bad input and refusals through the services: a clear message, and nothing half-saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from linli.core.errors import IllegalTransition, InvalidInput
from linli.safety import services
from linli.safety.models import Hazard, Inspection, ItemResult, Notice, NoticeStatus, Target
from linli.safety.services import notices as notice_services

from .conftest import DAY, T0, answers, photo

pytestmark = pytest.mark.django_db


def _nothing_saved():
    return (Inspection.objects.count(), Hazard.objects.count(), ItemResult.objects.count())


def test_inspection_outside_scope_is_not_found(safe):
    w = safe
    with pytest.raises(Http404):
        services.inspection_record(
            actor=w.grid_b1_worker, site=services.unit_site(w.rental), items=answers(w.items)
        )
    with pytest.raises(Http404):
        services.inspection_record(
            actor=w.other_admin, site=services.unit_site(w.rental), items=answers(w.items)
        )
    assert _nothing_saved() == (0, 0, 0)


def test_inspection_bad_input(safe):
    w = safe
    site = services.unit_site(w.rental)
    cases = [
        (answers(w.items)[:-1], "every item"),
        ([*answers(w.items)[:-1], services.ItemInput(item=w.items[-1], result="maybe")], "choose"),
    ]
    for items, _why in cases:
        with pytest.raises(InvalidInput):
            services.inspection_record(actor=w.admin, site=site, items=items)
    items = answers(w.items)
    items[0].count = -1
    with pytest.raises(InvalidInput):
        services.inspection_record(actor=w.admin, site=site, items=items)
    items = answers(w.items, fixed={"飞线充电"})  # put right, but it passed
    with pytest.raises(InvalidInput):
        services.inspection_record(actor=w.admin, site=site, items=items)
    items = answers(w.items, hazards={"飞线充电"})
    items[8].fixed_on_spot = True  # no after-photo
    with pytest.raises(InvalidInput):
        services.inspection_record(actor=w.admin, site=site, items=items)
    items = answers(w.items, hazards={"飞线充电"}, fixed={"飞线充电"})
    items[8].after_photos = [photo().__class__("x.jpg", b"not an image", "image/jpeg")]
    with pytest.raises(InvalidInput):
        services.inspection_record(actor=w.admin, site=site, items=items)
    with pytest.raises(InvalidInput):
        services.inspection_record(
            actor=w.admin,
            site=site,
            items=answers(w.items),
            inspected_at=dt.datetime.now(dt.UTC) + 2 * DAY,
        )
    assert _nothing_saved() == (0, 0, 0)


def test_inspection_in_a_closed_campaign_is_refused(safe):
    w = safe
    services.campaign_close(actor=w.admin, campaign=w.campaign)
    w.campaign.refresh_from_db()
    with pytest.raises(InvalidInput):
        services.inspection_record(
            actor=w.admin,
            site=services.unit_site(w.rental),
            campaign=w.campaign,
            items=answers(w.items),
        )
    assert _nothing_saved() == (0, 0, 0)


def test_a_site_inspected_outside_the_list_joins_it(safe):
    w = safe
    services.inspection_record(
        actor=w.admin,
        site=services.unit_site(w.enterprise),
        campaign=w.campaign,
        items=answers(w.items),
    )
    assert Target.objects.filter(campaign=w.campaign, unit=w.enterprise).exists()


def test_units_that_are_not_sites(safe):
    w = safe
    with pytest.raises(InvalidInput):
        services.unit_site(w.police)
    w.rental.node = None
    with pytest.raises(InvalidInput):
        services.unit_site(w.rental)


def test_notice_refusals(inspected):
    w = inspected
    h = w.hazards
    ok = {"actor": w.grid_a1_worker, "responsible": "王老板", "deadline": (T0 + 5 * DAY).date()}
    now = {"at": T0 + DAY}
    with pytest.raises(InvalidInput):
        services.notice_issue(hazards=[], **ok, **now)
    with pytest.raises(InvalidInput):  # deadline in the past
        services.notice_issue(hazards=[h[0]], **{**ok, "deadline": T0.date()}, **now)
    with pytest.raises(InvalidInput):  # the hazard put right on the spot is not open
        services.notice_issue(hazards=[h[0], h[2]], **ok, **now)
    with pytest.raises(InvalidInput):  # re-inspection after the deadline
        services.notice_issue(hazards=[h[0]], reinspect_on=(T0 + 9 * DAY).date(), **ok, **now)
    other = services.hazard_report(
        actor=w.admin, site=services.compound_site(w.compound_a1), description="堆物", at=T0
    )
    with pytest.raises(InvalidInput):  # two sites
        services.notice_issue(hazards=[h[0], other], **ok, **now)
    with pytest.raises(InvalidInput):  # not the actor's
        services.notice_issue(hazards=[h[0]], **{**ok, "actor": w.grid_b1_worker}, **now)
    assert not Notice.objects.exists()
    assert Hazard.objects.get(pk=h[0].pk).status == "open"


def test_a_notice_that_fails_gives_its_number_back(inspected, monkeypatch):
    """A notice that fails after taking its number (a worker killed mid-issue rolls back the
    same way) leaves no gap: the next notice takes that number."""
    w = inspected
    ok = {
        "actor": w.grid_a1_worker,
        "responsible": "王老板",
        "deadline": (T0 + 5 * DAY).date(),
        "at": T0 + DAY,
    }

    def broken(notice):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(notice_services, "_on_notice", broken)
    with pytest.raises(RuntimeError):
        services.notice_issue(hazards=[w.hazards[0]], **ok)
    monkeypatch.undo()
    assert not Notice.objects.exists()
    notice = services.notice_issue(hazards=[w.hazards[0]], **ok)
    assert notice.serial == 1 and notice.number == "〔2026〕第0001号"


def test_reinspect_closed_notice_is_illegal(inspected):
    w = inspected
    notice = services.notice_issue(
        actor=w.grid_a1_worker,
        hazards=[w.hazards[0]],
        responsible="王",
        deadline=(T0 + 5 * DAY).date(),
        at=T0 + DAY,
    )
    services.notice_reinspect(
        actor=w.grid_a1_worker, notice=notice, fixed={w.hazards[0].pk}, at=T0 + 2 * DAY
    )
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.RECTIFIED
    with pytest.raises(IllegalTransition):
        services.notice_reinspect(actor=w.grid_a1_worker, notice=notice, fixed=set())
    assert Inspection.objects.filter(notice=notice).count() == 1


def test_reinspect_ticking_a_foreign_hazard(inspected):
    w = inspected
    notice = services.notice_issue(
        actor=w.grid_a1_worker,
        hazards=[w.hazards[0]],
        responsible="王",
        deadline=(T0 + 5 * DAY).date(),
        at=T0 + DAY,
    )
    with pytest.raises(InvalidInput):
        services.notice_reinspect(actor=w.grid_a1_worker, notice=notice, fixed={w.hazards[1].pk})
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ISSUED and not Inspection.objects.filter(notice=notice)


def test_targets_from_the_registry_by_kind_grid_and_risk(safe):
    w = safe
    campaign = services.campaign_create(
        actor=w.admin,
        name="回头看专项",
        node=w.street,
        starts_on=T0.date(),
        ends_on=T0.date(),
        checklist=w.checklist,
        target_kinds=["rental_site", "enterprise"],
    )
    assert (
        services.targets_add(actor=w.admin, campaign=campaign, kinds=["enterprise"], grid=w.grid_b1)
        == 1
    )
    assert (
        services.targets_add(
            actor=w.admin, campaign=campaign, kinds=["rental_site"], only_with_open_hazards=True
        )
        == 0
    )
    services.hazard_report(actor=w.admin, site=services.unit_site(w.rental), description="x")
    assert (
        services.targets_add(
            actor=w.admin, campaign=campaign, kinds=["rental_site"], only_with_open_hazards=True
        )
        == 1
    )
    assert services.targets_add(actor=w.admin, campaign=campaign, kinds=["rental_site"]) == 0
    with pytest.raises(Http404):  # a grid worker does not run campaigns
        services.targets_add(actor=w.grid_a1_worker, campaign=campaign, kinds=["compound"])
    with pytest.raises(InvalidInput):  # a grid of another street
        services.targets_add(actor=w.admin, campaign=campaign, kinds=["compound"], grid=w.grid_t1)
    assert campaign.targets.count() == 2


def test_start_needs_a_list(safe):
    w = safe
    campaign = services.campaign_create(
        actor=w.cadre,
        name="空",
        node=w.nbh_a,
        starts_on=T0.date(),
        ends_on=T0.date(),
        checklist=w.checklist,
        target_kinds=["compound"],
    )
    with pytest.raises(InvalidInput):
        services.campaign_start(actor=w.cadre, campaign=campaign)
    with pytest.raises(Http404):  # a cadre of 三宝 cannot set one up over the street
        services.campaign_create(
            actor=w.cadre,
            name="x",
            node=w.street,
            starts_on=T0.date(),
            ends_on=T0.date(),
            checklist=w.checklist,
            target_kinds=["compound"],
        )


def test_an_issued_notice_is_kept_as_a_pdf(inspected, login):
    w = inspected
    notice = services.notice_issue(actor=w.grid_a1_worker, hazards=[w.hazards[0]],
                                   responsible="王老板", deadline=(T0 + 5 * DAY).date(),
                                   at=T0 + DAY)  # fmt: skip
    notice.refresh_from_db()
    assert "2026-0001" in notice.archive.name and notice.archive.name.endswith(".pdf")
    with notice.archive.open("rb") as f:
        pdf = f.read()
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000
    r = login(w.grid_a1_worker).get(f"/safety/notices/{notice.pk}/notice.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert login(w.grid_b1_worker).get(f"/safety/notices/{notice.pk}/notice.pdf").status_code == 404
