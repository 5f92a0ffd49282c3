"""The UI shell in a real browser: sign-in, dashboard, navigation, live job status, API docs."""

import re

import pytest
from playwright.sync_api import expect

from apps.core import services
from apps.core.models import Job
from tests.factories import JobFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_sign_in_lands_on_the_dashboard(page, live_server, sign_in):
    user = UserFactory(display_name="Ada")
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    sign_in(user)
    expect(page.get_by_role("heading", name="Welcome, Ada")).to_be_visible()
    expect(page.get_by_test_id("system-status")).to_have_text(re.compile("All systems ready"))
    # Bootstrap's CSS and icons are served locally: the navbar is styled, icons have their font.
    navbar_bg = page.locator("nav.navbar").evaluate("el => getComputedStyle(el).backgroundColor")
    assert navbar_bg != "rgba(0, 0, 0, 0)"
    assert page.evaluate("document.fonts.check('16px bootstrap-icons')")
    assert page.console_errors == []


def test_wrong_password_shows_a_form_error(page, live_server):
    user = UserFactory()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Email or password is incorrect.")


def test_navigation_reaches_every_domain(page, live_server, sign_in):
    sign_in(UserFactory())
    for title in ["Market", "Portfolio", "Text analysis", "Images", "Code generation", "Proposals"]:
        page.get_by_role("navigation").get_by_role("link", name=title, exact=True).click()
        expect(page.get_by_role("heading", name=title)).to_be_visible()
    assert page.console_errors == []


def test_job_page_follows_the_job_live(page, live_server, sign_in):
    user = UserFactory()
    sign_in(user)
    job = JobFactory(owner=user)
    page.goto(f"{live_server.url}/jobs/{job.id}/")
    expect(page.get_by_test_id("job-status")).to_have_text("Queued")

    services.claim_job(job_id=job.id)
    services.report_progress(job_id=job.id, progress=40, message="resizing")
    expect(page.get_by_test_id("job-status")).to_have_text("Running")
    expect(page.get_by_text("resizing")).to_be_visible()

    services.complete_job(job_id=job.id, result={"faces": 3})
    expect(page.get_by_test_id("job-status")).to_have_text("Succeeded")
    expect(page.get_by_test_id("job-result")).to_contain_text('"faces": 3')
    assert Job.objects.get(pk=job.id).status == Job.Status.SUCCEEDED
    assert page.console_errors == []


def test_staff_runs_the_worker_selfcheck_from_the_dashboard(page, live_server, sign_in):
    sign_in(UserFactory(is_staff=True))
    page.get_by_role("button", name="Worker self-check").click()
    expect(page.get_by_test_id("job-status")).to_have_text("Succeeded")
    expect(page.get_by_test_id("job-result")).to_contain_text("channel_layer")


def test_api_docs_render_from_local_assets(page, live_server, sign_in):
    sign_in(UserFactory())
    external = []
    page.on("request", lambda req: not req.url.startswith(live_server.url) and external.append(req.url))
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("AI Platform API")
    expect(page.get_by_text("/api/v1/jobs/", exact=True).first).to_be_visible()
    assert external == []
