from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkordersConfig(AppConfig):
    name = "linli.workorders"
    label = "workorders"
    verbose_name = _("Work orders")

    def ready(self) -> None:
        from .household_section import register

        register()
