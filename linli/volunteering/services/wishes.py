"""Small wishes (微心愿): a resident in difficulty (or staff for them) posts a wish; one
person — a party member, a volunteer, a local business — takes it up, makes it come
true with a photo, and the resident confirms. The published text names no one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core.attachments import clean_photos
from linli.core.errors import Conflict, InvalidInput
from linli.core.idempotency import claim_key
from linli.core.notify import Message, notify
from linli.core.numbering import next_number
from linli.core.text import clean_text
from linli.core.workflow import set_now
from linli.grids import permissions as perms
from linli.grids import recipients
from linli.registry import permissions as rp
from linli.registry.models import Resident

from .. import permissions as p
from ..machine import WISHES
from ..models import Wish, WishKind, WishStatus
from ..selectors import taken_by_someone_else

TAKEN_ALREADY = gettext_lazy("Someone has just taken up this wish. Thank you all the same!")


def _tell(user_ids, wish: Wish, kind: str, subject: str) -> list[Message]:
    link = reverse("volunteering:wish", args=[wish.pk])
    return [
        Message(kind=kind, subject=subject, link=link, user_id=u, street_id=wish.street_id)
        for u in sorted({u for u in user_ids if u})
    ]


def wish_post(
    *,
    actor,
    resident: Resident,
    kind: str,
    public_text: str,
    details: str = "",
    idempotency_key: str = "",
    at: dt.datetime | None = None,
) -> Wish:
    """Post a wish for a resident in the actor's scope. ``public_text`` is what everyone may
    read: it must not hold the resident's name."""
    if kind not in WishKind.values:
        raise InvalidInput(_("Choose what kind of wish it is."), field="kind")
    public_text = clean_text(
        public_text, field="public_text", label=_("the wish"), required=True, limit=120
    )
    details = clean_text(details, field="details", label=_("the details"), limit=1000)
    if resident.name and resident.name in public_text:
        raise InvalidInput(
            _("The published wish must not name the resident; keep names in the details."),
            field="public_text",
        )
    now = at or timezone.now()
    with transaction.atomic():
        once = claim_key(actor=actor, scope="volunteering.wish", key=idempotency_key, model=Wish)
        if isinstance(once.earlier, Wish):
            return once.earlier
        resident = perms.get_in_scope(
            Resident.objects.filter(household__isnull=False), actor, rp.VIEW, pk=resident.pk
        )
        if not perms.can(actor, p.WISHES):
            raise Http404
        number = next_number(resident.street_id, f"wish-{now.year}")
        wish = Wish.objects.create(
            street_id=resident.street_id, number=f"WX-{now.year}-{number:05d}", kind=kind,
            public_text=public_text, details=details, resident=resident, grid_id=resident.grid_id,
            posted_by=actor, posted_at=now,
        )  # fmt: skip
        WISHES.append(wish, actor=actor, role=perms.acting_role(actor, p.WISHES, wish), verb="post",
                      from_status="", to_status=WishStatus.OPEN, at=now)  # fmt: skip
        once.record(wish)
    return wish


def wish_take(*, actor, wish: Wish, on_behalf_of: str = "", at=None) -> Wish:
    """认领: one person takes the wish up (the second to try is told it is taken: 409).
    ``on_behalf_of``: a business or branch the person takes it up for (shown publicly)."""
    on_behalf_of = clean_text(on_behalf_of, field="on_behalf_of", label=_("the name"), limit=60)

    def apply(w, now):
        w.claimant = actor
        w.claimant_name = on_behalf_of or getattr(actor, "display_name", "") or str(actor)
        w.claimed_at = now
        return ["claimant", "claimant_name", "claimed_at"]

    with transaction.atomic():
        try:
            wish, _e = WISHES.transition(actor=actor, row=wish, name="take", at=at, apply=apply)
        except Http404:
            if taken_by_someone_else(actor, wish.pk):
                raise Conflict(str(TAKEN_ALREADY)) from None
            raise
        notify(_tell(recipients.staff_of_grid(wish.grid_id), wish, "volunteering.wish_taken",
                     _("Wish %(number)s was taken up") % {"number": wish.number}))  # fmt: skip
    return wish


def wish_release(*, actor, wish: Wish, reason: str, at=None) -> Wish:
    """Staff give a taken wish back to everyone (the helper cannot do it after all)."""
    reason = clean_text(reason, field="reason", label=_("the reason"), required=True, limit=300)

    def apply(w, now):
        w.claimant, w.claimant_name, w.claimed_at = None, "", None
        return ["claimant", "claimant_name", "claimed_at"]

    wish, _e = WISHES.transition(
        actor=actor, row=wish, name="release", at=at, note=reason, apply=apply
    )
    return wish


def wish_fulfil(*, actor, wish: Wish, photos: Iterable, note: str = "", at=None) -> Wish:
    """The helper says the wish came true, with at least one photo; the resident (and the
    grid's staff) are asked to confirm."""
    cleaned = clean_photos(photos)
    if not cleaned:
        raise InvalidInput(_("Add a photo of the wish come true."), field="photos")
    note = clean_text(note, field="note", label=_("the note"), limit=500)
    with transaction.atomic():
        wish, _e = WISHES.transition(
            actor=actor, row=wish, name="fulfil", at=at, note=note, photos=cleaned,
            apply=set_now("fulfilled_at"),
        )  # fmt: skip
        notify(_tell([wish.resident.user_id, *recipients.staff_of_grid(wish.grid_id)], wish,
                     "volunteering.wish_fulfilled", _("Wish %(number)s came true: please confirm") % {"number": wish.number}))  # fmt: skip
    return wish


def wish_confirm(*, actor, wish: Wish, note: str = "", at=None) -> Wish:
    note = clean_text(note, field="note", label=_("the note"), limit=500)
    with transaction.atomic():
        wish, _e = WISHES.transition(
            actor=actor, row=wish, name="confirm", at=at, note=note, apply=set_now("confirmed_at")
        )
        notify(_tell([wish.claimant_id], wish, "volunteering.wish_confirmed",
                     _("Thank you: wish %(number)s is confirmed") % {"number": wish.number}))  # fmt: skip
    return wish


def wish_cancel(*, actor, wish: Wish, reason: str, at=None) -> Wish:
    reason = clean_text(reason, field="reason", label=_("the reason"), required=True, limit=300)
    wish, _e = WISHES.transition(actor=actor, row=wish, name="cancel", at=at, note=reason)
    return wish
