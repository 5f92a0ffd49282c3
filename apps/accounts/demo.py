"""Demo data: the demo user whose login ``make run`` prints."""

import os

from django.utils import timezone

from . import services

DEMO_EMAIL = "demo@example.com"


def seed(context: dict) -> dict:
    password = os.environ.get("DEMO_PASSWORD", "demo-password-2026")
    user, created = services.ensure_user(
        email=DEMO_EMAIL, password=password, display_name="Demo investor", email_verified_at=timezone.now()
    )
    if not created and not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    return {"user": user, "login": {"email": DEMO_EMAIL, "password": password}}
