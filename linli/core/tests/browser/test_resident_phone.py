"""Elderly residents on phones: on every resident page (and the pages residents share with
grid workers) every text is at least 18 px and every link, button and field at least 44 px
tall, the language picker is not in the first row of the screen, and axe-core finds no
serious or critical accessibility problem. Measured in chromium at 390×844.

The demo street is loaded for the test; screenshots of each page are written to
``LINLI_SCREENSHOT_DIR`` (default /tmp/linli-phone).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from linli.registry.models import Resident
from linli.testing.browser import CHROMIUM, CHROMIUM_ARGS, PHONE, login, phone_page
from linli.workorders.models import WorkOrder
from linli.workorders.workflow import Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The browser runs in another thread than the test; Django's async guard is not relevant here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "linli-demo"
MIN_TEXT_PX = 18
MIN_TAP_PX = 44
AXE = Path(settings.BASE_DIR) / "linli/core/static/vendor/axe-core/axe.min.js"
SHOTS = Path(os.environ.get("LINLI_SCREENSHOT_DIR", "/tmp/linli-phone"))

# Every visible element with text of its own (or a field or button) and its font size; every
# visible link, button, field, summary and button-styled label and its height. A radio or
# checkbox is measured by the label around it (the label is what a finger presses); a photo
# input is hidden behind its 选择照片 label, which is measured instead.
MEASURE = """
({minText, minTap}) => {
  const shown = (el) => {
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden' || parseFloat(cs.opacity) === 0) return false;
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1 && r.right > 0 && r.bottom > 0;
  };
  const name = (el) => {
    const cls = typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim();
    return `${el.tagName.toLowerCase()}${cls} "${text.slice(0, 30)}"`;
  };
  const small = [], short = [];
  let texts = 0, targets = 0;
  for (const el of document.body.querySelectorAll('*')) {
    if (!shown(el) || el.closest('.sr-only')) continue;
    const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const field = el.matches('input:not([type=hidden]):not([type=radio]):not([type=checkbox]), select, textarea, button');
    if (ownText || field) {
      texts++;
      const px = parseFloat(getComputedStyle(el).fontSize);
      if (px < minText) small.push(`${name(el)} ${px}px`);
    }
    if (el.matches('a[href], button, input:not([type=hidden]), select, textarea, summary, label.btn')) {
      targets++;
      const target = el.matches('input[type=radio], input[type=checkbox]') ? (el.closest('label') || el) : el;
      const h = target.getBoundingClientRect().height;
      if (h < minTap) short.push(`${name(el)} ${Math.round(h)}px`);
    }
  }
  const header = document.querySelector('header.topbar').getBoundingClientRect();
  const picker = document.querySelector('form.lang');
  const languages = picker ? [...picker.querySelectorAll('button')].map((b) => b.innerText.trim()) : [];
  return {small, short, texts, targets, headerBottom: header.bottom,
          pickerTop: picker ? picker.getBoundingClientRect().top : null,
          pickerInHeader: picker ? !!picker.closest('header') : null, languages,
          overflow: document.documentElement.scrollWidth - window.innerWidth};
}
"""

AXE_RUN = """
async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}
"""


def check(page, name: str, problems: list[str]) -> None:
    page.wait_for_load_state("networkidle")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    found = page.evaluate(MEASURE, {"minText": MIN_TEXT_PX, "minTap": MIN_TAP_PX})
    assert found["texts"] > 5 and found["targets"] > 2, f"{name}: nothing measured"
    problems += [f"{name}: text under {MIN_TEXT_PX}px: {x}" for x in found["small"]]
    problems += [f"{name}: target under {MIN_TAP_PX}px: {x}" for x in found["short"]]
    if found["pickerTop"] is None or found["pickerInHeader"]:
        problems.append(f"{name}: no language picker below the header")
    elif found["pickerTop"] < found["headerBottom"]:
        problems.append(f"{name}: the language picker is in the first row")
    if found["languages"] != ["简体中文", "English"]:
        problems.append(f"{name}: languages offered as {found['languages']}")
    if found["overflow"] > 1:
        problems.append(f"{name}: {found['overflow']}px wider than the screen")
    page.add_script_tag(path=str(AXE))
    problems += [f"{name}: axe {v}" for v in page.evaluate(AXE_RUN)]


def test_resident_pages_on_a_phone_are_large_enough_and_accessible(live_server):
    call_command("demo", verbosity=0)
    resident = Resident.objects.get(user__username="resident1")
    own = WorkOrder.objects.filter(reporter_user=resident.user)
    checked = own.get(status=Status.CHECKED)  # asks for the resident's rating
    waiting = own.get(status=Status.ACCEPTED)  # may still be withdrawn
    problems: list[str] = []
    with phone_page(live_server.url) as page:
        page.goto("/accounts/login/")
        check(page, "login", problems)
        login(page, "resident1", PASSWORD)
        pages = {
            "resident-home": "/",
            "my-household": f"/households/{resident.household_id}/",
            "my-requests": "/workorders/mine/",
            "request-to-rate": f"/workorders/mine/{checked.pk}/",
            "request-waiting": f"/workorders/mine/{waiting.pk}/",
            "new-request": "/workorders/mine/new/",
            "resident-inbox": "/inbox/",
        }
        for name, url in pages.items():
            page.goto(url)
            check(page, name, problems)
        # The pages residents share with grid workers, as a grid worker.
        page.context.clear_cookies()
        login(page, "gridleader1", PASSWORD)
        for name, url in {"worker-home": "/", "worker-inbox": "/inbox/"}.items():
            page.goto(url)
            check(page, name, problems)
    assert problems == [], "\n".join(problems)


def test_an_english_phone_gets_chinese_until_english_is_picked(live_server, world):
    """Chinese whatever the browser's Accept-Language; the picker's choice then sticks."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport=PHONE,
                locale="en-US",
                extra_http_headers={"Accept-Language": "en-US,en;q=0.9"},
                base_url=live_server.url,
                is_mobile=True,
                has_touch=True,
            )
            page = context.new_page()
            page.goto("/accounts/login/")
            assert page.locator("html").get_attribute("lang") == "zh-hans"
            assert page.locator("main h1").inner_text() == "登录"
            page.click("form.lang button[lang=en]")
            page.wait_for_load_state("networkidle")
            assert page.url.endswith("/accounts/login/")
            assert page.locator("main h1").inner_text() == "Log in"
            page.goto("/accounts/login/")
            assert page.locator("main h1").inner_text() == "Log in"
            page.click("form.lang button[lang=zh-hans]")
            page.wait_for_load_state("networkidle")
            assert page.locator("main h1").inner_text() == "登录"
            # The photo picker and its file names are Chinese on an English phone too.
            login(page, "resident", "linli-test-pass-1")
            page.goto("/workorders/mine/new/")
            assert page.locator("label.file-button").inner_text() == "选择照片"
            assert page.locator(".file-names").inner_text() == "还没有选择照片"
            page.set_input_files(
                "#id_photos",
                [
                    {"name": "墙面.jpg", "mimeType": "image/jpeg", "buffer": b"x"},
                    {"name": "阳台.jpg", "mimeType": "image/jpeg", "buffer": b"y"},
                ],
            )
            assert page.locator(".file-names").inner_text() == "已选择：墙面.jpg、阳台.jpg"
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "new-request-english-phone.png"), full_page=True)
        finally:
            browser.close()


