"""Form pieces every module shares: a create form submitted once (``OnceForm``), a date
typed as 2026-03-05 and a photo picker, both showing Chinese (or the page's language)
whatever language the phone's browser speaks.

A browser draws ``<input type=date>`` and ``<input type=file>`` itself, in the language of
the phone: an English phone shows "mm/dd/yyyy" and "Choose Files" on a Chinese page.
``DateField`` is a text box with a 年-月-日 hint that also takes 2026/3/5, 2026.3.5,
20260305 and 2026年3月5日; ``PhotoPicker`` hides the browser's control behind a label
styled as a button (选择照片) and lists the chosen files beside it (core/linli.js).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"]
MONTH_FORMATS = ["%Y-%m", "%Y/%m", "%Y.%m", "%Y%m", "%Y年%m月"]


class DateText(forms.DateInput):
    """A text box for a date; the browser draws nothing of its own."""

    input_type = "text"

    def __init__(self, attrs=None):
        defaults = {
            "placeholder": _("yyyy-mm-dd"),
            "autocomplete": "off",
            "inputmode": "numeric",
            "maxlength": "11",
            "class": "date-text",
        }
        super().__init__(attrs={**defaults, **(attrs or {})}, format="%Y-%m-%d")


class DateField(forms.DateField):
    widget = DateText
    input_formats = DATE_FORMATS
    default_error_messages = {
        "invalid": _("Write the date as year-month-day, for example 2026-03-05."),
    }


class MonthText(forms.TextInput):
    def __init__(self, attrs=None):
        defaults = {
            "placeholder": _("yyyy-mm"),
            "autocomplete": "off",
            "inputmode": "numeric",
            "maxlength": "8",
            "class": "date-text",
        }
        super().__init__(attrs={**defaults, **(attrs or {})})


class MonthField(forms.CharField):
    """A month typed as 2026-11 (or 2026/11, 202611, 2026年11月): the month's first day."""

    widget = MonthText

    def to_python(self, value):
        value = (super().to_python(value) or "").strip()
        if not value:
            return None
        for pattern in MONTH_FORMATS:
            try:
                return dt.datetime.strptime(value, pattern).date()
            except ValueError:
                continue
        raise forms.ValidationError(_("Enter a month as YYYY-MM."))


def month_span(first: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month starting on ``first`` as [start, end) in the current time zone."""
    after = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (
        timezone.make_aware(dt.datetime.combine(first, dt.time.min)),
        timezone.make_aware(dt.datetime.combine(after, dt.time.min)),
    )


class PhotoPicker(forms.ClearableFileInput):
    """One or more photos: a 选择照片 button and the names of the chosen files."""

    template_name = "core/widgets/photo_picker.html"
    allow_multiple_selected = True
    button_label = _("Choose photos")

    def __init__(self, attrs=None):
        defaults = {"accept": "image/*", "multiple": True, "class": "file-input"}
        super().__init__(attrs={**defaults, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["button_label"] = self.button_label
        return context


class PhotosField(forms.FileField):
    """Zero or more photos from a ``PhotoPicker``, as a list of uploads; the service checks
    format, size, count and whether one is needed (``core.attachments.clean_photos``), one
    message per file."""

    widget = PhotoPicker

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Photos"))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [f for f in files if f]


def new_token() -> str:
    return uuid.uuid4().hex


class OnceForm(forms.Form):
    """A create form submitted once: its hidden ``form_token`` is drawn when the form is
    shown and kept when it comes back with errors, so a double tap or a resent post
    carries the same token, and the service (``core.idempotency``) files one row."""

    form_token = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=100, initial=new_token
    )


class QueuedForm(OnceForm):
    """A form a phone may keep while there is no signal and send later (``core/offline.js``,
    docs/offline.md). Its one-time token makes the late send, and any resend of it, file
    once; the queue adds ``waited``, the seconds from the press of the button to the send,
    both read on the phone's own clock, so ``done_at`` knows when the person acted whatever
    time that clock shows."""

    waited = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=10**9
    )


def done_at(data: dict, *, not_before: dt.datetime | None = None) -> dt.datetime | None:
    """When the person pressed the button of a ``QueuedForm``: now less the seconds it
    waited on the phone, never before ``not_before`` (the check-in of the job being
    finished) nor more than ``LINLI_IDEMPOTENCY_DAYS`` ago. None when it did not wait: the
    service then takes its own now."""
    waited = data.get("waited") or 0
    if waited <= 0:
        return None
    days = int(getattr(settings, "LINLI_IDEMPOTENCY_DAYS", 2))
    now = timezone.now()
    at = now - dt.timedelta(seconds=min(waited, days * 86400))
    return max(at, not_before) if not_before is not None else at
