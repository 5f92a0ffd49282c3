"""Django's admin, with the platform's site (``admin_site``): reviewers may enter it for the proposal review."""

from django.contrib.admin.apps import AdminConfig


class PlatformAdminConfig(AdminConfig):
    default_site = "apps.accounts.admin_site.PlatformAdminSite"
