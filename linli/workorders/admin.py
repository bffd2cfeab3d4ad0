"""Admin: categories are editable; orders and their timelines are read-only here
(status changes must go through the services so the timeline stays complete)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Category, WorkOrder, WorkOrderEvent
from .views.display import role_label, status_label, verb_label


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "street", "handler_kind", "response_limit", "resolve_limit",
                    "clock_unit", "urgency", "active"]  # fmt: skip
    list_filter = ["street", "clock_unit", "urgency", "active"]


class EventInline(admin.TabularInline):
    model = WorkOrderEvent
    extra = 0
    can_delete = False
    # The stored codes (accept, grid_worker, verified) as the pages word them.
    fields = ["at", "actor", "role", "action", "from_text", "to_text", "note"]
    readonly_fields = fields

    @admin.display(description=_("role"))
    def role(self, event):
        return role_label(event.actor_role)

    @admin.display(description=_("action"))
    def action(self, event):
        return verb_label(event.verb)

    @admin.display(description=_("from"))
    def from_text(self, event):
        return status_label(event.from_status) if event.from_status else ""

    @admin.display(description=_("to"))
    def to_text(self, event):
        return status_label(event.to_status) if event.to_status else ""

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    list_display = ["number", "street", "category", "status", "grid", "created_at", "resolve_due"]
    list_filter = ["street", "status", "channel"]
    search_fields = ["number"]
    inlines = [EventInline]
    # Internal columns (the encrypted phone and its last digits, the link token, the
    # sweep's markers) are not for reading here.
    hidden = {"id", "reporter_phone_enc", "reporter_phone_last4", "public_token", "warn_at",
              "warned_at", "auto_escalated_at"}  # fmt: skip
    exclude = sorted(hidden)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.concrete_fields if f.name not in self.hidden]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
