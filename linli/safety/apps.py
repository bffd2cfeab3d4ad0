import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafetyConfig(AppConfig):
    name = "linli.safety"
    label = "safety"
    verbose_name = _("Safety inspections")

    def ready(self) -> None:
        from linli.core import jobs

        from . import navigation, permissions, services  # noqa: F401

        navigation.register_entries()
        jobs.register(
            "safety.overdue",
            services.escalate_overdue,
            every=dt.timedelta(hours=1),
            label=_("Rectification notices past their deadline go to joint enforcement"),
        )
        jobs.register(
            "safety.remind",
            services.remind_reinspections,
            every=dt.timedelta(hours=1),
            label=_("Reminders the day before a re-inspection (回头看)"),
        )
