"""Story 3 on phones, end to end: the community worker turns a resident's door-frame request
into a volunteer order for four, four carpenters claim it from their phones and the fifth
is told it is full, they check in and out, the worker confirms 修好, the points appear on
the volunteer's phone and a towel is reserved in the points store.

Every step goes through the real pages in chromium (390 px wide); the test reads the
database only to confirm what the pages did.
"""

import datetime as dt
import os

import pytest
from django.utils import timezone

from linli.points import selectors as points_selectors
from linli.points import services as points
from linli.points.models import Redemption, StockSource
from linli.testing.browser import login, phone_page
from linli.testing.world import PASSWORD
from linli.volunteering.models import ClaimState, OrderStatus, TeamMember, VolunteerOrder
from linli.workorders import services as wo_services
from linli.workorders.categories import ensure_default_categories
from linli.workorders.workflow import Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def as_user(page, username):
    page.context.clear_cookies()
    login(page, username, PASSWORD)


def no_overflow(page):
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1


def test_story3_door_frame_from_request_to_a_towel_on_phones(vol, live_server):
    w = vol
    # A fifth carpenter in the team, for the claim that comes too late.
    TeamMember.objects.create(street=w.street, team=w.team, volunteer=w.vprofile, state="member",
                              asked_at=timezone.now())  # fmt: skip
    cats = ensure_default_categories(w.street)
    request = wo_services.workorder_intake(
        actor=w.cadre, category=cats["doors_windows"], channel="desk",
        description="卧室门框开裂，门关不上", dwelling=w.hh_a2.dwelling, reporter_resident=w.liu,
    )  # fmt: skip
    request = wo_services.workorder_verify(actor=w.cadre, order=request, note="属户内维修")
    towel = points.item_save(actor=w.admin, street_id=w.street.pk, name="纯棉毛巾", price=15)
    points.stock_in(actor=w.admin, item=towel, quantity=10, source=StockSource.DONATION,
                    donor="和平商厦")  # fmt: skip
    tomorrow = (timezone.localtime() + dt.timedelta(days=1)).date().isoformat()

    with phone_page(live_server.url) as page:
        # 1. The community worker opens the request and makes it a volunteer order for four.
        as_user(page, "cadre")
        page.goto(f"/workorders/{request.pk}/")
        page.click(f"a[href$='?work_order={request.pk}']")
        page.wait_for_load_state("networkidle")
        page.fill("#id_title", "2号楼1单元1401 卧室门框开裂需要维修")
        page.select_option("#id_skill", "carpentry")
        page.fill("#id_capacity", "4")
        page.fill("#id_day", tomorrow)
        page.fill("#id_start_time", "09:00")
        page.fill("#id_end_time", "11:00")
        page.select_option("#id_team", str(w.team.pk))
        if not page.is_checked("#id_publish"):
            page.check("#id_publish")
        page.click("main form button[type=submit]")
        page.wait_for_load_state("networkidle")
        order = VolunteerOrder.objects.get(work_order=request)
        assert order.status == OrderStatus.OPEN and order.capacity == 4
        assert page.url.endswith(f"/volunteering/orders/{order.pk}/")

        # 2. Four carpenters claim it from their phones, in the minutes after it is posted.
        for v in w.vols[:4]:
            as_user(page, v.user.username)
            page.goto("/volunteering/open/")
            no_overflow(page)
            page.click(f"a[href='/volunteering/orders/{order.pk}/']")
            page.wait_for_load_state("networkidle")
            page.click("form.ask button[type=submit]")
            page.wait_for_load_state("networkidle")
            assert page.locator(".messages, [role=status]").first.is_visible()
        order.refresh_from_db()
        assert order.taken == 4

        # 3. The fifth is told it is full (已被抢完) — a message, not an error page.
        as_user(page, "volunteer")
        page.goto(f"/volunteering/orders/{order.pk}/")
        assert "已被抢完" in page.locator("main").inner_text()
        assert page.locator("form.ask button[type=submit]").count() == 0
        assert order.claims.filter(volunteer=w.vprofile).count() == 0

        # 4. On the day: each checks in on arrival and out when done.
        for v in w.vols[:4]:
            as_user(page, v.user.username)
            page.goto(f"/volunteering/orders/{order.pk}/")
            page.click("form.action-form button.btn-big")  # 我已到达
            page.wait_for_load_state("networkidle")
            page.fill("form.action-form textarea[name=note]", "门框重新加固、补缝")
            # 我已完成 goes through the phone's queue (docs/offline.md): its script posts it
            # and then opens the order page, so the test waits for that page.
            with page.expect_navigation():
                page.click("form.action-form button.btn-big")
            page.wait_for_load_state("networkidle")
        assert set(order.claims.values_list("status", flat=True)) == {ClaimState.CHECKED_OUT}
        request.refresh_from_db()
        assert request.status == Status.IN_PROGRESS

        # 5. The community worker confirms: fixed, five stars.
        as_user(page, "cadre")
        page.goto(f"/volunteering/orders/{order.pk}/")
        panel = page.locator("#action-confirm")
        if panel.get_attribute("open") is None:
            panel.locator("summary").click()
        panel.locator("input[name=result][value=fixed]").check()
        panel.locator("input[name=rating][value='5']").check()
        panel.locator("button[type=submit]").click()
        page.wait_for_load_state("networkidle")
        order.refresh_from_db()
        assert order.status == OrderStatus.DONE and order.rating == 5
        request.refresh_from_db()
        assert request.status == Status.REPORTED_DONE

        # 6. The points are on the volunteer's phone, and a towel is reserved with them.
        first = w.vols[0].user
        as_user(page, first.username)
        page.goto("/points/")
        assert "20" in page.locator("main").inner_text()  # the carpentry line of the standard
        page.goto("/points/store/")
        no_overflow(page)
        page.locator("li.item", has_text="纯棉毛巾").locator("button[type=submit]").click()
        page.wait_for_load_state("networkidle")
        reserved = Redemption.objects.get(item=towel)
        assert reserved.pickup_code in page.locator("main").inner_text()
        account = points.account_for(street_id=w.street.pk, user=first)
        assert points_selectors.balance(account) == 5
        towel.refresh_from_db()
        assert towel.stock == 9
