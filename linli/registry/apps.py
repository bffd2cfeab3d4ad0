from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "linli.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from linli.core.audit import register_change_describer

        from .views.households import _change_lines

        # The oversight pages word household and resident changes as the household file does.
        register_change_describer("registry", _change_lines)
