"""The Django admin (superusers only, see accounts.middleware) speaks Chinese like the site.

Django's own zh_Hans catalogue lacks a few of its newer admin strings, and django-tasks-db
ships no translations; their msgids are listed below so that makemessages keeps them in
core's catalogue (Linli's apps come first in INSTALLED_APPS, so these translations win).
The task results admin is replaced by one whose computed columns have translated names.
"""

from django.contrib import admin
from django.contrib.auth import admin as auth_admin  # noqa: F401 - registers Group (removed below)
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

admin.site.site_header = _("Linli administration")
admin.site.site_title = _("Linli administration")
admin.site.index_title = _("Site administration")

DJANGO_ADMIN_STRINGS = (
    _("Model name"),
    _("Add link"),
    _("Change or view list link"),
)
TASKS_DB_STRINGS = (
    _("Task Result"),
    _("Task Results"),
    _("status"),
    _("enqueued at"),
    _("started at"),
    _("finished at"),
    _("args kwargs"),
    _("priority"),
    _("task path"),
    _("worker id"),
    _("queue name"),
    _("backend name"),
    _("run after"),
    _("return value"),
    _("exception class path"),
    _("traceback"),
    pgettext_lazy("Task", "Ready"),
    pgettext_lazy("Task", "Running"),
    pgettext_lazy("Task", "Failed"),
    pgettext_lazy("Task", "Successful"),
)


class TaskResultAdmin(DBTaskResultAdmin):
    list_display = (
        "short_id",
        "task_label",
        "status",
        "enqueued_at",
        "started_at",
        "finished_at",
        "priority",
        "queue_name",
    )

    @admin.display(description=_("ID"))
    def short_id(self, obj: DBTaskResult) -> str:
        return str(obj.id)[:8]

    @admin.display(description=_("ID"))
    def full_id(self, obj: DBTaskResult) -> str:
        return str(obj.id)

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return ["full_id" if f == "id" else f for f in super().get_readonly_fields(request, obj)]

    @admin.display(description=_("task"))
    def task_label(self, obj: DBTaskResult) -> str:
        return obj.task_name

    @admin.display(description=_("traceback"))
    def formatted_traceback(self, obj: DBTaskResult) -> str:
        return super().formatted_traceback(obj)

    @admin.display(description=_("run after"))
    def display_run_after(self, obj: DBTaskResult):
        return super().display_run_after(obj)


admin.site.unregister(DBTaskResult)
admin.site.register(DBTaskResult, TaskResultAdmin)

# Linli decides who may do what by role grants (grids.StaffAssignment), never by Django's
# groups and permissions; their admin would only offer a list of English permission names
# ("Can add compound") that Django stores untranslated.
admin.site.unregister(Group)
