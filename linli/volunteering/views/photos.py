"""The photo of a timeline step, found among the steps the viewer's detail shows (so a
photo of a step hidden from the viewer is as missing as one that does not exist)."""

from __future__ import annotations

from django.http import Http404


def shown_photo(detail, photo_pk: int):
    for event in detail.events:
        for photo in event.photos.all():
            if photo.pk == photo_pk:
                return photo
    raise Http404
