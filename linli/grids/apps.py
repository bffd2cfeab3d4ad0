from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridsConfig(AppConfig):
    name = "linli.grids"
    label = "grids"
    verbose_name = _("Grids")

    def ready(self) -> None:
        from linli.core.nav import Entry, register, register_notice

        from . import permissions as perms

        register(
            Entry(
                key="roles",
                label=_("People and roles"),
                url_name="grids:assignments",
                show=lambda user: perms.can(user, perms.ROLES_MANAGE),
                blurb=_("Who works where, with which role"),
                order=70,
            )
        )
        register(
            Entry(
                key="pii_log",
                label=_("Personal data access log"),
                url_name="grids:pii_log",
                show=lambda user: perms.can(user, perms.AUDIT_VIEW),
                blurb=_("Who saw whose ID number or phone in full, and why"),
                order=80,
                menu=False,
            )
        )
        register(
            Entry(
                key="change_log",
                label=_("Audit trail"),
                url_name="grids:change_log",
                show=lambda user: perms.can(user, perms.AUDIT_VIEW),
                blurb=_("Who changed what, and when"),
                order=81,
            )
        )
        register(
            Entry(
                key="jobs",
                label=_("Background jobs"),
                url_name="grids:jobs",
                show=lambda user: perms.can(user, perms.JOBS_VIEW),
                blurb=_("Deadline sweeps, counts and reminders: when they last ran, and how"),
                order=82,
                menu=False,
            )
        )
        register_notice("no_role", _no_role)


def _no_role(user):
    from . import permissions as perms

    if perms.grants(user):
        return None
    return _(
        "Your account has no role yet. Please ask your street administrator to assign you one."
    )
