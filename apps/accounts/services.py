"""Writes of the accounts app: sign-up, sign-in, tokens, passwords, MFA, API keys, roles, privacy.

Every function is keyword-only, atomic where it writes more than one row, and records its
security event. ``request`` (a Django ``HttpRequest``) is passed where the event needs the client's
IP address and user agent, and where django-axes needs it to count failures.
"""

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate, password_validation, user_logged_in, user_login_failed
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import salted_hmac
from rest_framework import exceptions
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, TokenError

from apps.core import services as core_services
from apps.core.client_ip import client_ip
from apps.core.errors import TooManyAttempts

from . import mfa, tokens
from .models import ApiKey, RecoveryCode, SecurityEvent, TOTPDevice, User

logger = logging.getLogger(__name__)
Kind = SecurityEvent.Kind

# Sent inside delete_account's transaction, before the user row goes: other apps anonymise what
# they must keep (financial audit records) and delete the rest. kwargs: user.
account_deleting = Signal()

API_KEY_PREFIX = "aip"
API_KEY_CREDENTIALS = {"username": "api-key"}  # what django-axes counts API-key failures under
API_KEY_TOUCH_SECONDS = 60
MFA_MAX_FAILURES = 5
MFA_FAILURE_WINDOW_SECONDS = 15 * 60
INVALID_CREDENTIALS = "Email or password is incorrect."


class InvalidCredentials(exceptions.AuthenticationFailed):
    default_detail = INVALID_CREDENTIALS
    default_code = "invalid_credentials"


def _invalid_token(field: str, message: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code="invalid_token")})


# --- audit ---------------------------------------------------------------------------------------


def record_event(
    *, kind: str, user: User | None = None, request=None, actor: User | None = None, **metadata
) -> SecurityEvent:
    """Append one security event (who, what, when, IP, user agent)."""
    user_agent = request.headers.get("User-Agent", "")[:512] if request is not None else ""
    return SecurityEvent.objects.create(
        user=user if user is not None and user.pk else None,
        actor=actor,
        kind=kind,
        ip_address=client_ip(request),
        user_agent=user_agent,
        metadata=metadata,
    )


# --- emails --------------------------------------------------------------------------------------


def _send_templated_email(*, user: User, template: str, subject: str, link: str) -> None:
    from .tasks import send_email

    body = render_to_string(
        f"accounts/email/{template}.txt", {"user": user, "link": link, "site_url": settings.SITE_URL}
    )
    send_email.delay_on_commit(to=user.email, subject=subject, body=body)


def send_verification_email(*, user: User) -> None:
    """Email a one-time link that verifies ``user.email`` (sent after commit)."""
    uid, token = tokens.encode_uid(user), tokens.email_verification_token.make_token(user)
    _send_templated_email(
        user=user,
        template="verify_email",
        subject="Confirm your email address",
        link=f"{settings.SITE_URL}/accounts/verify-email/{uid}/{token}/",
    )


# --- sign-up and email verification ---------------------------------------------------------------


@transaction.atomic
def register_user(*, email: str, password: str, display_name: str = "", request=None) -> User:
    """Create an account and email its verification link. Raises ValidationError naming the field."""
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "An account with this email already exists."})
    candidate = User(email=email, display_name=display_name)
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user = User.objects.create_user(email=email, password=password, display_name=display_name)
    record_event(kind=Kind.SIGNED_UP, user=user, request=request)
    send_verification_email(user=user)
    return user


@transaction.atomic
def ensure_user(*, email: str, password: str, **fields) -> tuple[User, bool]:
    """Get or create the user with ``email`` (seeding); an existing user keeps everything."""
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user, False
    return User.objects.create_user(email=email, password=password, **fields), True


def _user_from_uid(uidb64: str) -> User | None:
    uid = tokens.decode_uid(uidb64)
    if uid is None or not uid.isdigit():
        return None
    return User.objects.filter(pk=int(uid), is_active=True).first()


@transaction.atomic
def verify_email(*, uidb64: str, token: str, request=None) -> User:
    """Mark the email verified. An unknown, expired or used link is a ValidationError on ``token``."""
    user = _user_from_uid(uidb64)
    if user is None or not tokens.email_verification_token.check_token(user, token):
        raise _invalid_token("token", "This verification link is invalid, expired or already used.")
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at"])
    record_event(kind=Kind.EMAIL_VERIFIED, user=user, request=request)
    return user


