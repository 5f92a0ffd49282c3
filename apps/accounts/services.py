"""Writes of the accounts app."""

from django.db import transaction

from .models import User


@transaction.atomic
def ensure_user(*, email: str, password: str, **fields) -> tuple[User, bool]:
    """Get or create the user with ``email``; a new user gets ``password`` and ``fields``.

    An existing user keeps their password and profile. Returns ``(user, created)``.
    """
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user, False
    return User.objects.create_user(email=email, password=password, **fields), True
