"""The admin site: staff as Django has them, and reviewers (the reviewer or admin role) for the
models whose admin grants their role access — the proposal review, and nothing else (every other
model admin keeps Django's permission checks, which a reviewer without permissions does not pass)."""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm


def may_enter(user) -> bool:
    """Whether ``user`` may open the admin site at all (what they see there is up to each model admin)."""
    return bool(user and user.is_active and (user.is_staff or getattr(user, "is_reviewer", False)))


class PlatformAdminAuthenticationForm(AdminAuthenticationForm):
    def confirm_login_allowed(self, user):
        if may_enter(user):
            AuthenticationForm.confirm_login_allowed(self, user)
            return
        super().confirm_login_allowed(user)


class PlatformAdminSite(admin.AdminSite):
    site_header = "AI Platform administration"
    site_title = "AI Platform admin"
    index_title = "Operations and review"
    login_form = PlatformAdminAuthenticationForm

    def has_permission(self, request) -> bool:
        return may_enter(request.user)
