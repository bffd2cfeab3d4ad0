"""Story 6 on a phone: the building leader of 雨泉花园 1号楼 knocks door to door with the fire
blankets — two households take one, one refuses — and the coverage on their phone and on
the grid's pages follows. Every step through the real pages in chromium (390 px wide); the
database is read only to confirm what the pages did."""

import os

import pytest

from linli.outreach.models import Outcome, Visit
from linli.registry import counting
from linli.testing.browser import login, phone_page
from linli.testing.world import PASSWORD, household

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def tap(page, room: str, outcome: str) -> None:
    row = page.locator("li.door-row", has=page.locator(".door-room", has_text=room))
    # An offline-ready form is posted by core/offline.js first: wait for where it leads.
    with page.expect_navigation():
        row.locator(f"button[value={outcome}]").click()
    page.wait_for_load_state("networkidle")


def test_a_building_leader_hands_out_blankets_door_to_door(out, live_server):
    w = out
    third = household(w.street, w.grid_a1, w.compound_a1, "1", "1", "401")
    counting.refresh(w.street.pk)
    with phone_page(live_server.url) as page:
        login(page, "leader", PASSWORD)
        page.goto("/")
        page.click("a.tile[href='/outreach/door/']")  # 上门发放
        page.wait_for_load_state("networkidle")
        assert page.url.endswith(f"/outreach/door/{w.blankets.pk}/")
        assert "0/3" in page.locator(".door-total").inner_text()
        page.click("ul.cards a.card")  # 雨泉花园 1号楼: one entrance, straight to it
        page.wait_for_load_state("networkidle")
        assert page.locator("li.door-row").count() == 3
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
        tap(page, "301", Outcome.HANDED)
        assert "1/3" in page.locator("#entrance-total").inner_text()
        tap(page, "302", Outcome.HANDED)
        tap(page, "401", Outcome.REFUSED)
        assert "2/3" in page.locator("#entrance-total").inner_text()
        assert page.locator("li.door-handed").count() == 2
        assert page.locator("li.door-refused").count() == 1
        # A handed household offers no button any more; the refusal can still be turned.
        assert page.locator(f"#hh-{w.hh_a1.pk} button").count() == 0
        assert page.locator(f"#hh-{third.pk} button").count() == 3
        for button in page.locator("li.door-row button").all():
            assert button.bounding_box()["height"] >= 44
        page.goto(f"/outreach/door/{w.blankets.pk}/")
        assert "2/3" in page.locator(".door-total").inner_text()
        # The grid worker's pages follow: 2 of the grid's 3 households.
        page.context.clear_cookies()
        login(page, "cadre", PASSWORD)
        page.goto(f"/outreach/distributions/{w.blankets.pk}/")
        assert "66.7%" in page.locator("main").inner_text()
        page.goto(f"/outreach/distributions/{w.blankets.pk}/missing/")
        assert "1-1-401" not in page.locator("main").inner_text()  # refused: reached
    outcomes = sorted(Visit.objects.values_list("household_id", "outcome"))
    assert outcomes == sorted(
        [(w.hh_a1.pk, "handed"), (w.hh_a1b.pk, "handed"), (third.pk, "refused")]
    )
