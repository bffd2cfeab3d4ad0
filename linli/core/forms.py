"""Form pieces every module's pages share."""

from __future__ import annotations

import uuid

from django import forms


def new_token() -> str:
    return uuid.uuid4().hex


class OnceForm(forms.Form):
    """A create form submitted once: its hidden ``form_token`` is drawn when the form is
    shown and kept when it comes back with errors, so a double tap or a resent post
    carries the same token, and the service (``core.idempotency``) files one row."""

    form_token = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=100, initial=new_token
    )
