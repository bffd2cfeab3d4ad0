"""Story 5 on a phone, end to end: the grid leader on the joint team inspects the rental
site on 天通庵路 in the campaign, records two hazards (a partition built without permission,
clutter in the corridor), issues a 责令立即改正通知书 and prints it (the A4 page is saved as
an image to look at); at the 回头看 one hazard is put right and the other escalates the
notice to joint enforcement.

Every step goes through the real pages in chromium (390 px wide); the test reads the
database only to confirm what the pages did.
"""

import os
from pathlib import Path

import pytest

from linli.safety.models import HazardStatus, Inspection, Notice, NoticeStatus
from linli.testing.browser import login, phone_page
from linli.testing.world import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
SHOTS = Path(os.environ.get("LINLI_SCREENSHOT_DIR", "/tmp/linli-phone"))


def no_overflow(page):
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1


def test_story5_inspection_notice_print_and_reinspection(safe, live_server):
    w = safe
    found = {"擅自搭建隔层", "通道堆物"}
    with phone_page(live_server.url) as page:
        login(page, "grid_a1", PASSWORD)
        # 1. The campaign's sites still to inspect; the rental site on 天通庵路.
        page.goto(f"/safety/inspect/?campaign={w.campaign.pk}")
        page.click("text=天通庵路188号租赁公寓")
        page.wait_for_load_state("networkidle")
        no_overflow(page)
        for item in w.items:
            value = "hazard" if item.label in found else "ok"
            page.check(f"input[name=item_{item.pk}][value={value}]")
        corridor = w.item["通道堆物"]
        page.fill(f"#id_count_{corridor.pk}", "3")
        page.locator(f"#id_note_{corridor.pk}").locator("xpath=ancestor::details").locator(
            "summary"
        ).click()
        page.fill(f"#id_note_{corridor.pk}", "二楼通道堆放纸箱")
        page.check("#id_night")
        page.fill("#id_members", "张宇、李坚")
        # An offline-ready form is posted by core/offline.js first: wait for where it leads.
        with page.expect_navigation():
            page.click("form.inspection-form button[type=submit]")
        page.wait_for_load_state("networkidle")
        inspection = Inspection.objects.get()
        assert inspection.hazards_found == 2 and inspection.night
        assert page.url.endswith(f"/safety/inspections/{inspection.pk}/")
        assert "2处隐患已记入场所档案" in page.locator("main").inner_text()

        # 2. The notice, handed over on the spot.
        page.click("text=开具责令立即改正通知书")
        page.wait_for_load_state("networkidle")
        page.fill("#id_responsible", "王老板")
        page.click("main form button[type=submit]")
        page.wait_for_load_state("networkidle")
        notice = Notice.objects.get()
        assert notice.hazards.count() == 2 and notice.serial == 1
        assert page.url.endswith(f"/safety/notices/{notice.pk}/")

        # 3. Printed on A4: the page as the printer sees it, kept as an image.
        page.goto(f"/safety/notices/{notice.pk}/print/")
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
        text = page.locator("main").inner_text()
        assert "责令立即改正通知书" in text and "王老板" in text and "擅自搭建隔层" in text
        assert "回执" in text and page.locator(".noprint").is_hidden()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "notice-a4.png"), full_page=True)
        page.emulate_media(media="screen")
        page.set_viewport_size({"width": 390, "height": 844})

        # 4. 回头看: the partition is gone, the corridor is still cluttered.
        page.goto(f"/safety/notices/{notice.pk}/")
        panel = page.locator("#action-reinspect")
        if panel.get_attribute("open") is None:
            panel.locator("summary").click()
        partition = notice.hazards.get(item=w.item["擅自搭建隔层"])
        page.check(f"#action-reinspect input[name=fixed][value='{partition.pk}']")
        page.fill("#action-reinspect textarea[name=note]", "隔层已拆除，通道仍有堆物")
        page.click("#action-reinspect button[type=submit]")
        page.wait_for_load_state("networkidle")
        notice.refresh_from_db()
        assert notice.status == NoticeStatus.ESCALATED
        statuses = {h.item.label: h.status for h in notice.hazards.select_related("item")}
        assert statuses == {"擅自搭建隔层": HazardStatus.FIXED, "通道堆物": HazardStatus.ESCALATED}
        assert "转联合执法" in page.locator("main").inner_text()
        no_overflow(page)
