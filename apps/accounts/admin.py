from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from . import services
from .models import ApiKey, SecurityEvent, User


class EmailUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class EmailUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = EmailUserChangeForm
    add_form = EmailUserCreationForm
    ordering = ("email",)
    list_display = ("email", "display_name", "role", "tier", "is_staff", "is_active", "date_joined")
    list_filter = ("role", "tier", "is_staff", "is_active")
    search_fields = ("email", "display_name")
    readonly_fields = ("last_login", "date_joined", "email_verified_at", "tokens_valid_after")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name", "email_verified_at")}),
        ("Access", {"fields": ("role", "tier", "is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined", "tokens_valid_after")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def save_model(self, request, obj, form, change):
        """Role and tier changes go through the audited service."""
        if change and {"role", "tier"} & set(form.changed_data):
            original = User.objects.get(pk=obj.pk)
            role, tier = obj.role, obj.tier
            obj.role, obj.tier = original.role, original.tier
            super().save_model(request, obj, form, change)
            services.change_access(user=obj, actor=request.user, role=role, tier=tier, request=request)
            obj.refresh_from_db()
        else:
            super().save_model(request, obj, form, change)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    """The audit log: append-only, so read-only here."""

    list_display = ("created_at", "kind", "user", "actor", "ip_address")
    list_filter = ("kind",)
    search_fields = ("user__email", "ip_address", "user_agent")
    date_hierarchy = "created_at"
    list_select_related = ("user", "actor")


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    list_display = ("name", "prefix", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__email")
    exclude = ("key_hash",)
    list_select_related = ("user",)
