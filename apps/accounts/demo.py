"""Demo data: the demo user whose login ``make run`` prints (a reviewer, so the proposals review
page can be tried)."""

import os

from django.utils import timezone

from . import services
from .models import User

DEMO_EMAIL = "demo@example.com"


def seed(context: dict) -> dict:
    password = os.environ.get("DEMO_PASSWORD", "demo-password-2026")
    user, created = services.ensure_user(
        email=DEMO_EMAIL,
        password=password,
        display_name="Demo investor",
        email_verified_at=timezone.now(),
        role=User.Role.REVIEWER,
    )
    if not created and not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    return {"user": user, "login": {"email": DEMO_EMAIL, "password": password}}
