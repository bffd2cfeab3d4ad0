from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "linli.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        import datetime as dt

        from linli.core import jobs

        from . import counting, permissions  # noqa: F401  (declares the registry's actions)
        from .ledger import export_jobs
        from .navigation import register_entries

        register_entries()
        jobs.register(
            "registry.counts",
            counting.refresh_stale,
            every=dt.timedelta(minutes=1),
            label=_("Count households, residents and tags where they changed"),
        )
        jobs.register(
            "registry.export_files",
            export_jobs.purge_expired,
            every=dt.timedelta(minutes=15),
            label=_("Delete exported files past their time"),
        )

        from linli.core.audit import register_change_describer

        from .views.households import _change_lines

        # The oversight pages word household and resident changes as the household file does.
        register_change_describer("registry", _change_lines)
