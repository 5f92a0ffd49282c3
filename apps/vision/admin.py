"""Vision admin: the stored image files (read-only; delete a job to delete its files)."""

from django.contrib import admin

from .models import ImageFile


@admin.register(ImageFile)
class ImageFileAdmin(admin.ModelAdmin):
    list_display = ("name", "role", "owner", "job", "width", "height", "bytes", "created_at")
    list_filter = ("role", "content_type")
    search_fields = ("name", "owner__email")
    list_select_related = ("owner", "job")
    readonly_fields = [f.name for f in ImageFile._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
