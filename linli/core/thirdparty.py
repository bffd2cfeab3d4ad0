"""Chinese names for the third-party apps the Django admin shows (their own are English).

Listed in INSTALLED_APPS in place of the app's own configuration.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.apps import DefaultConfig as StaticConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TotpConfig
from django_tasks_db.apps import TasksAppConfig


class TasksDatabaseConfig(TasksAppConfig):
    verbose_name = _("Background tasks")


def _named_and_hidden(config, names: dict) -> None:
    """Name the app's models in Chinese and keep them out of the Django admin: second
    factors are managed on Linli's own pages (set up by the person, reset by a street
    administrator), and the admin's device pages speak only English.

    Only the names shown are set, not the declared Meta, so migrations see no change."""
    for model in config.get_models():
        if model.__name__ in names:
            model._meta.verbose_name, model._meta.verbose_name_plural = names[model.__name__]
        if admin.site.is_registered(model):
            admin.site.unregister(model)


class AuthenticatorConfig(TotpConfig):
    """django-otp's TOTP devices: the authenticator app of the second login step."""

    verbose_name = _("Two-step verification: authenticator app")

    def ready(self):
        _named_and_hidden(self, {"TOTPDevice": (_("authenticator"), _("authenticators"))})


class RecoveryCodesConfig(StaticConfig):
    """django-otp's static devices: the one-time recovery codes."""

    verbose_name = _("Two-step verification: recovery codes")

    def ready(self):
        _named_and_hidden(
            self,
            {
                "StaticDevice": (_("recovery code set"), _("recovery code sets")),
                "StaticToken": (_("recovery code"), _("recovery codes")),
            },
        )