# --- sign-in --------------------------------------------------------------------------------------


def lockout_wait_seconds(request, credentials: dict | None = None) -> int:
    """Seconds until django-axes lets this username/IP try again (0 if it is not locked)."""
    cool_off = get_cool_off(request) or timedelta(0)
    attempts = AccessAttempt.objects.filter(ip_address=client_ip(request))
    username = (credentials or {}).get("username")
    if username:
        attempts = attempts.filter(username=username)
    latest = attempts.order_by("-attempt_time").values_list("attempt_time", flat=True).first()
    if latest is None:
        return int(cool_off.total_seconds())
    return max(1, int((latest + cool_off - timezone.now()).total_seconds()))


def lockout_message(wait: int) -> str:
    minutes = max(1, round(wait / 60))
    return f"Too many failed attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}."


def _locked_out(request, credentials: dict) -> TooManyAttempts:
    wait = lockout_wait_seconds(request, credentials)
    return TooManyAttempts(lockout_message(wait), wait=wait, code="locked_out")


@dataclass(frozen=True)
class PasswordLogin:
    user: User
    mfa_required: bool


def check_password_login(*, request, email: str, password: str) -> PasswordLogin:
    """First step of a login. Unknown email and wrong password fail alike (InvalidCredentials);
    after repeated failures the email/IP pair is locked out (TooManyAttempts, 429).

    django-axes counts the attempt; a user with MFA is not signed in yet (``mfa_required``).
    """
    username = (email or "").strip().lower()
    user = authenticate(request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        raise _locked_out(request, {"username": username})
    if user is None:
        raise InvalidCredentials()
    return PasswordLogin(user=user, mfa_required=user.mfa_enabled)


def complete_login(*, request, user: User) -> None:
    """Announce a successful sign-in (audit, last_login, django-axes resets the failure count)."""
    user_logged_in.send(sender=User, request=request, user=user)


def user_for_mfa_challenge(*, challenge: str) -> User:
    user_id = tokens.read_mfa_challenge(challenge)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None or not user.mfa_enabled:
        raise _invalid_token("mfa_token", "The sign-in step expired; start again with your password.")
    return user


def issue_tokens(*, user: User) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    return {"refresh": str(refresh), "access": str(refresh.access_token)}


def revoke_access_token(*, token) -> None:
    """Refuse an access token until it would have expired anyway (checked on every request)."""
    remaining = int(token["exp"] - timezone.now().timestamp())
    if remaining > 0:
        cache.set(f"jwt-revoked:{token['jti']}", 1, timeout=remaining + 5)


def is_access_token_revoked(*, jti: str) -> bool:
    return cache.get(f"jwt-revoked:{jti}") is not None


def logout(*, request, user: User, refresh: str | None, access_token=None) -> None:
    """End a token session: blacklist the refresh token, revoke the access token in use."""
    if refresh:
        try:
            token = RefreshToken(refresh)
        except TokenError as exc:
            raise _invalid_token("refresh", "This refresh token is invalid or already revoked.") from exc
        if str(token.get("user_id")) != str(user.pk):
            raise _invalid_token("refresh", "This refresh token belongs to another session.")
        token.blacklist()
    if access_token is not None:
        revoke_access_token(token=access_token)
    record_event(kind=Kind.LOGGED_OUT, user=user, request=request, via="api")


def revoke_all_tokens(*, user: User) -> None:
    """Invalidate every JWT of ``user``: blacklist refresh tokens, refuse older access tokens."""
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=t) for t in outstanding], ignore_conflicts=True)
    User.objects.filter(pk=user.pk).update(tokens_valid_after=timezone.now())
    forget_api_keys(prefixes=ApiKey.objects.filter(user=user).values_list("prefix", flat=True))


# --- passwords ------------------------------------------------------------------------------------


def request_password_reset(*, email: str, request=None) -> None:
    """Email a reset link if an active account has this email; answer the same either way."""
    user = User.objects.filter(email__iexact=(email or "").strip(), is_active=True).first()
    if user is None:
        return
    uid, token = tokens.encode_uid(user), tokens.password_reset_token.make_token(user)
    record_event(kind=Kind.PASSWORD_RESET_REQUESTED, user=user, request=request)
    _send_templated_email(
        user=user,
        template="reset_password",
        subject="Reset your password",
        link=f"{settings.SITE_URL}/accounts/password/reset/{uid}/{token}/",
    )