def test_each_photo_button_opens_its_own_picker(live_server, world):
    """A page with two photo fields (progress and report-back for the lead unit): each
    选择照片 opens the picker of its own form and lists the files beside that button."""
    from linli.workorders import services
    from linli.workorders.categories import ensure_default_categories

    cats = ensure_default_categories(world.street)
    order = services.workorder_intake(
        actor=world.grid_a1_worker,
        channel="desk",
        category=cats["public_lighting"],
        description="楼道灯不亮",
        compound=world.compound_a1,
        reporter_name="王阿姨",
        reporter_phone="13812345678",
    )
    order = services.workorder_verify(actor=world.grid_a1_worker, order=order)
    order = services.workorder_dispatch(
        actor=world.grid_a1_worker, order=order, lead_unit=world.property_co
    )
    services.workorder_start(actor=world.property, order=order)
    with phone_page(live_server.url) as page:
        login(page, "property", "linli-test-pass-1")
        page.goto(f"/workorders/{order.pk}/")
        for name in ("update", "report_back"):
            panel = page.locator(f"#action-{name}")
            if panel.get_attribute("open") is None:
                panel.locator("summary").click()
        assert page.locator("label.file-button").count() == 2
        files = {"update": "材料到了.jpg", "report_back": "修好了.jpg"}
        for name, filename in files.items():
            with page.expect_file_chooser() as chooser:
                page.click(f"#action-{name} label.file-button")
            opened = chooser.value.element.evaluate("el => el.closest('details').id")
            assert opened == f"action-{name}"
            chooser.value.set_files([{"name": filename, "mimeType": "image/jpeg", "buffer": b"x"}])
        for name, filename in files.items():
            names = page.locator(f"#action-{name} .file-names").inner_text()
            assert names == f"已选择：{filename}"


