from datetime import datetime, timedelta

import pytest
from django.core import mail

from apps.accounts.models import SecurityEvent, User
from tests.accounts.conftest import link_parts

pytestmark = pytest.mark.django_db


def test_register_creates_the_account_and_emails_a_verification_link(api_client, register):
    response = register(api_client, email="New.Person@Example.com", password="a-long-pass-phrase", display_name="New")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["email"] == "new.person@example.com"
    assert body["email_verified"] is False
    assert "password" not in body
    user = User.objects.get(email="new.person@example.com")
    assert user.check_password("a-long-pass-phrase")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@example.com"]
    assert "/accounts/verify-email/" in mail.outbox[0].body
    assert SecurityEvent.objects.filter(user=user, kind="signed_up").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": "a-long-pass-phrase"}, "email"),
        ({"email": "a@example.com", "password": "short"}, "password"),
        ({"email": "a@example.com", "password": "password123"}, "password"),
        ({"email": "a@example.com", "password": "1234567890123"}, "password"),
        ({"email": "a@example.com"}, "password"),
        ({"password": "a-long-pass-phrase"}, "email"),
    ],
)
def test_bad_registrations_name_the_field_and_create_nothing(api_client, register, body, field):
    response = register(api_client, **body)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not User.objects.exists()
    assert not mail.outbox


def test_duplicate_email_in_any_case_is_refused(api_client, register, user):
    response = register(api_client, email=user.email.upper(), password="a-long-pass-phrase")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["email"] == ["An account with this email already exists."]
    assert User.objects.count() == 1


def test_email_verification_once(api_client, register):
    register(api_client, email="v@example.com", password="a-long-pass-phrase")
    uid, token = link_parts(mail.outbox[0])
    ok = api_client.post("/api/v1/auth/verify-email/", {"uid": uid, "token": token}, format="json")
    assert ok.status_code == 200
    assert ok.json()["email_verified"] is True
    again = api_client.post("/api/v1/auth/verify-email/", {"uid": uid, "token": token}, format="json")
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "invalid"
    assert "token" in again.json()["error"]["fields"]


@pytest.mark.parametrize(("uid", "token"), [("MQ", "bad-token"), ("!!!", "x"), ("OTk5OTk", "abc-def")])
def test_forged_verification_links_are_refused(api_client, user, uid, token):
    response = api_client.post("/api/v1/auth/verify-email/", {"uid": uid, "token": token}, format="json")
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_expired_verification_link(api_client, register, settings, monkeypatch):
    register(api_client, email="late@example.com", password="a-long-pass-phrase")
    uid, token = link_parts(mail.outbox[0])
    from apps.accounts.tokens import email_verification_token

    later = datetime.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 5)
    monkeypatch.setattr(email_verification_token, "_now", lambda: later)
    response = api_client.post("/api/v1/auth/verify-email/", {"uid": uid, "token": token}, format="json")
    assert response.status_code == 400


def test_resend_verification(auth_client, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post("/api/v1/auth/verify-email/resend/")
    assert response.status_code == 202
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
