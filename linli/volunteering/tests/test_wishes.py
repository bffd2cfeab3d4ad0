"""Small wishes (微心愿): posted by staff for a resident, taken up by one helper, made true
with a photo, confirmed by the resident; the public page names no one."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.urls import reverse

from linli.core.errors import Conflict, InvalidInput
from linli.testing import english
from linli.volunteering import services
from linli.volunteering.models import Wish, WishKind, WishStatus
from linli.volunteering.tests.conftest import HOUR, T0
from linli.workorders.tests.conftest import photo

pytestmark = pytest.mark.django_db


def post(w, **extra) -> Wish:
    data = {"resident": w.zhou, "kind": WishKind.GOODS, "public_text": "独居老人想要一床厚棉被",
            "details": "腿脚不便，请送到家", "at": T0}  # fmt: skip
    data.update(extra)
    return services.wish_post(actor=w.grid_a1_worker, **data)


def statuses(wish):
    return list(wish.events.order_by("at", "id").values_list("to_status", flat=True))


def test_a_wish_goes_from_posted_to_confirmed(vol):
    wish = post(vol)
    assert wish.status == WishStatus.OPEN and wish.number.startswith("WX-2026-")
    wish = services.wish_take(actor=vol.volunteer, wish=wish, on_behalf_of="和平商厦", at=T0 + HOUR)
    assert (wish.status, wish.claimant, wish.claimant_name) == (
        WishStatus.CLAIMED,
        vol.volunteer,
        "和平商厦",
    )
    wish = services.wish_fulfil(actor=vol.volunteer, wish=wish, photos=[photo()], note="已送到",
                                at=T0 + 2 * HOUR)  # fmt: skip
    assert wish.status == WishStatus.FULFILLED and wish.photos.count() == 1
    wish = services.wish_confirm(actor=vol.resident_user, wish=wish, note="谢谢", at=T0 + 3 * HOUR)
    assert wish.status == WishStatus.CONFIRMED and wish.confirmed_at == T0 + 3 * HOUR
    assert statuses(wish) == ["open", "claimed", "fulfilled", "confirmed"]


def test_the_second_helper_is_told_it_is_taken_and_nothing_changes(vol):
    wish = services.wish_take(actor=vol.volunteer, wish=post(vol), at=T0 + HOUR)
    with pytest.raises(Conflict):
        services.wish_take(actor=vol.vols[0].user, wish=wish, at=T0 + 2 * HOUR)
    wish.refresh_from_db()
    assert wish.claimant == vol.volunteer and wish.events.count() == 2


def test_released_wish_is_open_to_everyone_again(vol):
    wish = services.wish_take(actor=vol.volunteer, wish=post(vol), at=T0 + HOUR)
    with pytest.raises(InvalidInput):
        services.wish_release(actor=vol.grid_a1_worker, wish=wish, reason="  ")
    wish = services.wish_release(actor=vol.grid_a1_worker, wish=wish, reason="志愿者生病了")
    assert wish.status == WishStatus.OPEN and wish.claimant is None and wish.claimant_name == ""
    assert services.wish_take(actor=vol.property, wish=wish).claimant == vol.property


def test_fulfilling_needs_a_real_photo_and_only_the_helper_may_say_it_is_done(vol):
    wish = services.wish_take(actor=vol.volunteer, wish=post(vol), at=T0 + HOUR)
    with pytest.raises(InvalidInput) as no_photo:
        services.wish_fulfil(actor=vol.volunteer, wish=wish, photos=[])
    assert no_photo.value.field == "photos"
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    with pytest.raises(InvalidInput):
        services.wish_fulfil(actor=vol.volunteer, wish=wish, photos=[fake])
    with pytest.raises((Http404, Conflict)):
        services.wish_fulfil(actor=vol.vols[0].user, wish=wish, photos=[photo()])
    wish.refresh_from_db()
    assert wish.status == WishStatus.CLAIMED and wish.photos.count() == 0


def test_the_published_text_must_not_name_the_resident(vol):
    with pytest.raises(InvalidInput) as named:
        post(vol, public_text="周美华想要一床厚棉被")
    assert named.value.field == "public_text"
    with pytest.raises(InvalidInput):
        post(vol, public_text="   ")
    with pytest.raises(InvalidInput):
        post(vol, kind="money")
    assert not Wish.objects.exists()


def test_staff_post_only_for_residents_in_their_area(vol):
    with pytest.raises(Http404):
        services.wish_post(actor=vol.grid_a1_worker, resident=vol.zhao, kind=WishKind.VISIT,
                           public_text="想有人陪着聊聊天")  # fmt: skip
    for who in (vol.volunteer, vol.resident_user, vol.property):
        with pytest.raises(Http404):
            services.wish_post(actor=who, resident=vol.zhou, kind=WishKind.VISIT,
                               public_text="想有人陪着聊聊天")  # fmt: skip
    assert not Wish.objects.exists()


def test_a_double_submit_posts_one_wish(vol):
    first = post(vol, idempotency_key="k-1")
    assert post(vol, idempotency_key="k-1") == first
    assert Wish.objects.count() == 1


def test_only_the_resident_or_staff_confirm(vol):
    wish = services.wish_take(actor=vol.volunteer, wish=post(vol), at=T0 + HOUR)
    wish = services.wish_fulfil(actor=vol.volunteer, wish=wish, photos=[photo()])
    for who in (vol.volunteer, vol.property, vol.other_admin):
        with pytest.raises((Http404, Conflict)):
            services.wish_confirm(actor=who, wish=wish)
    wish.refresh_from_db()
    assert wish.status == WishStatus.FULFILLED
    assert services.wish_confirm(actor=vol.grid_a1_worker, wish=wish).status == WishStatus.CONFIRMED


def test_the_public_page_shows_the_wish_and_never_the_resident(vol, client):
    english(client)
    wish = services.wish_take(actor=vol.volunteer, wish=post(vol), on_behalf_of="和平商厦")
    page = client.get(reverse("volunteering:public_wishes", args=[vol.street.code]))
    text = page.content.decode()
    assert page.status_code == 200
    assert wish.public_text in text and "和平商厦" in text
    assert "周美华" not in text and "腿脚不便" not in text and "1号楼" not in text
    other = client.get(reverse("volunteering:public_wishes", args=[vol.street_t.code]))
    assert wish.public_text not in other.content.decode()


def test_staff_see_details_helpers_see_the_open_wish_without_them(vol, client):
    wish = post(vol)
    url = reverse("volunteering:wish", args=[wish.pk])
    client.force_login(vol.grid_a1_worker)
    assert "腿脚不便" in client.get(url).content.decode()
    client.force_login(vol.volunteer)
    seen = client.get(url)
    assert seen.status_code == 200 and "腿脚不便" not in seen.content.decode()
    for who in (vol.other_admin, vol.grid_b1_worker, vol.nobody):
        client.force_login(who)
        assert client.get(url).status_code == 404


def test_taking_up_a_wish_on_its_page(vol, client):
    english(client)
    wish = post(vol)
    client.force_login(vol.volunteer)
    act = reverse("volunteering:wish_act", args=[wish.pk, "take"])
    assert client.post(act, {"on_behalf_of": ""}).status_code == 302
    assert Wish.objects.get(pk=wish.pk).claimant == vol.volunteer
    client.force_login(vol.vols[0].user)
    late = client.post(act, {"on_behalf_of": ""}, follow=True)
    assert late.redirect_chain == [(reverse("volunteering:wishes"), 302)]
    assert "Someone has just taken up this wish" in late.content.decode()
    assert Wish.objects.get(pk=wish.pk).claimant == vol.volunteer


def test_staff_post_a_wish_on_the_page(vol, client):
    english(client)
    client.force_login(vol.grid_a1_worker)
    page = client.get(reverse("volunteering:wish_new"), {"q": "周美华"})
    assert "周美华" in page.content.decode()
    sent = client.post(
        reverse("volunteering:wish_new") + f"?resident={vol.zhou.pk}",
        {"resident": vol.zhou.pk, "kind": WishKind.GOODS, "public_text": "想要一副老花镜",
         "details": "", "form_token": "t-1"},
    )  # fmt: skip
    wish = Wish.objects.get()
    assert sent.status_code == 302 and sent["Location"].endswith(f"/wishes/{wish.pk}/")
    assert wish.resident == vol.zhou and wish.posted_by == vol.grid_a1_worker


def test_the_photo_of_the_wish_come_true_is_shown_to_those_who_see_the_wish(vol, client):
    wish = services.wish_take(actor=vol.volunteer, wish=post(vol))
    wish = services.wish_fulfil(actor=vol.volunteer, wish=wish, photos=[photo()])
    shot = wish.photos.get()
    url = reverse("volunteering:wish_photo", args=[wish.pk, shot.pk])
    client.force_login(vol.grid_a1_worker)
    assert url in client.get(reverse("volunteering:wish", args=[wish.pk])).content.decode()
    got = client.get(url)
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    assert got["Cache-Control"].startswith("private")
    for who in (vol.other_admin, vol.vols[0].user):  # out of scope; not the helper
        client.force_login(who)
        assert client.get(url).status_code == 404
    client.force_login(vol.grid_a1_worker)
    assert (
        client.get(reverse("volunteering:wish_photo", args=[wish.pk, shot.pk + 99])).status_code
        == 404
    )
