import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteeringConfig(AppConfig):
    name = "linli.volunteering"
    label = "volunteering"
    verbose_name = _("Volunteering")

    def ready(self) -> None:
        from linli.core import jobs
        from linli.points.services import register_settlement_check

        from . import navigation, permissions, sections, services  # noqa: F401

        navigation.register_entries()
        sections.register()
        jobs.register(
            "volunteering.expire",
            services.expire_unclaimed,
            every=dt.timedelta(minutes=10),
            label=_("Volunteer orders nobody claimed before their start"),
        )
        register_settlement_check(sections.unconfirmed_work)
