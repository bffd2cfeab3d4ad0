import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "linli.points"
    label = "points"
    verbose_name = _("Points and the points store")

    def ready(self) -> None:
        from linli.core import jobs

        from . import navigation, permissions, sections, services  # noqa: F401  (permissions declares)

        navigation.register_entries()
        sections.register()
        jobs.register(
            "points.expire",
            services.expire_due,
            every=dt.timedelta(hours=1),
            label=_("Expire points past their validity"),
        )
