"""An inspection in a basement with no signal (docs/offline.md), in chromium at 390 px: the
checklist opens again with no signal, the filled-in inspection with a photo put right on
the spot is kept on the phone, and when the signal returns it is sent; the answer is lost
on the way back and the phone sends it again: one inspection, one hazard, one photo."""

from __future__ import annotations

import os

import pytest

from linli.safety.models import Hazard, HazardPhoto, Inspection
from linli.testing.browser import login, phone_page
from linli.testing.world import PASSWORD
from linli.volunteering.tests.test_offline_phone import offline, wait_until_kept

from .conftest import photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")


def counts() -> tuple[int, int, int]:
    return Inspection.objects.count(), Hazard.objects.count(), HazardPhoto.objects.count()


def test_an_inspection_with_no_signal_is_recorded_once(safe, live_server):
    w = safe
    url = f"/safety/inspect/unit/{w.rental.pk}/?campaign={w.campaign.pk}"
    wire = w.item["飞线充电"]
    with phone_page(live_server.url) as page:
        login(page, "grid_a1", PASSWORD)
        page.goto(url)
        wait_until_kept(page)

        offline(page, True)  # the 架空层: no signal
        page.reload()
        form = page.locator("form[data-offline]")
        for item in w.items:
            value = "hazard" if item.pk == wire.pk else "ok"
            page.check(f"input[name=item_{item.pk}][value={value}]")
        page.locator(f"#id_note_{wire.pk}").locator("xpath=ancestor::details").locator(
            "summary"
        ).click()
        page.fill(f"#id_note_{wire.pk}", "一楼窗口拉线充电，已当场拆除")
        page.check(f"#id_fixed_{wire.pk}")
        page.set_input_files(
            f"#id_after_{wire.pk}",
            [{"name": "拆除后.jpg", "mimeType": "image/jpeg", "buffer": photo().read()}],
        )
        form.locator("button[type=submit]").click()
        page.locator(".offline-note.msg-success").wait_for()
        page.locator("#offline-banner").wait_for()
        assert counts() == (0, 0, 0)

        lost = []

        def lose_the_answer(route):
            route.fetch()
            lost.append(route.request.url)
            route.abort("internetdisconnected")

        page.route("**/safety/inspect/**", lose_the_answer, times=1)
        page.goto("/offline/")
        offline(page, False)
        for _ in range(80):
            if lost:
                break
            page.wait_for_timeout(100)
        assert lost, "the queue did not send when the signal returned"
        assert counts() == (1, 1, 1)
        page.click("#offline-send")
        page.locator("#offline-empty").wait_for()
        assert counts() == (1, 1, 1)
        hazard = Hazard.objects.get()
        assert hazard.status == "fixed" and hazard.on_the_spot
