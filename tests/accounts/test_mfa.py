import time

import pyotp
import pytest

from apps.accounts import mfa
from apps.accounts.models import SecurityEvent
from tests.accounts.conftest import login

pytestmark = pytest.mark.django_db


def next_step_code(totp: pyotp.TOTP) -> str:
    """The code of the next 30-second step (accepted: the window allows one step of drift)."""
    return totp.at(time.time() + mfa.STEP_SECONDS)


def test_enroll_confirm_and_sign_in_with_a_code(auth_client, user, api_client):
    enrolled = auth_client.post("/api/v1/auth/mfa/enroll/").json()
    assert enrolled["otpauth_url"].startswith("otpauth://totp/AI%20Platform:")
    assert enrolled["qr_code"].startswith("data:image/svg+xml")
    assert auth_client.get("/api/v1/auth/mfa/").json() == {
        "enabled": False,
        "pending": True,
        "recovery_codes_remaining": 0,
    }
    totp = pyotp.TOTP(enrolled["secret"])

    confirmed = auth_client.post("/api/v1/auth/mfa/confirm/", {"code": totp.now()}, format="json")
    assert confirmed.status_code == 200
    codes = confirmed.json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    user.refresh_from_db()  # force_authenticate reuses this object; a real request loads it afresh
    assert auth_client.get("/api/v1/auth/mfa/").json()["enabled"] is True

    challenge = login(api_client, user.email)
    assert challenge.status_code == 200
    assert set(challenge.json()) == {"mfa_required", "mfa_token", "expires_in"}
    tokens = api_client.post(
        "/api/v1/auth/login/mfa/",
        {"mfa_token": challenge.json()["mfa_token"], "code": next_step_code(totp)},
        format="json",
    )
    assert tokens.status_code == 200, tokens.json()
    assert {"access", "refresh"} <= set(tokens.json())
    kinds = set(SecurityEvent.objects.filter(user=user).values_list("kind", flat=True))
    assert {"mfa_enabled", "login_succeeded"} <= kinds


def test_a_code_cannot_be_used_twice(mfa_user, api_client):
    user, totp, _ = mfa_user
    challenge = login(api_client, user.email).json()["mfa_token"]
    code = next_step_code(totp)
    first = api_client.post("/api/v1/auth/login/mfa/", {"mfa_token": challenge, "code": code}, format="json")
    assert first.status_code == 200
    replay = api_client.post("/api/v1/auth/login/mfa/", {"mfa_token": challenge, "code": code}, format="json")
    assert replay.status_code == 400
    assert replay.json()["error"]["fields"]["code"] == ["This code is wrong, expired or already used."]


def test_wrong_and_expired_codes(mfa_user, api_client):
    user, totp, _ = mfa_user
    challenge = login(api_client, user.email).json()["mfa_token"]
    for code in ["000000", totp.at(time.time() - 5 * mfa.STEP_SECONDS), "abc", ""]:
        response = api_client.post("/api/v1/auth/login/mfa/", {"mfa_token": challenge, "code": code}, format="json")
        assert response.status_code == 400
        assert "code" in response.json()["error"]["fields"]


def test_guesses_are_throttled(mfa_user, api_client):
    user, totp, _ = mfa_user
    challenge = login(api_client, user.email).json()["mfa_token"]
    for _ in range(5):
        assert (
            api_client.post(
                "/api/v1/auth/login/mfa/", {"mfa_token": challenge, "code": "111111"}, format="json"
            ).status_code
            == 400
        )
    blocked = api_client.post(
        "/api/v1/auth/login/mfa/", {"mfa_token": challenge, "code": next_step_code(totp)}, format="json"
    )
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "too_many_codes"
    assert blocked.json()["error"]["retry_after"] == 900


def test_a_tampered_or_expired_challenge_is_refused(mfa_user, api_client, monkeypatch):
    user, totp, _ = mfa_user
    challenge = login(api_client, user.email).json()["mfa_token"]
    forged = api_client.post(
        "/api/v1/auth/login/mfa/", {"mfa_token": challenge + "x", "code": totp.now()}, format="json"
    )
    assert forged.status_code == 400
    assert "mfa_token" in forged.json()["error"]["fields"]
    from apps.accounts import tokens

    monkeypatch.setattr(tokens, "MFA_CHALLENGE_SECONDS", -1)
    expired = api_client.post("/api/v1/auth/login/mfa/", {"mfa_token": challenge, "code": totp.now()}, format="json")
    assert expired.status_code == 400


def test_recovery_codes_work_once(mfa_user, api_client):
    user, _, codes = mfa_user
    challenge = login(api_client, user.email).json()["mfa_token"]
    used = api_client.post("/api/v1/auth/login/mfa/", {"mfa_token": challenge, "code": codes[0].upper()}, format="json")
    assert used.status_code == 200
    again = api_client.post("/api/v1/auth/login/mfa/", {"mfa_token": challenge, "code": codes[0]}, format="json")
    assert again.status_code == 400
    assert SecurityEvent.objects.get(user=user, kind="recovery_code_used").metadata == {"remaining": 9}


def test_disable_needs_a_current_code(mfa_user):
    from rest_framework.test import APIClient

    user, totp, _ = mfa_user
    client = APIClient()
    client.force_authenticate(user)
    refused = client.post("/api/v1/auth/mfa/disable/", {"code": "123456"}, format="json")
    assert refused.status_code == 400
    assert client.post("/api/v1/auth/mfa/disable/", {"code": next_step_code(totp)}, format="json").status_code == 204
    user.refresh_from_db()
    assert not user.mfa_enabled
    assert not user.recovery_codes.exists()
    assert SecurityEvent.objects.filter(user=user, kind="mfa_disabled").exists()


def test_regenerating_recovery_codes_voids_the_old_ones(mfa_user, api_client):
    from rest_framework.test import APIClient

    user, totp, old_codes = mfa_user
    client = APIClient()
    client.force_authenticate(user)
    new_codes = client.post("/api/v1/auth/mfa/recovery-codes/", {"code": next_step_code(totp)}, format="json").json()[
        "recovery_codes"
    ]
    assert not set(new_codes) & set(old_codes)
    challenge = login(api_client, user.email).json()["mfa_token"]
    assert (
        api_client.post(
            "/api/v1/auth/login/mfa/", {"mfa_token": challenge, "code": old_codes[1]}, format="json"
        ).status_code
        == 400
    )


def test_confirm_without_enrollment_and_double_enrollment(auth_client, mfa_user):
    assert auth_client.post("/api/v1/auth/mfa/confirm/", {"code": "123456"}, format="json").status_code == 400


def test_enrolling_twice_when_on_is_refused(mfa_user):
    from rest_framework.test import APIClient

    user, _, _ = mfa_user
    client = APIClient()
    client.force_authenticate(user)
    response = client.post("/api/v1/auth/mfa/enroll/")
    assert response.status_code == 400
    assert "already on" in response.json()["error"]["message"]
