"""Login, JWT rotation and blacklist, logout, tampering, lockout."""

from datetime import timedelta

import pytest
from django.test import override_settings

from apps.accounts.models import SecurityEvent
from tests.accounts.conftest import bearer, login
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_login_returns_a_token_pair_that_authenticates(api_client, user):
    response = login(api_client, user.email.upper())
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == {"access", "refresh", "user"}
    assert body["user"]["email"] == user.email
    me = bearer(body["access"]).get("/api/v1/auth/me/")
    assert me.status_code == 200
    assert me.json()["email"] == user.email
    assert SecurityEvent.objects.filter(user=user, kind="login_succeeded").count() == 1
    user.refresh_from_db()
    assert user.last_login is not None


def test_token_lifetimes(api_client, user):
    from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

    body = login(api_client, user.email).json()
    access, refresh = AccessToken(body["access"]), RefreshToken(body["refresh"])
    assert access["exp"] - access["iat"] == 15 * 60
    assert refresh["exp"] - refresh["iat"] == 30 * 24 * 3600


def test_unknown_email_and_wrong_password_get_the_same_answer(api_client, user):
    wrong_password = login(api_client, user.email, "not-the-password")
    unknown_email = login(api_client, "nobody@example.com", "not-the-password")
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json() == unknown_email.json()
    assert wrong_password.json()["error"]["code"] == "invalid_credentials"
    assert SecurityEvent.objects.filter(user=user, kind="login_failed").count() == 1
    assert SecurityEvent.objects.filter(user=None, kind="login_failed").count() == 1


def test_inactive_users_cannot_log_in(api_client):
    inactive = UserFactory(is_active=False)
    assert login(api_client, inactive.email).status_code == 401


def test_missing_fields_name_them(api_client):
    response = api_client.post("/api/v1/auth/login/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"email", "password"}


def test_refresh_rotates_and_the_old_refresh_token_is_dead(api_client, user):
    first = login(api_client, user.email).json()
    rotated = api_client.post("/api/v1/auth/refresh/", {"refresh": first["refresh"]}, format="json")
    assert rotated.status_code == 200
    assert set(rotated.json()) == {"access", "refresh"}
    assert rotated.json()["refresh"] != first["refresh"]
    replay = api_client.post("/api/v1/auth/refresh/", {"refresh": first["refresh"]}, format="json")
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "token_not_valid"
    assert "blacklisted" in replay.json()["error"]["message"]
    again = api_client.post("/api/v1/auth/refresh/", {"refresh": rotated.json()["refresh"]}, format="json")
    assert again.status_code == 200


def test_logout_blacklists_the_refresh_token_and_revokes_the_access_token(api_client, user):
    tokens = login(api_client, user.email).json()
    client = bearer(tokens["access"])
    assert client.post("/api/v1/auth/logout/", {"refresh": tokens["refresh"]}, format="json").status_code == 204
    assert client.get("/api/v1/auth/me/").status_code == 401
    refresh = api_client.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert refresh.status_code == 401
    assert SecurityEvent.objects.filter(user=user, kind="logged_out").exists()


def test_logout_with_someone_elses_refresh_token_is_refused(api_client, user, other_user):
    mine = login(api_client, user.email).json()
    theirs = login(api_client, other_user.email).json()
    response = bearer(mine["access"]).post("/api/v1/auth/logout/", {"refresh": theirs["refresh"]}, format="json")
    assert response.status_code == 400
    assert "refresh" in response.json()["error"]["fields"]
    assert api_client.post("/api/v1/auth/refresh/", {"refresh": theirs["refresh"]}, format="json").status_code == 200


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-3] + "abc", lambda t: t.split(".")[0] + ".e30." + t.split(".")[2], lambda t: "x.y.z"]
)
def test_tampered_access_tokens_are_401(api_client, user, mangle):
    access = login(api_client, user.email).json()["access"]
    response = bearer(mangle(access)).get("/api/v1/auth/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] in {"token_not_valid", "authentication_failed"}


def test_a_tampered_refresh_token_is_401(api_client, user):
    refresh = login(api_client, user.email).json()["refresh"]
    response = api_client.post("/api/v1/auth/refresh/", {"refresh": refresh[:-2] + "xx"}, format="json")
    assert response.status_code == 401


def test_change_password_voids_earlier_tokens(api_client, user):
    import time

    old = login(api_client, user.email).json()
    time.sleep(1.1)  # JWT iat has one-second resolution
    client = bearer(old["access"])
    response = client.post(
        "/api/v1/auth/change-password/",
        {"current_password": PASSWORD, "new_password": "another-long-secret"},
        format="json",
    )
    assert response.status_code == 200
    fresh = response.json()
    assert client.get("/api/v1/auth/me/").status_code == 401
    assert api_client.post("/api/v1/auth/refresh/", {"refresh": old["refresh"]}, format="json").status_code == 401
    assert bearer(fresh["access"]).get("/api/v1/auth/me/").status_code == 200
    assert login(api_client, user.email, "another-long-secret").status_code == 200
    assert SecurityEvent.objects.filter(user=user, kind="password_changed").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"current_password": "wrong-one-entirely", "new_password": "another-long-secret"}, "current_password"),
        ({"current_password": PASSWORD, "new_password": "short"}, "new_password"),
    ],
)
def test_change_password_errors(auth_client, user, body, field):
    response = auth_client.post("/api/v1/auth/change-password/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_email_out_then_the_lock_expires(api_client, user, settings):
    from axes.models import AccessAttempt
    from django.utils import timezone

    for _ in range(2):
        assert login(api_client, user.email, "wrong-password").status_code == 401
    locked = login(api_client, user.email, "wrong-password")
    assert locked.status_code == 429
    error = locked.json()["error"]
    assert error["code"] == "locked_out"
    assert "Try again in 15 minutes" in error["message"]
    assert 800 < error["retry_after"] <= 900
    assert int(locked["Retry-After"]) > 800
    # Even the right password is refused while locked.
    assert login(api_client, user.email).status_code == 429
    # Another account from the same address is not locked.
    other = UserFactory()
    assert login(api_client, other.email).status_code == 200
    # After the cool-off the right password works again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert login(api_client, user.email).status_code == 200
    assert SecurityEvent.objects.filter(user=user, kind="locked_out").exists()