def _validated_password(password: str, *, user: User, field: str) -> str:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc
    return password


@transaction.atomic
def reset_password(*, uidb64: str, token: str, password: str, request=None) -> User:
    """Set a new password from an emailed link; the link then stops working, as do all tokens."""
    user = _user_from_uid(uidb64)
    if user is None or not tokens.password_reset_token.check_token(user, token):
        raise _invalid_token("token", "This reset link is invalid, expired or already used.")
    user.set_password(_validated_password(password, user=user, field="password"))
    if user.email_verified_at is None:  # the link proved they read this mailbox
        user.email_verified_at = timezone.now()
    user.save(update_fields=["password", "email_verified_at"])
    revoke_all_tokens(user=user)
    record_event(kind=Kind.PASSWORD_RESET, user=user, request=request)
    return user


@transaction.atomic
def change_password(*, user: User, current_password: str, new_password: str, request=None) -> None:
    """Change the password; every token issued before stops working (web sessions re-hash)."""
    if not user.check_password(current_password):
        raise ValidationError({"current_password": "The current password is incorrect."})
    user.set_password(_validated_password(new_password, user=user, field="new_password"))
    user.save(update_fields=["password"])
    revoke_all_tokens(user=user)
    record_event(kind=Kind.PASSWORD_CHANGED, user=user, request=request)


@transaction.atomic
def update_profile(*, user: User, display_name: str, request=None) -> User:
    if user.display_name != display_name:
        user.display_name = display_name
        user.save(update_fields=["display_name"])
        record_event(kind=Kind.PROFILE_UPDATED, user=user, request=request)
    return user


# --- API keys -------------------------------------------------------------------------------------


def _api_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_api_key(*, user: User, name: str, request=None) -> tuple[ApiKey, str]:
    """A new key; the full key is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the key a name, e.g. where it is used."})
    if ApiKey.objects.filter(user=user, revoked_at__isnull=True).count() >= settings.API_KEYS_PER_USER:
        raise ValidationError({"name": f"You already have {settings.API_KEYS_PER_USER} active keys; revoke one first."})
    prefix = secrets.token_hex(4)
    key = f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(user=user, name=name[:100], prefix=prefix, key_hash=_api_key_hash(key))
    record_event(kind=Kind.API_KEY_CREATED, user=user, request=request, key_prefix=prefix, name=api_key.name)
    return api_key, key


@transaction.atomic
def revoke_api_key(*, user: User, key_id: int, request=None) -> ApiKey:
    from .selectors import api_key_of

    api_key = api_key_of(user=user, key_id=key_id)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        record_event(kind=Kind.API_KEY_REVOKED, user=user, request=request, key_prefix=api_key.prefix)
    return api_key


def looks_like_api_key(value: str) -> bool:
    return value.startswith(f"{API_KEY_PREFIX}_")


API_KEY_RECORD_SECONDS = 300


def _api_key_record_key(prefix: str) -> str:
    return f"apikey:{prefix}"


def forget_api_keys(*, prefixes) -> None:
    """Drop cached API-key records (a key was revoked, or its user changed): the next request with
    one of them reads the database again."""
    keys = [_api_key_record_key(p) for p in prefixes]
    if keys:
        cache.delete_many(keys)


def api_key_credentials(key: str) -> dict:
    """What django-axes counts an API-key failure under: the presented key's prefix (with the
    client IP, per ``AXES_LOCKOUT_PARAMETERS``), so guessing locks that prefix from that address
    and never every key used from one address (behind a proxy, everyone's)."""
    parts = key.split("_", 2)
    prefix = parts[1] if len(parts) == 3 else ""
    prefix = "".join(c for c in prefix[:16] if c.isalnum()) or "-"
    return {"username": f"{API_KEY_CREDENTIALS['username']}:{prefix}"}


def authenticate_api_key(*, key: str, request) -> tuple[User, ApiKey]:
    """The user of an active key. A wrong key counts as a failure for django-axes under the
    presented prefix and the client IP; once that pair is locked out, keys with that prefix from
    that address are refused until the cool-off ends. Other keys, and the same key from other
    addresses, are unaffected.

    The hot path is one cache round trip: the pair's lockout flag and the key's record (the row with
    its user, cached for ``API_KEY_RECORD_SECONDS`` and dropped when the key or its user changes,
    see ``receivers``) are read together; the database is read only when the record is not cached."""
    credentials = api_key_credentials(key)
    lock_key = f"apikey-lockout:{credentials['username']}:{client_ip(request)}"
    parts = key.split("_", 2)
    record_key = _api_key_record_key(parts[1]) if len(parts) == 3 else None
    found = cache.get_many([lock_key, record_key] if record_key else [lock_key])
    locked_until = found.get(lock_key)
    if locked_until is not None:
        wait = max(1, int(locked_until - timezone.now().timestamp()))
        raise TooManyAttempts(lockout_message(wait), wait=wait, code="locked_out")
    api_key = found.get(record_key) if record_key else None
    if api_key is None and record_key:
        api_key = (
            ApiKey.objects.select_related("user")
            .filter(prefix=parts[1], revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if api_key is not None:
            cache.set(record_key, api_key, timeout=API_KEY_RECORD_SECONDS)
    if api_key is None or not hmac.compare_digest(api_key.key_hash, _api_key_hash(key)):
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False) or _axes_locked(request, credentials):
            error = _locked_out(request, credentials)
            cache.set(lock_key, timezone.now().timestamp() + error.wait, timeout=error.wait)
            raise error
        raise exceptions.AuthenticationFailed("Invalid or revoked API key.", code="invalid_api_key")
    now = timezone.now()
    stale = now - timedelta(seconds=API_KEY_TOUCH_SECONDS)
    if api_key.last_used_at is None or api_key.last_used_at < stale:  # a write at most once per period
        ApiKey.objects.filter(pk=api_key.pk).filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale)).update(
            last_used_at=now
        )
        api_key.last_used_at = now
        cache.set(record_key, api_key, timeout=API_KEY_RECORD_SECONDS)
    return api_key.user, api_key


