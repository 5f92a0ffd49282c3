from django.contrib import admin

from .models import IdempotencyKey, Job

admin.site.site_header = "AI Platform administration"
admin.site.site_title = "AI Platform admin"
admin.site.index_title = "Operations and review"


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Jobs are written by workers only: read-only here."""

    list_display = ("id", "kind", "owner", "status", "progress", "created_at", "finished_at")
    list_filter = ("status", "kind", "queue")
    search_fields = ("id", "kind", "owner__email", "request_id")
    date_hierarchy = "created_at"
    list_select_related = ("owner",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    list_display = ("key", "scope", "method", "path", "status", "response_status", "created_at")
    list_filter = ("status", "method")
    search_fields = ("key", "scope", "path")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
