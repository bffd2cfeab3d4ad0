from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    """At least two of: letters, digits, symbols."""

    def validate(self, password: str, user=None) -> None:
        classes = [
            any(c.isalpha() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < 2:
            raise ValidationError(
                _("Password must mix at least two of: letters, digits, symbols."),
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("Your password must mix at least two of: letters, digits, symbols.")