def _axes_locked(request, credentials: dict) -> bool:
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.is_locked(request, credentials)


# --- two-factor authentication ------------------------------------------------------------------


def _recovery_hash(code: str) -> str:
    return salted_hmac("accounts.recovery-code", mfa.normalise_code(code)).hexdigest()


def _store_recovery_codes(user: User) -> list[str]:
    codes = mfa.new_recovery_codes()
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create([RecoveryCode(user=user, code_hash=_recovery_hash(c)) for c in codes])
    return codes


@transaction.atomic
def start_mfa_enrollment(*, user: User) -> TOTPDevice:
    """A fresh, unconfirmed authenticator secret (replacing an unconfirmed one)."""
    if user.mfa_enabled:
        raise ValidationError({"code": "Two-factor authentication is already on; disable it first."})
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, secret=mfa.new_secret())


def _mfa_failures_key(user: User) -> str:
    return f"mfa-failures:{user.pk}"


def _check_mfa_throttle(user: User) -> None:
    if cache.get(_mfa_failures_key(user), 0) >= MFA_MAX_FAILURES:
        raise TooManyAttempts(
            "Too many wrong codes. Wait 15 minutes before trying again.",
            wait=MFA_FAILURE_WINDOW_SECONDS,
            code="too_many_codes",
        )


def _count_mfa_failure(user: User, request) -> None:
    key = _mfa_failures_key(user)
    cache.add(key, 0, timeout=MFA_FAILURE_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=MFA_FAILURE_WINDOW_SECONDS)
    record_event(kind=Kind.MFA_FAILED, user=user, request=request)


def _accept_totp(device: TOTPDevice, code: str) -> bool:
    """True if ``code`` matches a step later than the last one used (claimed atomically)."""
    step = mfa.matching_step(device.secret, code)
    if step is None:
        return False
    return bool(TOTPDevice.objects.filter(pk=device.pk, last_used_step__lt=step).update(last_used_step=step))


