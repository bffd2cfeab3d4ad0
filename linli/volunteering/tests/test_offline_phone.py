"""A volunteer finishes a job in a basement with no signal (docs/offline.md), in chromium at
390 px: the order page opens again with no signal, 我已完成 with a photo is kept on the
phone, the page and the banner say one record waits, and when the signal returns it is sent
once. The answer of that send is lost on the way back, so the phone sends the same record
again: the job is still finished once (the database is read to count).
"""

from __future__ import annotations

import datetime as dt
import io
import os

import pytest
from django.test import override_settings
from django.utils import timezone
from PIL import Image, ImageFilter

from linli.core.tests.browser.test_resident_phone import check
from linli.testing.browser import login, phone_page
from linli.testing.world import PASSWORD
from linli.volunteering import services
from linli.volunteering.models import ClaimState, OrderClaim, OrderEvent, OrderPhoto
from linli.volunteering.tests.conftest import make_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Chromium's offline switch does not reach a service worker's own requests unless Playwright
# sees them (microsoft/playwright#2311); with this, the test cuts them off itself (offline()).
os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")

CACHED = """async () => {
  const cache = await caches.open("linli-offline-v1");
  return !!(await cache.match(location.href)) && !!navigator.serviceWorker.controller;
}"""


def big_photo() -> bytes:
    """A 4000×3000 camera-like picture of about 1.5 MB: over the 1 MB limit set below."""
    image = Image.effect_noise((4000, 3000), 40).convert("RGB").filter(ImageFilter.GaussianBlur(2))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92)
    assert len(out.getvalue()) > LIMIT
    return out.getvalue()


LIMIT = 1048576
ANOTHER_TRY = """async ({id, user, action}) => {
  const db = await new Promise((ok, no) => {
    const r = indexedDB.open("linli-offline", 1); r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error);
  });
  await new Promise((ok, no) => {
    const tx = db.transaction("queue", "readwrite");
    tx.objectStore("queue").put({id, user, label: "再按一次我已完成", action, page: location.href,
      fields: [["form_token", id], ["note", "又按了一次"]], photos: 0, savedAt: Date.now(), error: "", refused: false});
    tx.oncomplete = ok; tx.onerror = () => no(tx.error);
  });
  db.close();
}"""


def wait_until_kept(page) -> None:
    """Until the worker controls the page and keeps its copy (evaluate awaits the check)."""
    for _ in range(100):
        if page.evaluate(CACHED):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the page was not kept for use with no signal")


def finished(claim) -> tuple:
    claim.refresh_from_db()
    events = OrderEvent.objects.filter(order_id=claim.order_id, verb="check_out").count()
    return claim.status, events, OrderPhoto.objects.filter(order_id=claim.order_id).count()


def _no_signal_for_the_worker(route):
    if route.request.service_worker:
        route.abort("internetdisconnected")
    else:
        route.fallback()


def offline(page, on: bool) -> None:
    page.context.set_offline(on)
    if on:
        page.context.route("**/*", _no_signal_for_the_worker)
    else:
        page.context.unroute("**/*", _no_signal_for_the_worker)


