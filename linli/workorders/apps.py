import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkordersConfig(AppConfig):
    name = "linli.workorders"
    label = "workorders"
    verbose_name = _("Work orders")

    def ready(self) -> None:
        from linli.core import jobs

        from . import navigation, permissions, tasks  # noqa: F401  (permissions declares)
        from .household_section import register

        register()
        navigation.register_entries()
        jobs.register(
            "workorders.sweep",
            tasks.sweep,
            every=dt.timedelta(minutes=2),
            label=_("Request deadlines: warn, mark overdue, escalate"),
        )
