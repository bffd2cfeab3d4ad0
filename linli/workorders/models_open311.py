"""Open311 API keys: one or more per street, stored as a hash only.

Imported at the bottom of ``models.py`` so Django registers the model with the
work-orders app. A key names the account under whose permissions requests
arrive (``user``: it needs ``workorders.intake`` over the street, e.g. a
street-admin integration account), so an Open311 intake is checked exactly
like a desk intake and its timeline shows who brought it in.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.models import StreetOwned


def hash_key(raw: str) -> str:
    """SHA-256 of the key (keys are long random strings, so no salt or slow hash is needed)."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def new_key() -> str:
    return "l311-" + secrets.token_urlsafe(24)


class Open311ApiKey(StreetOwned):
    """An integration's key for POST /open311/v2/requests.json (the key itself is never stored)."""

    name = models.CharField(_("integration"), max_length=80)
    key_hash = models.CharField(max_length=64, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("acts as"),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key_hash"], name="wo_open311_key_hash_unique")
        ]
        indexes = [models.Index(fields=["street", "active"])]
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")

    def __str__(self) -> str:
        return self.name