@override_settings(LINLI_PHOTO_MAX_BYTES=LIMIT, LINLI_PHOTO_MAX_SIDE=1000)
def test_a_job_finished_with_no_signal_is_sent_once_when_the_signal_returns(vol, live_server):
    volunteer = vol.vols[0].user
    order = make_order(vol, at=timezone.now() - dt.timedelta(days=1))
    claim = services.order_claim(actor=volunteer, order=order, at=order.published_at)
    services.claim_check_in(actor=volunteer, claim=claim)
    problems: list[str] = []
    with phone_page(live_server.url) as page:
        login(page, volunteer.username, PASSWORD)
        # Opened once above ground: the worker and the cache are ready.
        page.goto(f"/volunteering/orders/{order.pk}/")
        wait_until_kept(page)

        # In the basement: the page opens again with no signal, from the phone.
        offline(page, True)
        page.reload()
        assert page.locator("form[data-offline]").is_visible()
        form = page.locator("form[data-offline]")
        # A file over the limit that the phone cannot draw smaller: said at once, not kept.
        form.locator("input[type=file]").set_input_files(
            [{"name": "坏照片.jpg", "mimeType": "image/jpeg", "buffer": b"x" * (LIMIT + 10)}]
        )
        form.locator("button[type=submit]").click()
        refused = page.locator(".offline-note.msg-error")
        refused.wait_for()
        assert "坏照片.jpg" in refused.inner_text() and form.is_visible()
        assert page.locator("#offline-banner").is_hidden()
        # A real 1.5 MB photo is made smaller on the phone and kept with the note.
        form.locator("textarea[name=note]").fill("门框已加固，补缝完成")
        form.locator("input[type=file]").set_input_files(
            [{"name": "修好了.jpg", "mimeType": "image/jpeg", "buffer": big_photo()}]
        )
        form.locator("button[type=submit]").click()
        note = page.locator(".offline-note.msg-success")
        note.wait_for()
        assert page.locator("form[data-offline]").is_hidden()  # done here; the phone sends it
        banner = page.locator("#offline-banner")
        banner.wait_for()
        assert "1" in banner.inner_text()
        assert finished(claim) == (ClaimState.CHECKED_IN, 0, 0)
        check(page, "order-kept-offline", problems)

        # The queue page opens with no signal too, and lists it with its photo.
        page.goto("/offline/")
        record = page.locator("#offline-list li")
        record.wait_for()
        assert order.number in record.inner_text() and "1" in record.inner_text()
        check(page, "offline-queue-waiting", problems)

        # The signal returns, but the answer of the first send is lost on its way back.
        lost = []

        def lose_the_answer(route):
            route.fetch()  # the server gets it and finishes the job ...
            lost.append(route.request.url)
            route.abort("internetdisconnected")  # ... the phone never hears so

        page.route("**/act/check_out/", lose_the_answer, times=1)
        offline(page, False)
        for _ in range(50):
            if lost:
                break
            page.wait_for_timeout(100)
        assert lost, "the queue did not send when the signal returned"
        assert finished(claim) == (ClaimState.CHECKED_OUT, 1, 1)
        assert page.locator("#offline-list li").count() == 1  # still waiting, as far as it knows

        # Sent again (the 现在发送 button): answered as done, removed; nothing made twice.
        page.click("#offline-send")
        page.locator("#offline-empty").wait_for()
        assert page.locator("#offline-list li").count() == 0
        assert page.locator("#offline-banner").is_hidden()
        assert finished(claim) == (ClaimState.CHECKED_OUT, 1, 1)
        assert OrderClaim.objects.get(pk=claim.pk).checked_out_at is not None

        # A record the server refuses (another 我已完成 for a job already finished) stays,
        # shown with the server's own words, until it is discarded (after a confirmation).
        page.evaluate(ANOTHER_TRY, {"id": "another-token", "user": str(volunteer.pk),
                                    "action": f"{live_server.url}/volunteering/claims/{claim.pk}/act/check_out/"})  # fmt: skip
        page.reload()  # a page opened with a signal sends what waits
        said = page.locator("#offline-list li [data-slot=error]")
        said.wait_for()
        assert said.inner_text().strip() and "1" in page.locator("#offline-banner").inner_text()
        assert finished(claim) == (ClaimState.CHECKED_OUT, 1, 1)
        page.once("dialog", lambda dialog: dialog.dismiss())
        page.click("#offline-list li [data-slot=discard]")
        assert page.locator("#offline-list li").count() == 1
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#offline-list li [data-slot=discard]")
        page.locator("#offline-empty").wait_for()
        assert page.locator("#offline-banner").is_hidden()

        # Back on the order page, finished; the message of the send waits there.
        page.goto(f"/volunteering/orders/{order.pk}/")
        assert page.locator("form[data-offline]").count() == 0
        check(page, "order-after-offline", problems)
    assert problems == [], "\n".join(problems)
