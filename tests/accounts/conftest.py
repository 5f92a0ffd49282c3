import re

import pyotp
import pytest
from rest_framework.test import APIClient

from apps.accounts import services
from tests.factories import PASSWORD


@pytest.fixture
def register(django_capture_on_commit_callbacks):
    """POST /register/ and run its after-commit work (the email)."""

    def do(client, **body):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/api/v1/auth/register/", body, format="json")

    return do


def link_parts(mail) -> tuple[str, str]:
    """(uid, token) of the one link in an email."""
    match = re.search(r"/(?:verify-email|password/reset)/([^/\s]+)/([^/\s]+)/", mail.body)
    assert match, mail.body
    return match.group(1), match.group(2)


def login(client, email, password=PASSWORD):
    return client.post("/api/v1/auth/login/", {"email": email, "password": password}, format="json")


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def mfa_user(user):
    """A user with TOTP confirmed; returns (user, pyotp.TOTP, recovery codes)."""
    device = services.start_mfa_enrollment(user=user)
    totp = pyotp.TOTP(device.secret)
    codes = services.confirm_mfa(user=user, code=totp.now())
    user.refresh_from_db()
    return user, totp, codes
