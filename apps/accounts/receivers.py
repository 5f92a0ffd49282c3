"""Audit of Django's own sign-in signals (web and API sign-ins both send them)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import services
from .models import SecurityEvent, User


@receiver(user_logged_in, dispatch_uid="accounts.audit_login")
def audit_login(sender, request, user, **kwargs):
    services.record_event(kind=SecurityEvent.Kind.LOGIN_SUCCEEDED, user=user, request=request)


@receiver(user_logged_out, dispatch_uid="accounts.audit_logout")
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        services.record_event(kind=SecurityEvent.Kind.LOGGED_OUT, user=user, request=request, via="web")


@receiver(user_login_failed, dispatch_uid="accounts.audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    identifier = (credentials or {}).get("username") or ""
    api_key_name = services.API_KEY_CREDENTIALS["username"] + ":"
    if identifier.startswith(api_key_name):
        services.record_event(
            kind=SecurityEvent.Kind.API_KEY_REJECTED, request=request, key_prefix=identifier[len(api_key_name) :]
        )
        return
    user = User.objects.filter(email__iexact=identifier).first() if identifier else None
    locked = bool(getattr(request, "axes_locked_out", False))
    services.record_event(
        kind=SecurityEvent.Kind.LOCKED_OUT if locked else SecurityEvent.Kind.LOGIN_FAILED,
        user=user,
        request=request,
        identifier=identifier[:254],
    )
