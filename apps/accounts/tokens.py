"""One-time tokens sent by email, and the short-lived MFA challenge of a password login."""

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

MFA_CHALLENGE_SALT = "accounts.mfa-challenge"
MFA_CHALLENGE_SECONDS = 300


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """Like the reset token, but spent once the email is verified (its hash covers that state)."""

    key_salt = "apps.accounts.tokens.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.email}{user.email_verified_at}{timestamp}"


email_verification_token = EmailVerificationTokenGenerator()
# Django's generator: the token dies when the password (hash) or last login changes.
password_reset_token = PasswordResetTokenGenerator()


def encode_uid(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def decode_uid(uidb64: str) -> str | None:
    try:
        return force_str(urlsafe_base64_decode(uidb64))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None


def make_mfa_challenge(user) -> str:
    return signing.dumps({"uid": user.pk}, salt=MFA_CHALLENGE_SALT, compress=True)


def read_mfa_challenge(token: str) -> int | None:
    """The user id of a valid, unexpired challenge; None otherwise."""
    try:
        return signing.loads(token, salt=MFA_CHALLENGE_SALT, max_age=MFA_CHALLENGE_SECONDS)["uid"]
    except (signing.BadSignature, KeyError, TypeError):
        return None
