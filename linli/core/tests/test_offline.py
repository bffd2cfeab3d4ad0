"""The server's side of the phone queue (core/offline.py): the service worker and the
queue page, the script on every page, and the JSON answer to a post sent by the queue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from linli.core.forms import done_at
from linli.core.offline import CACHE_NAME

QUEUE = {"HTTP_X_LINLI_QUEUE": "1"}


def test_the_service_worker_is_served_from_the_root_and_never_cached(client):
    r = client.get("/sw.js")  # anonymous too: browsers check for a new worker by themselves
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/javascript")
    assert r["Service-Worker-Allowed"] == "/"
    assert r["Cache-Control"] == "no-cache"
    body = r.content.decode()
    assert f'const CACHE = "{CACHE_NAME}"' in body
    assert 'const QUEUE_PAGE = "/offline/"' in body
    assert 'request.method !== "GET"' in body  # posts pass by untouched


@override_settings(WHITENOISE_USE_FINDERS=True)
def test_the_script_is_served_as_javascript(rf):
    """As production serves static files (WhiteNoise, config/settings/production.py)."""
    from whitenoise.middleware import WhiteNoiseMiddleware

    serve = WhiteNoiseMiddleware(lambda request: None)
    r = serve(rf.get("/static/core/offline.js"))
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/javascript")
    assert b"X-Linli-Queue" in b"".join(r.streaming_content)


def test_every_page_of_a_logged_in_person_carries_the_script_and_the_banner(world, login):
    page = login(world.volunteer).get("/").content.decode()
    assert 'src="/static/core/offline.js"' in page
    assert 'id="offline-banner" class="offline-banner" hidden' in page
    assert f'data-user="{world.volunteer.pk}"' in page
    assert 'data-photo-bytes="10485760"' in page and 'data-cache="linli-offline-v1"' in page
    assert "data-offline-forget" in page  # logging out empties the cache of pages


def test_the_login_page_has_no_queue(client):
    page = client.get("/accounts/login/").content.decode()
    assert "offline.js" not in page and "offline-banner" not in page


@override_settings(LINLI_PHOTO_MAX_BYTES=2 * 1048576, LINLI_PHOTO_MAX_SIDE=1600)
def test_the_script_is_told_the_servers_photo_limits(world, login):
    page = login(world.volunteer).get("/").content.decode()
    assert 'data-photo-bytes="2097152"' in page and 'data-photo-side="1600"' in page


def test_the_queue_page_is_for_logged_in_people_and_phone_sized(client, world, login):
    assert client.get("/offline/").status_code == 302
    page = login(world.volunteer).get("/offline/").content.decode()
    assert '<body class="resident"' in page  # 18 px text, 44 px targets
    for part in (
        'id="offline-list"',
        'id="offline-send"',
        'id="offline-row"',
        'data-slot="discard"',
    ):
        assert part in page


pytestmark = pytest.mark.urls("linli.core.tests.offline_urls")


def test_a_queued_post_that_is_done_answers_where_to_go_and_keeps_the_message(world, login):
    client = login(world.volunteer)
    r = client.post("/probe/done/", {}, **QUEUE)
    assert r.status_code == 200 and r.json() == {"location": "/probe/messages/"}
    assert client.get("/probe/messages/").content == b"saved-ok"  # shown on the next page


def test_a_queued_post_refused_with_a_message_answers_the_message(world, login):
    client = login(world.volunteer)
    r = client.post("/probe/refused/", {}, **QUEUE)
    assert r.status_code == 400 and r.json() == {"error": "refused-why"}
    assert client.get("/probe/messages/").content == b"note-kept"  # the error is not repeated


def test_a_form_shown_again_passes_through_for_the_script_to_read(world, login):
    r = login(world.volunteer).post("/probe/form-again/", {}, **QUEUE)
    assert r.status_code == 400 and b'class="field-error">fix-this' in r.content


def test_a_queued_post_after_logging_out_is_401_and_nothing_is_done(client):
    r = client.post("/probe/done/", {}, **QUEUE)
    assert r.status_code == 401 and r.json()["error"]
    assert client.get("/probe/messages/").content == b""


def test_without_the_header_the_pages_answer_as_always(world, login):
    client = login(world.volunteer)
    r = client.post("/probe/refused/")
    assert r.status_code == 302 and r["Location"] == "/probe/messages/"
    assert client.get("/probe/messages/").content == b"note-kept refused-why"
    assert client.get("/probe/done/", **QUEUE).status_code == 302  # only posts


def test_done_at_is_when_the_button_was_pressed_within_bounds():
    now = timezone.now()
    assert done_at({}) is None and done_at({"waited": 0}) is None
    at = done_at({"waited": 600})
    assert at is not None and abs((now - dt.timedelta(seconds=600) - at).total_seconds()) < 5
    checked_in = now - dt.timedelta(minutes=5)
    assert done_at({"waited": 3600}, not_before=checked_in) == checked_in
    far = done_at({"waited": 10**9})  # never more than LINLI_IDEMPOTENCY_DAYS back
    assert far is not None and now - far < dt.timedelta(days=2, minutes=1)
