"""The job's check-out, pressed with no signal and sent later by the phone's queue
(docs/offline.md): a resend of the same form (the answer was lost) finishes the job once and
is answered as done; the job ends when the button was pressed, not when it was sent; a
refusal comes back in words and changes nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from linli.volunteering import services
from linli.volunteering.models import ClaimState, OrderClaim, OrderEvent, OrderPhoto
from linli.volunteering.services.orders import service_hours
from linli.volunteering.tests.conftest import make_order

QUEUE = {"HTTP_X_LINLI_QUEUE": "1"}


def photo(name="修好了.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def on_the_job(vol):
    """A volunteer checked in half an hour ago."""
    order = make_order(vol, at=timezone.now() - dt.timedelta(days=1))
    claim = services.order_claim(actor=vol.vols[0].user, order=order, at=order.published_at)
    services.claim_check_in(
        actor=vol.vols[0].user, claim=claim, at=timezone.now() - dt.timedelta(minutes=30)
    )
    claim.refresh_from_db()
    return claim


def check_out_url(claim) -> str:
    return f"/volunteering/claims/{claim.pk}/act/check_out/"


def finished(claim) -> tuple:
    claim.refresh_from_db()
    events = OrderEvent.objects.filter(order_id=claim.order_id, verb="check_out")
    return claim.status, events.count(), OrderPhoto.objects.filter(order_id=claim.order_id).count()


def test_the_order_page_offers_check_out_to_the_queue_with_a_token(on_the_job, login):
    page = login(on_the_job.volunteer.user).get(f"/volunteering/orders/{on_the_job.order_id}/")
    html = page.content.decode()
    assert 'data-offline="' in html and on_the_job.order.number in html
    assert 'type="hidden" name="form_token"' in html and 'name="waited"' in html
    assert "Form token" not in html  # a hidden field is drawn without a label


def test_a_resend_of_the_same_check_out_finishes_once_and_is_answered_as_done(on_the_job, login):
    client = login(on_the_job.volunteer.user)
    form = {"form_token": "t-basement-1", "note": "门框已加固", "waited": "0"}
    r = client.post(check_out_url(on_the_job), {**form, "photos": photo()}, **QUEUE)
    order_page = f"/volunteering/orders/{on_the_job.order_id}/"
    assert r.status_code == 200 and r.json() == {"location": order_page}
    assert finished(on_the_job) == (ClaimState.CHECKED_OUT, 1, 1)
    first_out = on_the_job.checked_out_at

    # The answer was lost in the stairwell: the queue sends the same record again.
    r = client.post(check_out_url(on_the_job), {**form, "photos": photo()}, **QUEUE)
    assert r.status_code == 200 and r.json() == {"location": order_page}
    assert finished(on_the_job) == (ClaimState.CHECKED_OUT, 1, 1)
    assert on_the_job.checked_out_at == first_out
    # A double tap in the browser (no queue) is told it was saved, not refused.
    r = client.post(check_out_url(on_the_job), form, follow=True)
    said = list(r.context["messages"])  # with those the queue's posts left for the next page
    assert {m.level_tag for m in said} == {"success"} and str(said[-1]) == "已经保存过了。"
    assert finished(on_the_job) == (ClaimState.CHECKED_OUT, 1, 1)


def test_the_job_ends_when_the_button_was_pressed(on_the_job, login):
    client = login(on_the_job.volunteer.user)
    r = client.post(check_out_url(on_the_job), {"form_token": "t-2", "waited": "600"}, **QUEUE)
    assert r.status_code == 200
    on_the_job.refresh_from_db()
    pressed = timezone.now() - dt.timedelta(seconds=600)
    assert abs((on_the_job.checked_out_at - pressed).total_seconds()) < 10


def test_a_wait_longer_than_the_job_ends_it_at_the_check_in_never_before(on_the_job, login):
    client = login(on_the_job.volunteer.user)
    client.post(check_out_url(on_the_job), {"form_token": "t-3", "waited": "7200"}, **QUEUE)
    on_the_job.refresh_from_db()
    assert on_the_job.checked_out_at == on_the_job.checked_in_at
    assert service_hours(on_the_job) == 0


def test_a_refused_check_out_answers_why_and_changes_nothing(on_the_job, login):
    client = login(on_the_job.volunteer.user)
    # Bad input: the form's own message, nothing saved, the token still free.
    r = client.post(check_out_url(on_the_job), {"form_token": "t-4", "note": "长" * 501}, **QUEUE)
    assert r.status_code == 400 and "500" in r.json()["error"]
    assert finished(on_the_job) == (ClaimState.CHECKED_IN, 0, 0)
    r = client.post(check_out_url(on_the_job), {"form_token": "t-4", "note": "好了"}, **QUEUE)
    assert r.status_code == 200
    before = finished(on_the_job)
    # Another form (another token) for a job already finished: refused, in words.
    r = client.post(check_out_url(on_the_job), {"form_token": "t-5", "note": "再来一次"}, **QUEUE)
    assert r.status_code == 400 and r.json()["error"]
    assert finished(on_the_job) == before


def test_a_token_used_on_another_job_is_refused(vol, on_the_job, login):
    client = login(on_the_job.volunteer.user)
    client.post(check_out_url(on_the_job), {"form_token": "t-6"}, **QUEUE)
    order = make_order(vol, at=timezone.now() - dt.timedelta(days=1))
    claim = services.order_claim(
        actor=on_the_job.volunteer.user, order=order, at=order.published_at
    )
    services.claim_check_in(actor=on_the_job.volunteer.user, claim=claim)
    r = client.post(check_out_url(claim), {"form_token": "t-6"}, **QUEUE)
    assert r.status_code == 400 and r.json()["error"]
    assert OrderClaim.objects.get(pk=claim.pk).status == ClaimState.CHECKED_IN


def test_sent_after_logging_out_is_401_and_nothing_is_done(on_the_job, client):
    r = client.post(check_out_url(on_the_job), {"form_token": "t-7"}, **QUEUE)
    assert r.status_code == 401
    assert finished(on_the_job)[:2] == (ClaimState.CHECKED_IN, 0)
