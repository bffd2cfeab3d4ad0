"""Admin: categories are editable; orders and their timelines are read-only here
(status changes must go through the services so the timeline stays complete)."""

from django.contrib import admin

from .models import Category, WorkOrder, WorkOrderEvent


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "street", "handler_kind", "response_limit", "resolve_limit",
                    "clock_unit", "urgency", "active"]  # fmt: skip
    list_filter = ["street", "clock_unit", "urgency", "active"]


class EventInline(admin.TabularInline):
    model = WorkOrderEvent
    extra = 0
    can_delete = False
    fields = ["at", "actor", "actor_role", "verb", "from_status", "to_status", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    list_display = ["number", "street", "category", "status", "grid", "created_at", "resolve_due"]
    list_filter = ["street", "status", "channel"]
    search_fields = ["number"]
    inlines = [EventInline]
    exclude = ["reporter_phone_enc"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.concrete_fields if f.name != "reporter_phone_enc"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
