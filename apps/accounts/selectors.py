"""Reads of the accounts app, scoped to their owner."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from apps.core import selectors as core_selectors

from .models import ApiKey, SecurityEvent, User


def active_users() -> QuerySet[User]:
    return User.objects.filter(is_active=True)


def user_by_id(*, user_id: int) -> User:
    return get_object_or_404(User.objects.all(), pk=user_id)


def api_keys_of(*, user: User, include_revoked: bool = False) -> QuerySet[ApiKey]:
    keys = ApiKey.objects.filter(user=user)
    return keys if include_revoked else keys.filter(revoked_at__isnull=True)


def api_key_of(*, user: User, key_id: int) -> ApiKey:
    return get_object_or_404(ApiKey.objects.filter(user=user), pk=key_id)


def security_events_of(*, user: User) -> QuerySet[SecurityEvent]:
    return SecurityEvent.objects.filter(user=user).select_related("actor")


def remaining_recovery_codes(*, user: User) -> int:
    return user.recovery_codes.filter(used_at__isnull=True).count()


# Other apps add their part of a user's data export here (in their AppConfig.ready()):
#     register_exporter("portfolios", lambda user: [...])
_exporters: dict[str, Any] = {}


def register_exporter(name: str, exporter) -> None:
    _exporters[name] = exporter


def export_user_data(*, user: User) -> dict[str, Any]:
    """Everything the platform holds about ``user``, as JSON-ready data."""
    data: dict[str, Any] = {
        "profile": {
            "id": user.pk,
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role,
            "tier": user.tier,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "email_verified_at": user.email_verified_at.isoformat() if user.email_verified_at else None,
            "mfa_enabled": user.mfa_enabled,
        },
        "api_keys": [
            {
                "id": k.pk,
                "name": k.name,
                "prefix": k.prefix,
                "created_at": k.created_at.isoformat(),
                "last_used_at": k.last_used_at.isoformat() if k.last_used_at else None,
                "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
            }
            for k in api_keys_of(user=user, include_revoked=True)
        ],
        "security_events": [
            {
                "kind": e.kind,
                "created_at": e.created_at.isoformat(),
                "ip_address": e.ip_address,
                "user_agent": e.user_agent,
                "metadata": e.metadata,
            }
            for e in security_events_of(user=user)
        ],
        "jobs": [
            {
                "id": str(j.id),
                "kind": j.kind,
                "status": j.status,
                "params": j.params,
                "result": j.result,
                "error": j.error,
                "created_at": j.created_at.isoformat(),
            }
            for j in core_selectors.jobs_of(user=user)
        ],
    }
    for name, exporter in sorted(_exporters.items()):
        data[name] = exporter(user)
    return data
