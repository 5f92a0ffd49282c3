"""The account pages as a browser-less client uses them (forms, CSRF, redirects, errors)."""

import re
import time

import pyotp
import pytest
from django.core import mail
from django.test import Client, override_settings

from apps.accounts import mfa
from apps.accounts.models import ApiKey, SecurityEvent, User
from tests.accounts.conftest import link_parts
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def csrf_post(client, url, data, page=None):
    html = client.get(page or url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


def test_signup_page_creates_signs_in_and_sends_the_verification(csrf_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = csrf_post(
            csrf_client,
            "/accounts/signup/",
            {
                "email": "web@example.com",
                "display_name": "Web",
                "new_password1": "a-long-pass-phrase",
                "new_password2": "a-long-pass-phrase",
            },
        )
    assert response.status_code == 302 and response["Location"] == "/"
    assert csrf_client.get("/").status_code == 200
    uid, token = link_parts(mail.outbox[0])
    verified = csrf_client.get(f"/accounts/verify-email/{uid}/{token}/", follow=True)
    assert "Your email address is confirmed." in verified.content.decode()
    assert User.objects.get(email="web@example.com").email_verified


def test_signup_errors_are_form_errors(client, user):
    response = client.post(
        "/accounts/signup/", {"email": user.email, "new_password1": "short", "new_password2": "other"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "An account with this email already exists." in html or "The two passwords differ." in html
    mismatch = client.post(
        "/accounts/signup/",
        {"email": "n@example.com", "new_password1": "a-long-pass-phrase", "new_password2": "another-phrase"},
    )
    assert "The two passwords differ." in mismatch.content.decode()
    weak = client.post(
        "/accounts/signup/", {"email": "n@example.com", "new_password1": "password", "new_password2": "password"}
    )
    assert "too common" in weak.content.decode()
    assert User.objects.count() == 1


def test_forms_refuse_posts_without_csrf(csrf_client, user):
    response = csrf_client.post("/accounts/login/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 403


def test_login_with_the_mfa_step(client, mfa_user):
    user, totp, _ = mfa_user
    step1 = client.post("/accounts/login/?next=/jobs/", {"email": user.email, "password": PASSWORD})
    assert step1.status_code == 302 and step1["Location"].startswith("/accounts/login/mfa/")
    assert client.get("/").status_code == 302  # not signed in yet
    wrong = client.post(step1["Location"], {"code": "000000"})
    assert wrong.status_code == 400
    assert "wrong, expired or already used" in wrong.content.decode()
    done = client.post(step1["Location"], {"code": totp.at(time.time() + mfa.STEP_SECONDS), "next": "/jobs/"})
    assert done.status_code == 302 and done["Location"] == "/jobs/"
    assert client.get("/").status_code == 200


def test_open_redirects_are_ignored(client, user):
    response = client.post(
        "/accounts/login/", {"email": user.email, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


@override_settings(AXES_FAILURE_LIMIT=2)
def test_web_lockout_page_says_how_long_to_wait(client, user):
    client.post("/accounts/login/", {"email": user.email, "password": "wrong-password"})
    locked = client.post("/accounts/login/", {"email": user.email, "password": "wrong-password"})
    assert locked.status_code == 429
    assert "Try again in 15 minutes." in locked.content.decode()
    assert int(locked["Retry-After"]) > 0


def test_forgot_and_reset_pages(client, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/accounts/password/forgot/", {"email": user.email}, follow=True)
    assert "a reset link has been sent" in sent.content.decode()
    uid, token = link_parts(mail.outbox[0])
    url = f"/accounts/password/reset/{uid}/{token}/"
    assert client.get(url).status_code == 200
    done = client.post(url, {"new_password1": "fresh-long-secret", "new_password2": "fresh-long-secret"})
    assert done.status_code == 302
    again = client.post(url, {"new_password1": "other-long-secret", "new_password2": "other-long-secret"})
    assert again.status_code == 400
    assert "invalid, expired or already used" in again.content.decode()


def test_account_page_actions(client, user):
    client.force_login(user)
    page = client.get("/accounts/")
    assert page.status_code == 200
    for heading in ["Profile", "Password", "Two-factor authentication", "API keys", "Security log", "Your data"]:
        assert heading in page.content.decode()

    client.post("/accounts/", {"action": "profile", "profile-display_name": "Ada L."})
    user.refresh_from_db()
    assert user.display_name == "Ada L."

    created = client.post("/accounts/", {"action": "api_key", "api_key-name": "laptop"}, follow=True)
    key = ApiKey.objects.get(user=user)
    assert re.search(rf"aip_{key.prefix}_[\w-]{{20,}}", created.content.decode())
    assert not re.search(r"aip_\w+_[\w-]{20,}", client.get("/accounts/").content.decode())  # shown once
    client.post(f"/accounts/api-keys/{key.pk}/revoke/")
    key.refresh_from_db()
    assert key.revoked_at is not None

    bad_password = client.post(
        "/accounts/",
        {
            "action": "password",
            "password-current_password": "nope",
            "password-new_password1": "a-long-pass-phrase",
            "password-new_password2": "a-long-pass-phrase",
        },
    )
    assert bad_password.status_code == 400
    assert "The current password is incorrect." in bad_password.content.decode()
    changed = client.post(
        "/accounts/",
        {
            "action": "password",
            "password-current_password": PASSWORD,
            "password-new_password1": "a-long-pass-phrase",
            "password-new_password2": "a-long-pass-phrase",
        },
    )
    assert changed.status_code == 302
    assert client.get("/accounts/").status_code == 200  # this session survives the change


def test_mfa_setup_on_the_account_page(client, user):
    client.force_login(user)
    client.post("/accounts/", {"action": "mfa_enroll"})
    page = client.get("/accounts/").content.decode()
    assert 'src="data:image/svg+xml' in page
    secret = re.search(r'data-testid="mfa-secret">([A-Z2-7]+)<', page).group(1)
    wrong = client.post("/accounts/", {"action": "mfa_confirm", "mfa_confirm-code": "123456"})
    assert wrong.status_code == 400
    confirmed = client.post(
        "/accounts/", {"action": "mfa_confirm", "mfa_confirm-code": pyotp.TOTP(secret).now()}, follow=True
    )
    html = confirmed.content.decode()
    assert "Two-factor authentication is on." in html
    assert len(re.findall(r'<li class="col">[a-z2-9]{5}-[a-z2-9]{5}</li>', html)) == 10


def test_resend_the_verification_link(client, user, django_capture_on_commit_callbacks):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/", {"action": "verify_resend"}, follow=True)
    assert "A new confirmation link is on its way" in response.content.decode()
    assert len(mail.outbox) == 1 and "/accounts/verify-email/" in mail.outbox[0].body


def test_export_and_delete_from_the_page(client, user):
    client.force_login(user)
    export = client.get("/accounts/export/")
    assert export.json()["profile"]["email"] == user.email
    refused = client.post("/accounts/delete/", {"delete-password": PASSWORD})
    assert refused.status_code == 400  # the confirmation box is required
    deleted = client.post("/accounts/delete/", {"delete-password": PASSWORD, "delete-confirm": "on"})
    assert deleted.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert SecurityEvent.objects.filter(kind="account_deleted").exists()
