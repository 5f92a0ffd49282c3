"""Sign up, turn on two-factor with a code computed from the shown secret, sign out and back in."""

import time

import pyotp
import pytest
from playwright.sync_api import expect

from apps.accounts import mfa
from apps.accounts.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_sign_up_enable_mfa_sign_out_and_back_in(page, live_server):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Email").fill("e2e@example.com")
    page.get_by_label("Name (optional)").fill("Eve")
    page.get_by_label("New password", exact=True).fill("a-long-pass-phrase")
    page.get_by_label("Repeat the new password").fill("a-long-pass-phrase")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Welcome, Eve")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("We sent a link to e2e@example.com")

    page.get_by_role("button", name="Eve").click()
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_test_id("mfa-status")).to_have_text("Off")
    page.get_by_role("button", name="Set up two-factor").click()
    qr = page.get_by_test_id("mfa-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0  # the QR code image really rendered
    secret = page.get_by_test_id("mfa-secret").inner_text()
    totp = pyotp.TOTP(secret)
    page.locator("#security").get_by_label("Code").fill(totp.now())
    page.get_by_role("button", name="Confirm and turn on").click()
    expect(page.get_by_test_id("mfa-status")).to_have_text("On")
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    expect(page.get_by_test_id("security-log")).to_contain_text("Two-factor enabled")

    page.get_by_role("button", name="Eve").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    page.get_by_label("Email").fill("e2e@example.com")
    page.get_by_label("Password").fill("a-long-pass-phrase")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Two-factor code")).to_be_visible()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("wrong, expired or already used")
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    page.console_errors.clear()
    # The code of the next step: the one used to turn MFA on cannot be used again.
    page.get_by_label("Code").fill(totp.at(time.time() + mfa.STEP_SECONDS))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Welcome, Eve")).to_be_visible()
    assert User.objects.get(email="e2e@example.com").mfa_enabled
    assert page.console_errors == []
