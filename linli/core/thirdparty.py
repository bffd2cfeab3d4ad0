"""Chinese names for the third-party apps the Django admin shows (their own are English).

Listed in INSTALLED_APPS in place of the app's own configuration.
"""

from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class TasksDatabaseConfig(TasksAppConfig):
    verbose_name = _("Background tasks")
