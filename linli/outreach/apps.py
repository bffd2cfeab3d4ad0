import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "linli.outreach"
    label = "outreach"
    verbose_name = _("Fire-safety outreach")

    def ready(self) -> None:
        from linli.core import jobs

        from . import navigation, permissions, sections, services  # noqa: F401

        navigation.register_entries()
        sections.register()
        jobs.register(
            "outreach.drill_reminders",
            services.remind_drills,
            every=dt.timedelta(hours=1),
            label=_("Reminders of planned drills and trainings"),
        )
        jobs.register(
            "outreach.missing_drills",
            services.tell_missing_drills,
            every=dt.timedelta(hours=12),
            label=_("In November: grids without this year's fire drill"),
        )