def verify_second_factor(*, user: User, code: str, request=None, allow_recovery: bool = True) -> str:
    """Check a TOTP code (or a recovery code). Returns ``"totp"`` or ``"recovery"``.

    Wrong, expired or reused codes raise ValidationError on ``code``; five wrong codes in 15
    minutes lock the second factor (TooManyAttempts, 429).
    """
    _check_mfa_throttle(user)
    device = TOTPDevice.objects.filter(user=user).first()
    if device is not None and _accept_totp(device, code):
        cache.delete(_mfa_failures_key(user))
        return "totp"
    if allow_recovery and device is not None and device.confirmed_at and mfa.looks_like_recovery_code(code):
        used = RecoveryCode.objects.filter(user=user, code_hash=_recovery_hash(code), used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if used:
            cache.delete(_mfa_failures_key(user))
            remaining = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
            record_event(kind=Kind.RECOVERY_CODE_USED, user=user, request=request, remaining=remaining)
            return "recovery"
    _count_mfa_failure(user, request)
    raise ValidationError({"code": "This code is wrong, expired or already used."})


@transaction.atomic
def confirm_mfa(*, user: User, code: str, request=None) -> list[str]:
    """Turn MFA on with a first valid code; returns the ten recovery codes (shown once)."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=True).first()
    if device is None:
        raise ValidationError({"code": "Start the set-up first: there is no authenticator waiting for confirmation."})
    verify_second_factor(user=user, code=code, request=request, allow_recovery=False)
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed_at=timezone.now())
    codes = _store_recovery_codes(user)
    record_event(kind=Kind.MFA_ENABLED, user=user, request=request)
    return codes


@transaction.atomic
def disable_mfa(*, user: User, code: str, request=None) -> None:
    """Turn MFA off; needs a current code (or a recovery code)."""
    if not user.mfa_enabled:
        raise ValidationError({"code": "Two-factor authentication is not on."})
    verify_second_factor(user=user, code=code, request=request)
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    record_event(kind=Kind.MFA_DISABLED, user=user, request=request)


@transaction.atomic
def regenerate_recovery_codes(*, user: User, code: str, request=None) -> list[str]:
    if not user.mfa_enabled:
        raise ValidationError({"code": "Two-factor authentication is not on."})
    verify_second_factor(user=user, code=code, request=request, allow_recovery=False)
    codes = _store_recovery_codes(user)
    record_event(kind=Kind.RECOVERY_CODES_REGENERATED, user=user, request=request)
    return codes


# --- roles, tiers -------------------------------------------------------------------------------


@transaction.atomic
def change_access(*, user: User, actor: User, role: str | None = None, tier: str | None = None, request=None) -> User:
    """Change a user's role and/or tier (admins only; checked by the caller), audited."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    changes = []
    requested = (
        ("role", role, User.Role.values, Kind.ROLE_CHANGED),
        ("tier", tier, User.Tier.values, Kind.TIER_CHANGED),
    )
    for field, value, allowed, kind in requested:
        old = getattr(locked, field)
        if value is None or value == old:
            continue
        if value not in allowed:
            raise ValidationError({field: f"Must be one of {', '.join(allowed)}."})
        record_event(kind=kind, user=locked, actor=actor, request=request, old=old, new=value)
        setattr(locked, field, value)
        changes.append(field)
    if changes:
        locked.save(update_fields=changes)
    return locked


# --- privacy ------------------------------------------------------------------------------------


@transaction.atomic
def delete_account(*, user: User, password: str, request=None) -> None:
    """Delete the account and its personal data; keep audit records, anonymised.

    Security events stay (detached, IP/user agent/identifiers wiped); other apps anonymise their
    own records on ``account_deleting``; everything else of the user is deleted with the row.
    """
    if not user.check_password(password):
        raise ValidationError({"password": "The password is incorrect."})
    account_deleting.send(sender=User, user=user)
    SecurityEvent.objects.filter(Q(user=user) | Q(actor=user)).update(ip_address=None, user_agent="", metadata={})
    SecurityEvent.objects.create(kind=Kind.ACCOUNT_DELETED, metadata={})
    revoke_all_tokens(user=user)
    core_services.forget_idempotency_keys(scope=f"user:{user.pk}")
    user.delete()
    logger.info("An account was deleted")


def record_export(*, user: User, request=None) -> None:
    record_event(kind=Kind.DATA_EXPORTED, user=user, request=request)


def user_for_bearer_token(*, token: str, request) -> User:
    """The user of an API key or JWT access token (for WebSocket clients that cannot send headers).
    Raises rest_framework's AuthenticationFailed (or TooManyAttempts for a locked-out address)."""
    if looks_like_api_key(token):
        return authenticate_api_key(key=token, request=request)[0]
    from .authentication import PlatformJWTAuthentication

    auth = PlatformJWTAuthentication()
    try:
        return auth.get_user(auth.get_validated_token(token.encode()))
    except exceptions.APIException:
        raise
    except Exception as exc:  # simplejwt's InvalidToken is an APIException; anything else is malformed input
        raise exceptions.AuthenticationFailed("Invalid token.") from exc