def test_volunteer_pages_on_a_phone_are_large_enough_and_accessible(live_server):
    """volunteer1 of the demo street: open orders, an order, my jobs, my hours, my points,
    the store, my reservations, the profile, a small wish, the public wishes page and the
    list of what waits on the phone to be sent."""
    from linli.volunteering.models import OrderStatus, VolunteerOrder, Wish

    call_command("demo", verbosity=0)
    door = VolunteerOrder.objects.get(title__contains="卧室门框", status=OrderStatus.OPEN)
    wish = Wish.objects.filter(status="open").first()
    street = door.street
    problems: list[str] = []
    with phone_page(live_server.url) as page:
        login(page, "volunteer1", PASSWORD)
        pages = {
            "volunteer-home": "/",
            "open-orders": "/volunteering/open/",
            "order-to-claim": f"/volunteering/orders/{door.pk}/",
            "my-jobs": "/volunteering/mine/",
            "my-hours": "/volunteering/hours/",
            "my-profile": "/volunteering/profile/",
            "my-points": "/points/",
            "points-store": "/points/store/",
            "my-reservations": "/points/store/mine/",
            "wish": f"/volunteering/wishes/{wish.pk}/",
            "public-wishes": f"/volunteering/public/{street.code}/wishes/",
            "offline-queue": "/offline/",
        }
        for name, url in pages.items():
            page.goto(url)
            check(page, name, problems)
    assert problems == [], "\n".join(problems)


def test_inspection_pages_on_a_phone_are_large_enough_and_accessible(live_server):
    """On site with a phone: gridleader1 of the demo street picks a site of the campaign
    under way, fills in its checklist and reads what was recorded; volunteer1 reports a
    hazard seen on patrol."""
    from linli.grids.models import StaffAssignment
    from linli.registry.models import Compound
    from linli.safety.models import Campaign, Inspection

    call_command("demo", verbosity=0)
    grid = StaffAssignment.objects.get(user__username="gridleader1", role="grid_worker").node
    compound = Compound.objects.filter(grid=grid).first()
    running = Campaign.objects.get(status="running")
    done = Inspection.objects.filter(grid=grid).first()
    problems: list[str] = []
    with phone_page(live_server.url) as page:
        login(page, "gridleader1", PASSWORD)
        pages = {
            "inspect-pick": f"/safety/inspect/?campaign={running.pk}",
            "inspect-form": f"/safety/inspect/compound/{compound.pk}/?campaign={running.pk}",
            "inspection": f"/safety/inspections/{done.pk}/",
        }
        for name, url in pages.items():
            page.goto(url)
            check(page, name, problems)
        page.context.clear_cookies()
        login(page, "volunteer1", PASSWORD)
        page.goto(f"/safety/sites/compound/{compound.pk}/hazard/")
        check(page, "hazard-report", problems)
    assert problems == [], "\n".join(problems)


def test_door_to_door_pages_on_a_phone_are_large_enough_and_accessible(live_server):
    """A building leader of 榆兰新村 in the demo street, handing out fire blankets: the
    buildings, an entrance with its households and one-tap buttons, a household's form."""
    from linli.outreach.models import Distribution, Item
    from linli.registry.models import Building, Household

    call_command("demo", verbosity=0)
    blankets = Distribution.objects.get(item=Item.FIRE_BLANKET, status="running")
    building = (
        Building.objects.filter(compound__name="榆兰新村", leader__isnull=False)
        .order_by("-number")
        .first()
    )
    household = Household.objects.filter(dwelling__entrance__building=building).first()
    problems: list[str] = []
    with phone_page(live_server.url) as page:
        login(page, building.leader.username, PASSWORD)
        pages = {
            "leader-home": "/",
            "door-buildings": f"/outreach/door/{blankets.pk}/",
            "door-entrance": f"/outreach/door/{blankets.pk}/entrances/{household.dwelling.entrance_id}/",
            "door-household": f"/outreach/door/{blankets.pk}/households/{household.pk}/",
        }
        for name, url in pages.items():
            page.goto(url)
            check(page, name, problems)
    assert problems == [], "\n".join(problems)
