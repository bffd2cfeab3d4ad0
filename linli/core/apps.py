import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "linli.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import auditchain, idempotency, jobs, nav, notify

        nav.register(
            nav.Entry(
                key="inbox",
                label=_("Messages"),
                url_name="core:inbox",
                show=lambda user: True,
                badge=notify.unread_count,
                order=90,
                tile=False,
            )
        )

        jobs.register(
            "core.audit_verify",
            auditchain.verify_job,
            every=dt.timedelta(days=1),
            label=_("Check the change history's hash chains"),
            lease=dt.timedelta(hours=2),
        )
        jobs.register(
            "core.prune_idempotency_keys",
            idempotency.prune_keys,
            every=dt.timedelta(hours=6),
            label=_("Forget old double-submit keys"),
        )
        jobs.register(
            "core.prune_job_runs",
            jobs.prune_runs,
            every=dt.timedelta(days=1),
            label=_("Forget old job runs"),
        )
