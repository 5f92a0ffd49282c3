import pytest
from django.core.management import call_command

from apps.accounts.models import User

pytestmark = pytest.mark.django_db


def test_users_are_keyed_by_email_case_insensitively():
    user = User.objects.create_user(email="Ada@Example.COM", password="x" * 12)
    assert user.email == "ada@example.com"
    assert User.objects.get_by_natural_key("ADA@example.com") == user
    assert user.role == "user" and user.tier == "free"


def test_createsuperuser_noinput_with_email(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-password")
    call_command("createsuperuser", "--noinput", "--email", "root@example.com")
    admin = User.objects.get(email="root@example.com")
    assert admin.is_superuser and admin.is_staff and admin.role == "admin"
    assert admin.check_password("a-long-admin-password")


def test_me_returns_the_profile(auth_client, user):
    body = auth_client.get("/api/v1/auth/me/").json()
    assert body["email"] == user.email
    assert body["role"] == "user"
