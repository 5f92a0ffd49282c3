"""Audit of Django's own sign-in signals (web and API sign-ins both send them)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import services
from .models import ApiKey, SecurityEvent, User


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


# Cached API-key records (services.authenticate_api_key) must not outlive a change to the key or to
# its user (revoked, deactivated, tier or role changed, deleted).
@receiver([post_save, post_delete], sender=ApiKey, dispatch_uid="accounts.forget_api_key")
def forget_api_key(sender, instance, **kwargs):
    services.forget_api_keys(prefixes=[instance.prefix])


@receiver([post_save, post_delete], sender=User, dispatch_uid="accounts.forget_users_api_keys")
def forget_users_api_keys(sender, instance, created=False, update_fields=None, **kwargs):
    if created or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return
    services.forget_api_keys(prefixes=list(ApiKey.objects.filter(user_id=instance.pk).values_list("prefix", flat=True)))
