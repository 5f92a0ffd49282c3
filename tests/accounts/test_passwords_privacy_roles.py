import pytest
from django.core import mail
from rest_framework.test import APIClient

from apps.accounts.models import ApiKey, SecurityEvent, User
from apps.core.models import Job
from tests.accounts.conftest import bearer, link_parts, login
from tests.factories import PASSWORD, JobFactory, UserFactory

pytestmark = pytest.mark.django_db


def forgot(client, email, capture):
    with capture(execute=True):
        return client.post("/api/v1/auth/forgot-password/", {"email": email}, format="json")


def test_forgot_password_answers_the_same_for_unknown_emails(api_client, user, django_capture_on_commit_callbacks):
    known = forgot(api_client, user.email, django_capture_on_commit_callbacks)
    unknown = forgot(api_client, "nobody@example.com", django_capture_on_commit_callbacks)
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]


def test_reset_password_once_then_the_link_is_dead(api_client, user, django_capture_on_commit_callbacks):
    old_tokens = login(api_client, user.email).json()
    forgot(api_client, user.email, django_capture_on_commit_callbacks)
    uid, token = link_parts(mail.outbox[0])
    weak = api_client.post(
        "/api/v1/auth/reset-password/", {"uid": uid, "token": token, "password": "123"}, format="json"
    )
    assert weak.status_code == 400 and "password" in weak.json()["error"]["fields"]
    done = api_client.post(
        "/api/v1/auth/reset-password/", {"uid": uid, "token": token, "password": "brand-new-secret-1"}, format="json"
    )
    assert done.status_code == 200
    reused = api_client.post(
        "/api/v1/auth/reset-password/", {"uid": uid, "token": token, "password": "another-secret-22"}, format="json"
    )
    assert reused.status_code == 400
    assert "token" in reused.json()["error"]["fields"]
    assert login(api_client, user.email, "brand-new-secret-1").status_code == 200
    assert login(api_client, user.email, PASSWORD).status_code == 401
    assert (
        api_client.post("/api/v1/auth/refresh/", {"refresh": old_tokens["refresh"]}, format="json").status_code == 401
    )
    assert SecurityEvent.objects.filter(user=user, kind="password_reset").exists()


def test_profile_read_and_update(auth_client, user):
    response = auth_client.patch("/api/v1/auth/me/", {"display_name": "Grace"}, format="json")
    assert response.status_code == 200
    assert response.json()["display_name"] == "Grace"
    too_long = auth_client.patch("/api/v1/auth/me/", {"display_name": "x" * 200}, format="json")
    assert too_long.status_code == 400 and "display_name" in too_long.json()["error"]["fields"]


def test_export_holds_all_of_the_users_data_and_nobody_elses(auth_client, user, other_user):
    auth_client.post("/api/v1/auth/api-keys/", {"name": "bot"}, format="json")
    JobFactory(owner=user, params={"q": 1})
    JobFactory(owner=other_user)
    response = auth_client.get("/api/v1/auth/me/export")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    data = response.json()
    assert data["profile"]["email"] == user.email
    assert [k["name"] for k in data["api_keys"]] == ["bot"]
    assert [j["params"] for j in data["jobs"]] == [{"q": 1}]
    assert {e["kind"] for e in data["security_events"]} >= {"api_key_created"}
    assert other_user.email not in response.content.decode()


def test_delete_account_removes_personal_data_and_keeps_anonymised_audit(api_client, user):
    tokens = login(api_client, user.email).json()
    client = bearer(tokens["access"])
    client.post("/api/v1/auth/api-keys/", {"name": "bot"}, format="json")
    JobFactory(owner=user)
    events_before = SecurityEvent.objects.filter(user=user).count()

    wrong = client.delete("/api/v1/auth/me/", {"password": "not-it"}, format="json")
    assert wrong.status_code == 400 and "password" in wrong.json()["error"]["fields"]
    assert User.objects.filter(pk=user.pk).exists()

    assert client.delete("/api/v1/auth/me/", {"password": PASSWORD}, format="json").status_code == 204
    assert not User.objects.filter(pk=user.pk).exists()
    assert not ApiKey.objects.exists() and not Job.objects.exists()
    kept = SecurityEvent.objects.filter(user__isnull=True).exclude(kind="account_deleted")
    assert kept.count() == events_before
    assert not kept.exclude(ip_address=None).exists()
    assert not kept.exclude(user_agent="").exists()
    assert SecurityEvent.objects.filter(kind="account_deleted").count() == 1
    assert login(api_client, user.email).status_code == 401
    assert api_client.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]}, format="json").status_code == 401


def test_only_admins_change_roles_and_tiers_and_it_is_audited(user):
    admin = UserFactory(role=User.Role.ADMIN)
    reviewer = UserFactory(role=User.Role.REVIEWER)
    for actor, expected in ((user, 403), (reviewer, 403)):
        client = APIClient()
        client.force_authenticate(actor)
        assert client.patch(f"/api/v1/auth/users/{user.pk}/", {"role": "admin"}, format="json").status_code == expected
    client = APIClient()
    client.force_authenticate(admin)
    bad = client.patch(f"/api/v1/auth/users/{user.pk}/", {"role": "emperor"}, format="json")
    assert bad.status_code == 400 and "role" in bad.json()["error"]["fields"]
    ok = client.patch(f"/api/v1/auth/users/{user.pk}/", {"role": "reviewer", "tier": "premium"}, format="json")
    assert ok.status_code == 200
    assert (ok.json()["role"], ok.json()["tier"]) == ("reviewer", "premium")
    role_event = SecurityEvent.objects.get(user=user, kind="role_changed")
    assert role_event.actor == admin and role_event.metadata == {"old": "user", "new": "reviewer"}
    assert SecurityEvent.objects.filter(user=user, kind="tier_changed").exists()
    assert client.patch("/api/v1/auth/users/999999/", {"tier": "free"}, format="json").status_code == 404


def test_reviewer_permission():
    from apps.accounts.permissions import IsReviewer

    class Request:
        def __init__(self, user):
            self.user = user

    assert IsReviewer().has_permission(Request(UserFactory(role="reviewer")), None)
    assert IsReviewer().has_permission(Request(UserFactory(role="admin")), None)
    assert not IsReviewer().has_permission(Request(UserFactory(role="user")), None)


def test_own_security_log_only(auth_client, user, other_user):
    SecurityEvent.objects.create(user=other_user, kind="login_failed")
    SecurityEvent.objects.create(user=user, kind="login_succeeded", ip_address="10.0.0.1")
    body = auth_client.get("/api/v1/auth/security-events/").json()
    assert [e["kind"] for e in body["results"]] == ["login_succeeded"]
    assert body["results"][0]["ip_address"] == "10.0.0.1"


def test_admin_role_change_in_the_admin_is_audited(admin_client, user):
    admin_client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "email": user.email,
            "display_name": "",
            "role": "reviewer",
            "tier": "free",
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    user.refresh_from_db()
    assert user.role == "reviewer"
    assert SecurityEvent.objects.filter(user=user, kind="role_changed").exists()
    assert admin_client.get("/admin/accounts/securityevent/").status_code == 200
    assert admin_client.get("/admin/accounts/securityevent/add/").status_code == 403
