"""Text typed by people, checked the same way in every module's services."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .errors import InvalidInput


def clean_text(
    value: str | None, *, field: str, label: str, required: bool = False, limit: int = 1000
) -> str:
    """``value`` stripped; InvalidInput naming ``field`` when it is missing but required,
    or longer than ``limit`` characters. ``label`` is how the message names it
    ("the reason")."""
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("Please fill in %(label)s.") % {"label": label}, field=field)
    if len(value) > limit:
        raise InvalidInput(
            _("%(label)s is too long (at most %(limit)d characters).")
            % {"label": label, "limit": limit},
            field=field,
        )
    return value
