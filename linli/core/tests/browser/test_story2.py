"""Story 2 on phones, end to end: a resident reports a leak, the grid worker verifies with a
photo and dispatches to the property company, the property user reports it done with an
after-photo, the grid worker checks, the resident rates it 满意 and sees it closed.

Every step goes through the real pages in chromium (390 px wide); the test reads the
database only to confirm what the pages did.
"""

import io
import os

import pytest
from PIL import Image

from linli.testing.browser import login, phone_page
from linli.testing.world import PASSWORD
from linli.workorders.categories import ensure_default_categories
from linli.workorders.models import WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The browser runs in another thread than the test; Django's async guard is not relevant here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def jpeg(path, colour) -> str:
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buf, format="JPEG")
    path.write_bytes(buf.getvalue())
    return str(path)


def switch_user(page, username):
    page.context.clear_cookies()
    login(page, username, PASSWORD)


def submit_action(page, name):
    """Open the action's panel if closed, then press its Save button."""
    panel = page.locator(f"#action-{name}")
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    panel.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def no_overflow(page):
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1


def test_story2_leak_from_report_to_closed_on_phones(world, live_server, tmp_path):
    cats = ensure_default_categories(world.street)
    before_photo = jpeg(tmp_path / "wall.jpg", (120, 120, 160))
    site_photo = jpeg(tmp_path / "site.jpg", (90, 140, 90))
    after_photo = jpeg(tmp_path / "after.jpg", (200, 200, 200))
    with phone_page(live_server.url) as page:
        # 1. The resident reports the leak from her phone, from home, with a photo.
        login(page, "resident", PASSWORD)
        page.goto("/workorders/mine/new/")
        no_overflow(page)
        page.check(f"input[name=category][value='{cats['leak'].pk}']")
        page.fill("#id_description", "楼顶积雪融化，雪水顺着外墙淌下，阳台积水")
        page.check("input[name=where][value=home]")
        page.set_input_files("#id_photos", before_photo)
        page.click("form.resident-form button[type=submit]")
        page.wait_for_load_state("networkidle")
        order = WorkOrder.objects.get()
        assert page.url.endswith(f"/workorders/mine/{order.pk}/")
        assert order.status == "accepted" and order.photos.count() == 1
        assert order.grid == world.grid_a1 and order.dwelling == world.hh_a1.dwelling

        # 2. The grid worker finds it in the queue, verifies it on site with a photo, and
        #    dispatches it to the property company suggested for 雨泉花园.
        switch_user(page, "grid_a1")
        page.goto("/workorders/")
        page.click(f"a[href='/workorders/{order.pk}/']")
        page.wait_for_load_state("networkidle")
        no_overflow(page)
        panel = page.locator("#action-verify")
        if panel.get_attribute("open") is None:
            panel.locator("summary").click()
        panel.locator("textarea[name=note]").fill("落水管在3楼断开，卡在墙缝中")
        panel.locator("input[type=file]").set_input_files(site_photo)
        panel.locator("button[type=submit]").click()
        page.wait_for_load_state("networkidle")
        order.refresh_from_db()
        assert order.status == "verified" and order.photos.count() == 2
        dispatch = page.locator("#action-dispatch")
        if dispatch.get_attribute("open") is None:
            dispatch.locator("summary").click()
        assert dispatch.locator("select[name=lead_unit]").input_value() == str(world.property_co.pk)
        submit_action(page, "dispatch")
        order.refresh_from_db()
        assert order.status == "dispatched" and order.lead_unit == world.property_co

        # 3. The property company starts and reports it done with an after-photo.
        switch_user(page, "property")
        page.goto("/workorders/")
        page.click(f"a[href='/workorders/{order.pk}/']")
        page.wait_for_load_state("networkidle")
        submit_action(page, "start")
        order.refresh_from_db()
        assert order.status == "in_progress"
        panel = page.locator("#action-report_back")
        if panel.get_attribute("open") is None:
            panel.locator("summary").click()
        panel.locator("textarea[name=note]").fill("更换破碎的连接部件、卡紧固定")
        panel.locator("input[type=file]").set_input_files(after_photo)
        panel.locator("button[type=submit]").click()
        page.wait_for_load_state("networkidle")
        order.refresh_from_db()
        assert order.status == "reported_done"

        # 4. The grid worker checks the work: passed.
        switch_user(page, "grid_a1")
        page.goto(f"/workorders/{order.pk}/")
        panel = page.locator("#action-check")
        if panel.get_attribute("open") is None:
            panel.locator("summary").click()
        panel.locator("input[name=result][value=pass]").check()
        panel.locator("button[type=submit]").click()
        page.wait_for_load_state("networkidle")
        order.refresh_from_db()
        assert order.status == "checked"

        # 5. The resident is asked, and rates it 满意 with one big button.
        switch_user(page, "resident")
        page.goto("/workorders/mine/")
        page.click(f"a[href='/workorders/mine/{order.pk}/']")
        page.wait_for_load_state("networkidle")
        no_overflow(page)
        choice = page.locator("label.big-choice:has(input[value=satisfied])")
        assert choice.bounding_box()["height"] >= 44  # a thumb-sized target
        choice.click()
        page.click("section.ask button[type=submit]")
        page.wait_for_load_state("networkidle")
        order.refresh_from_db()
        assert order.status == "followed_up" and order.satisfaction == "satisfied"

        # 6. The grid worker closes it; the resident sees it closed on her phone.
        switch_user(page, "grid_a1")
        page.goto(f"/workorders/{order.pk}/")
        submit_action(page, "close")
        order.refresh_from_db()
        assert order.status == "closed"
        switch_user(page, "resident")
        page.goto(f"/workorders/mine/{order.pk}/")
        assert page.locator(".big-status .wo-status.st-closed").is_visible()
        assert page.locator(".resident-timeline li").count() == 8  # every public step
        no_overflow(page)
        page.screenshot(
            path=os.environ.get("LINLI_SCREENSHOT_STORY2", "/tmp/linli-story2-phone.png"),
            full_page=True,
        )
