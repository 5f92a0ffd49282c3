"""Role checks for DRF views, used by every app."""

from rest_framework.permissions import BasePermission


class IsReviewer(BasePermission):
    """Reviewers and admins: may decide AI proposals."""

    message = "Only reviewers may do this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_reviewer)


class IsAdminRole(BasePermission):
    """Users with the admin role (or superusers)."""

    message = "Only administrators may do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_administrator)
